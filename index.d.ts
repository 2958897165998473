// wasm-rt: the WebAssembly JS API on the wasmer engine. Its `WebAssembly` has the same shape as
// the global one, so the global typings (TypeScript's lib or @types/node) describe it.
type Compiler = 'cranelift' | 'singlepass';

interface CompileOptions {
  /**
   * The wasmer compiler for this module, or 'tiered' (singlepass now, cranelift in the
   * background into the code cache); default `defaultCompiler`.
   */
  compiler?: Compiler | 'tiered';
  /** Compile the module to count fuel (see `instantiate`); such a module uses one compiler. */
  fuel?: boolean;
  /**
   * Compile in the checks that let a timeout stop the module's calls (see `instantiate`); code
   * compiled in a worker thread has them anyway, so that `worker.terminate()` stops it.
   */
  limits?: boolean;
}

interface LimitOptions {
  /** Milliseconds a call from JS into the instance (or its start function) may run. */
  timeout?: number;
  /** Fuel the instance starts with (one unit per wasm operator); compiles the module to count it. */
  fuel?: number;
  /** Bytes the memories the instance defines may grow to. */
  memoryLimit?: number;
  /** Elements the tables the instance defines may grow to. */
  tableLimit?: number;
  /** The compiler, when `source` is bytes. */
  compiler?: Compiler;
}

interface InstanceLimits {
  /** null: no timeout. */
  timeout: number | null;
  /** Fuel left; null: the module does not count fuel. */
  fuel: number | null;
}

interface CodeCacheInfo {
  /** The cache folder, or null when the cache is off or its folder cannot be trusted. */
  dir: string | null;
  /** Entries this process loaded, stored, and found unsound (and removed). */
  loaded: number;
  stored: number;
  rejected: number;
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
  /** A module's compiled code as bytes, for `deserialize` in a worker or a later process. */
  serialize(module: WebAssembly.Module): Uint8Array;
  /** The module `serialize` made bytes of; a TypeError for damaged or foreign bytes. */
  deserialize(bytes: ArrayBuffer | ArrayBufferView): WebAssembly.Module;
  /** The compiler whose code `module` runs (a tiered module's: singlepass until cranelift's code is in the cache). */
  compilerOf(module: WebAssembly.Module): Compiler;
  /** The code cache on disk: where it is and what this process did with it. */
  codeCache(): CodeCacheInfo;
  /** The compilers built into this binary. */
  compilers: readonly Compiler[];
  /** What the JS API uses: `WASM_RT_COMPILER`, else 'tiered'. */
  defaultCompiler: Compiler | 'tiered';
  /** `WebAssembly.instantiate` under limits: bytes give `{ module, instance }`. */
  instantiate(source: BufferSource, imports?: WebAssembly.Imports, options?: LimitOptions): Promise<WebAssembly.WebAssemblyInstantiatedSource>;
  /** A Module gives an Instance. */
  instantiate(source: WebAssembly.Module, imports?: WebAssembly.Imports, options?: LimitOptions): Promise<WebAssembly.Instance>;
  /** `new WebAssembly.Instance` under limits, from a Module or bytes. */
  instantiateSync(source: WebAssembly.Module | BufferSource, imports?: WebAssembly.Imports, options?: LimitOptions): WebAssembly.Instance;
  getLimits(instance: WebAssembly.Instance): InstanceLimits;
  /** A new timeout for later calls (null: none), and the fuel left. */
  setLimits(instance: WebAssembly.Instance, limits: { timeout?: number | null; fuel?: number }): void;
  /** Adds fuel; returns the fuel left. */
  addFuel(instance: WebAssembly.Instance, amount: number): number;
  /** The binary of a module written in the text format; throws an Error naming the line for bad text. */
  wat(text: string): Uint8Array;
};
export = wasmRt;
