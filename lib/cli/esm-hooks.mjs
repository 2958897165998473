// Resolve hook of lib/cli/preload.js: `import { WASI } from 'node:wasi'` gets wasm-rt's WASI.
const SHIM = new URL('./wasi-shim.cjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'wasi' || specifier === 'node:wasi') return { url: SHIM, shortCircuit: true };
  return next(specifier, context);
}
