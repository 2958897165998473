'use strict';
// `npm run package`: the tarballs a release publishes, in dist/ — the main package (JS, typings,
// and the Rust sources to build from when no binary matches) and one package per built platform
// carrying its .node; the main package's optionalDependencies name the platform packages.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { triple } = require('../lib/triple');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-package-'));

function pack(dir) {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dist], { cwd: dir, encoding: 'utf8' });
  return JSON.parse(out)[0];
}

fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(dist);
try {
  // One platform package per binary built in this checkout.
  const platforms = {};
  for (const dir of fs.readdirSync(path.join(root, 'npm'))) {
    const binary = path.join(root, `wasm-rt.${dir}.node`);
    if (!fs.existsSync(binary)) continue;
    const meta = JSON.parse(fs.readFileSync(path.join(root, 'npm', dir, 'package.json'), 'utf8'));
    const into = path.join(stage, dir);
    fs.mkdirSync(into);
    fs.writeFileSync(path.join(into, 'package.json'), `${JSON.stringify({ ...meta, version: pkg.version }, null, 2)}\n`);
    fs.copyFileSync(path.join(root, 'npm', dir, 'README.md'), path.join(into, 'README.md'));
    fs.copyFileSync(binary, path.join(into, path.basename(binary)));
    const packed = pack(into);
    platforms[meta.name] = pkg.version;
    console.log(`${packed.filename}: ${packed.files.map((f) => f.path).join(', ')}`);
  }
  if (!platforms[`wasm-rt-${triple()}`]) {
    throw new Error(`package: no binary for this platform (wasm-rt.${triple()}.node); run \`npm run build\` first`);
  }

  // The main package: what package.json's "files" lists, plus the Rust sources.
  const main = path.join(stage, 'main');
  fs.mkdirSync(main);
  const files = [...pkg.files, 'Cargo.toml', 'Cargo.lock', 'build.rs', 'src/', 'README.md'];
  for (const f of files) fs.cpSync(path.join(root, f), path.join(main, f), { recursive: true });
  const manifest = { ...pkg, files, optionalDependencies: platforms };
  delete manifest.devDependencies;
  // The published scripts: only the install hook is needed by users.
  manifest.scripts = { install: pkg.scripts.install };
  fs.writeFileSync(path.join(main, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const packed = pack(main);
  console.log(`${packed.filename}: ${packed.files.length} files, ${(packed.size / 1024).toFixed(0)} kB`);
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
