// Rust (wasm-bindgen), a 45.6 MB module: Biome formats and lints TypeScript in a memory file system.
const { MemoryFileSystem, Workspace, main } = require('@biomejs/wasm-nodejs');

main();
const ws = Workspace.withFileSystem(new MemoryFileSystem());
const { projectKey } = ws.openProject({ path: '/', openUninitialized: true });
ws.updateSettings({ projectKey, configuration: { formatter: { indentStyle: 'space', indentWidth: 2 }, linter: { enabled: true } } });
const source = `
import {readFile} from 'node:fs/promises'
var unused = 1;
export async function load(path: string, opts: any) {
  if (opts == null) { opts = {} }
  const text = await readFile(path, 'utf8'); debugger;
  return text.split("\\n").map(function (line) { return line.trim() }).filter(l => l != '')
}
export class Cache<K, V> { private map = new Map<K, V>(); get(k: K) { return this.map.get(k) } }
`;
ws.openFile({ projectKey, path: '/src/load.ts', content: { type: 'fromClient', content: source, version: 0 } });
console.log(ws.formatFile({ projectKey, path: '/src/load.ts' }).code);
const { diagnostics, errors } = ws.pullDiagnostics({ projectKey, path: '/src/load.ts', categories: ['syntax', 'lint'] });
const byCategory = {};
for (const d of diagnostics) byCategory[d.category] = (byCategory[d.category] || 0) + 1;
console.log(diagnostics.length, 'diagnostics,', errors, 'errors');
for (const [c, n] of Object.entries(byCategory).sort()) console.log(`  ${c}: ${n}`);
