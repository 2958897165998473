// A compression codec (Rust): brotli-wasm round trip.
const brotli = require('brotli-wasm');
const input = Buffer.from('wasm-rt '.repeat(5000) + Array.from({ length: 2000 }, (_, i) => i * i).join(','));
const packed = brotli.compress(input, { quality: 9 });
console.log(input.length, packed.length, Buffer.from(brotli.decompress(packed)).equals(input));
