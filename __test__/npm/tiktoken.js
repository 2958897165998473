// Rust (wasm-bindgen): tiktoken's BPE tokenizers (cl100k_base, o200k_base) encode and decode text.
const { get_encoding } = require('tiktoken');

const text = [
  'WebAssembly (abbreviated Wasm) is a binary instruction format for a stack-based virtual machine.',
  'fn main() { println!("héllo, wörld — 你好, мир 👋"); }',
  Array.from({ length: 400 }, (_, i) => `line ${i}: ${(i * 7919) % 1000} tokens of ${['prose', 'code', 'numbers'][i % 3]}`).join('\n'),
].join('\n\n');
for (const name of ['cl100k_base', 'o200k_base']) {
  const enc = get_encoding(name);
  const tokens = enc.encode(text);
  const back = new TextDecoder().decode(enc.decode(tokens));
  const special = enc.encode('<|endoftext|> done', 'all');
  console.log(name, tokens.length, Array.from(tokens.slice(0, 12)).join(','), back === text, Array.from(special).join(','));
  enc.free();
}
