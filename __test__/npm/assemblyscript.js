// AssemblyScript: @chainsafe/as-sha256.
const { digest } = require('@chainsafe/as-sha256');
const data = new Uint8Array(100_000).map((_, i) => (i * 31) & 255);
console.log(Buffer.from(digest(data)).toString('hex'), Buffer.from(digest(new Uint8Array(0))).toString('hex'));
