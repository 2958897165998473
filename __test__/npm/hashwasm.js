// C compiled with clang: hash-wasm (BLAKE3, SHA-3, Argon2id).
const { blake3, sha3, argon2id } = require('hash-wasm');
(async () => {
  console.log(await blake3('wasm-rt'), await sha3('wasm-rt', 256));
  console.log(await argon2id({ password: 'pw', salt: 'saltsaltsalt', parallelism: 1, iterations: 2, memorySize: 512, hashLength: 16, outputType: 'hex' }));
})();
