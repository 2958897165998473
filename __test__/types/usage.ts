// Every export of wasm-rt used as a TypeScript program would; `tsc --noEmit` checks it against
// index.d.ts (__test__/types.spec.mjs).
import wasmRt = require('../../index.js');

const { WebAssembly: W, WASI, compile, compileSync, serialize, deserialize, compilers, defaultCompiler, codeCache, instantiate, instantiateSync, getLimits, setLimits, addFuel, wat } =
  wasmRt;

declare const bytes: Uint8Array<ArrayBuffer>;

async function main(): Promise<number> {
  const m1: WebAssembly.Module = compileSync(bytes, { compiler: 'singlepass' });
  const m2: WebAssembly.Module = await compile(bytes, { compiler: 'tiered' });
  const m3: WebAssembly.Module = new W.Module(bytes);
  const again: WebAssembly.Module = deserialize(serialize(m1));
  const first: 'cranelift' | 'singlepass' = compilers[0];
  const mode: string = defaultCompiler;
  const cache = codeCache();
  const dir: string | null = cache.dir;
  const counts: number = cache.loaded + cache.stored + cache.rejected;

  const wasi = new WASI({ version: 'preview1', args: ['prog'], env: { K: 'v' }, preopens: { '/data': '.' }, returnOnExit: true, stdout: 1 });
  const instance: WebAssembly.Instance = await W.instantiate(m2, wasi.getImportObject());
  const errno: number = wasi.wasiImport.clock_time_get(1, 0n, 0);
  wasi.initialize(instance);
  const code: number = wasi.start(instance);
  const { module, instance: limited } = await instantiate(bytes, {}, { timeout: 100, fuel: 1000, memoryLimit: 1 << 20, tableLimit: 10 });
  const fromModule: WebAssembly.Instance = await instantiate(module, {}, { timeout: 5 });
  const sync: WebAssembly.Instance = instantiateSync(compileSync(bytes, { fuel: true }), {}, { fuel: 10 });
  const stoppable: WebAssembly.Module = compileSync(bytes, { limits: true, compiler: 'singlepass' });
  void stoppable;
  const left: number | null = getLimits(limited).fuel;
  setLimits(sync, { timeout: null, fuel: 100 });
  const more: number = addFuel(sync, 5);
  const fromText: Uint8Array = wat('(module)');
  void fromText;
  void [m3, again, first, mode, dir, counts, errno, fromModule, left, more];
  return code;
}

void main;
