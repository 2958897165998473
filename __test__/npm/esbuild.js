// Go (js/wasm): esbuild-wasm bundles and minifies.
const esbuild = require('esbuild-wasm');
esbuild.initialize({}).then(async () => {
  const r = await esbuild.transform('const sum = (a, b) => a + b; export default function main(xs) { return xs.map(x => sum(x, 1)).filter(Boolean) }', { minify: true, format: 'cjs' });
  console.log(r.code);
  await esbuild.stop?.();
});
