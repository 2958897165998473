'use strict';
// Locating a js-api suite checkout and reading its test files' META lines.

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

// The suite lives in the WebAssembly spec repo (test/js-api) and is mirrored
// into web-platform-tests (wasm/jsapi); each layout keeps testharness.js elsewhere.
const LAYOUTS = [
  { name: 'spec', jsapi: 'test/js-api', harness: 'test/harness/testharness.js' },
  { name: 'wpt', jsapi: 'wasm/jsapi', harness: 'resources/testharness.js' },
];

function locate(dir) {
  const root = path.resolve(dir);
  for (const layout of LAYOUTS) {
    const jsapiDir = path.join(root, layout.jsapi);
    const harness = path.join(root, layout.harness);
    if (isDirectory(jsapiDir) && fs.existsSync(harness)) {
      return { root, layout: layout.name, jsapiDir, harness };
    }
  }
  return null;
}

function isDirectory(p) {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

// Sorted paths of every *.any.js below jsapiDir, relative to it, with '/'.
function discover(jsapiDir) {
  const found = [];
  (function walk(rel) {
    for (const entry of fs.readdirSync(path.join(jsapiDir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && entry.name.endsWith('.any.js')) found.push(child);
    }
  })('');
  return found.sort();
}

// WPT's header comments: `// META: key=value`, only at the top of the file.
function parseMeta(source) {
  const meta = { scripts: [], globals: null, long: false };
  for (const line of source.split('\n')) {
    const m = /^\/\/ META: *([a-z_]+)=(.*)$/.exec(line.trim());
    if (!m) {
      if (line.trim() === '' || line.trim().startsWith('//')) continue;
      break;
    }
    const [, key, value] = m;
    if (key === 'script') meta.scripts.push(value.trim());
    else if (key === 'global') meta.globals = value.split(',').map((g) => g.trim());
    else if (key === 'timeout') meta.long = value.trim() === 'long';
  }
  return meta;
}

// A file without `global=` is meant for the default scopes; such files and
// `jsshell` ones are the ones that can run in a plain JS shell like Node.
function runsInShell(meta) {
  return meta.globals === null || meta.globals.includes('jsshell');
}

// Maps a META script URL to a file: /wasm/jsapi/* is the js-api dir and
// /resources/* the harness dir in either layout; other absolute URLs are
// relative to the checkout root, relative ones to the test file.
function resolveScript(suite, testPath, src) {
  if (src.startsWith('/wasm/jsapi/')) return path.join(suite.jsapiDir, src.slice('/wasm/jsapi/'.length));
  if (src.startsWith('/resources/')) return path.join(path.dirname(suite.harness), src.slice('/resources/'.length));
  if (src.startsWith('/')) return path.join(suite.root, src);
  return path.resolve(path.dirname(testPath), src);
}

// Everything the child needs to run one file, in load order after the harness.
function plan(suite, file) {
  const testPath = path.join(suite.jsapiDir, file);
  const meta = parseMeta(fs.readFileSync(testPath, 'utf8'));
  return {
    file,
    shell: runsInShell(meta),
    globals: meta.globals,
    long: meta.long,
    scripts: [...meta.scripts.map((src) => resolveScript(suite, testPath, src)), testPath],
  };
}

// The suite's commit, when DIR is the top of a git checkout.
function commitOf(dir) {
  try {
    const [top, head] = execFileSync('git', ['-C', dir, 'rev-parse', '--show-toplevel', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim().split('\n');
    return fs.realpathSync(top) === fs.realpathSync(dir) ? head : null;
  } catch {
    return null;
  }
}

module.exports = { locate, discover, plan, commitOf };
