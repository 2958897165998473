// wasm-rt: the WebAssembly JS API on the wasmer engine. Its `WebAssembly` has the same shape as
// the global one, so the global typings (TypeScript's lib or @types/node) describe it.
declare const wasmRt: {
  WebAssembly: typeof globalThis.WebAssembly;
};
export = wasmRt;
