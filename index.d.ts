// wasm-rt: the WebAssembly JS API on the wasmer engine. Its `WebAssembly` has the same shape as
// the global one, so the global typings (TypeScript's lib or @types/node) describe it.
type Compiler = 'cranelift' | 'singlepass';

interface CompileOptions {
  /** The wasmer compiler for this module; default `defaultCompiler`. */
  compiler?: Compiler;
}

declare const wasmRt: {
  WebAssembly: typeof globalThis.WebAssembly;
  /** Like `WebAssembly.compile`, with a chosen compiler. */
  compile(bytes: BufferSource, options?: CompileOptions): Promise<WebAssembly.Module>;
  /** Like `new WebAssembly.Module`, with a chosen compiler. */
  compileSync(bytes: BufferSource, options?: CompileOptions): WebAssembly.Module;
  /** The compilers built into this binary. */
  compilers: readonly Compiler[];
  /** The compiler the JS API uses: `WASM_RT_COMPILER`, else cranelift. */
  defaultCompiler: Compiler;
};
export = wasmRt;
