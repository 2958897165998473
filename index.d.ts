// wasm-rt: the WebAssembly JS API on the wasmer engine. Its `WebAssembly` has the same shape as
// the global one, so the global typings (TypeScript's lib or @types/node) describe it.
type Compiler = 'cranelift' | 'singlepass';

interface CompileOptions {
  /** The wasmer compiler for this module; default `defaultCompiler`. */
  compiler?: Compiler;
}

interface WASIOptions {
  /** Required: `'preview1'`, or `'unstable'` (the same functions under `wasi_unstable`). */
  version: 'preview1' | 'unstable';
  args?: readonly string[];
  env?: Record<string, string | undefined>;
  /** Guest path → host directory. */
  preopens?: Record<string, string>;
  /** Default true: `start` returns proc_exit's code; false: proc_exit ends the process. */
  returnOnExit?: boolean;
  stdin?: number;
  stdout?: number;
  stderr?: number;
}

/** Node's `node:wasi` WASI class, on wasm-rt, sandboxed to its preopens. */
declare class WASI {
  constructor(options: WASIOptions);
  readonly wasiImport: Record<string, (...args: (number | bigint)[]) => number>;
  getImportObject(): Record<string, Record<string, (...args: (number | bigint)[]) => number>>;
  /** Calls `_start`; returns the exit code given to proc_exit (0 if none). */
  start(instance: WebAssembly.Instance): number;
  /** Calls `_initialize` if exported. */
  initialize(instance: WebAssembly.Instance): void;
}

declare const wasmRt: {
  WebAssembly: typeof globalThis.WebAssembly;
  WASI: typeof WASI;
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
