// napi-rs wasm32-wasi (threaded): the oxc parser on a shared memory, with its Worker pool for
// the asynchronous parse.
// One worker: with four starting at once the process sometimes aborted (about 1 run in 100, once
// on each engine; on wasm-rt's, a Node fatal error in require() of an ES module inside a worker,
// v8::Module::IsGraphAsync).
process.env.NAPI_RS_ASYNC_WORK_POOL_SIZE = '1';
const { parseSync, parse } = require('@oxc-parser/binding-wasm32-wasi');

const source = `
import { readFile } from 'node:fs/promises';
export class Queue<T> {
  #items: T[] = [];
  push(item: T): number { return this.#items.push(item); }
  async *drain(): AsyncGenerator<T> { while (this.#items.length) yield this.#items.shift()!; }
}
const total = [1, 2, 3].reduce((a, b) => a + b, 0) ?? 0;
export default async function main(path: string) { return (await readFile(path, 'utf8')).length + total; }
`;
const summary = (r) => {
  const program = JSON.parse(r.program).node;
  return JSON.stringify({ body: program.body.map((n) => [n.type, n.start, n.end]), errors: r.errors.length, module: r.module.staticImports.length });
};
console.log('sync', summary(parseSync('queue.ts', source, {})));
console.log('sync error', parseSync('bad.js', 'let = ;', {}).errors.map((e) => e.message).join(' | '));
Promise.all([parse('a.ts', source, {}), parse('b.js', 'x => x * 2', {})]).then((rs) => {
  for (const r of rs) console.log('async', summary(r));
});
