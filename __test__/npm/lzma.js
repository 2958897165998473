// napi-rs wasm32-wasi (emnapi wasi-threads): xz, lzma and lzma2 through the package's worker pool,
// with the WASI class in each worker as well (an ES module importing node:wasi).
process.env.NAPI_RS_ASYNC_WORK_POOL_SIZE = '2';
const { xz, lzma, lzma2 } = require('@napi-rs/lzma-wasm32-wasi');

const input = Buffer.from(`${'wasm-rt '.repeat(5000)}the end`);
const packed = xz.compressSync(input);
console.log('sync', packed.length, xz.decompressSync(packed).equals(input));
Promise.all([xz.compress(input), lzma.compress(input), lzma2.compress(input)]).then(async ([a, b, c]) => {
  console.log('async', a.length, b.length, c.length);
  const back = await Promise.all([xz.decompress(a), lzma.decompress(b), lzma2.decompress(c)]);
  console.log('round trip', back.map((x) => x.equals(input)).join(' '));
});
