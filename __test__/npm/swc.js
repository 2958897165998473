// Rust (wasm-bindgen), an 18 MB module: @swc/wasm transforms TypeScript.
const swc = require('@swc/wasm');
const out = swc.transformSync('const f = (x: number): number => x ** 2; export class A<T> { constructor(private v: T) {} get(): T { return this.v } }', {
  jsc: { parser: { syntax: 'typescript' }, target: 'es5' },
});
console.log(out.code);
