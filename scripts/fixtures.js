'use strict';
// `npm run fixtures`: rebuilds the committed wasm fixtures (__test__/fixtures.json lists each
// output, its source and its command) so that tests and benches need no compiler.
// `npm run fixtures -- --check` builds them into a temporary directory instead and exits 1 naming
// every committed file that differs from its build. Either refuses unless the toolchain is the one
// the manifest pins: other versions of the compilers emit other bytes.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const MANIFEST = '__test__/fixtures.json';
const manifest = JSON.parse(fs.readFileSync(path.join(root, MANIFEST), 'utf8'));

const args = process.argv.slice(2);
if (args.some((a) => a !== '--check')) {
  console.error('usage: npm run fixtures [-- --check]');
  process.exit(2);
}
const check = args.includes('--check');

function refuse(message) {
  console.error(`fixtures: ${message}`);
  process.exit(1);
}

for (const { tool, probe, version } of manifest.toolchain) {
  const r = spawnSync(probe[0], probe.slice(1), { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    refuse(`${tool} is missing; the fixtures build with the Debian packages ${manifest.packages}`);
  }
  const found = r.stdout.split('\n')[0].trim();
  if (found !== version) refuse(`${tool} is "${found}" but ${MANIFEST} pins "${version}"`);
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-fixtures-'));
process.on('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));
const differ = [];
let files = 0;
manifest.fixtures.forEach((fixture, i) => {
  // Each command writes its outputs, named as committed, into a directory of its own.
  const out = path.join(scratch, String(i));
  fs.mkdirSync(out);
  const [cmd, ...argv] = fixture.command.map((a) => a.replaceAll('{out}', out));
  const r = spawnSync(cmd, argv, { cwd: root, env: { ...process.env, ...fixture.env }, encoding: 'utf8' });
  if (r.error || r.status !== 0) refuse(`building ${fixture.source} failed:\n${(r.stderr || String(r.error)).trim()}`);
  for (const output of fixture.outputs) {
    files++;
    const built = fs.readFileSync(path.join(out, path.basename(output)));
    const file = path.join(root, output);
    const committed = fs.existsSync(file) ? fs.readFileSync(file) : null;
    if (committed && built.equals(committed)) continue;
    differ.push(output);
    if (check) {
      console.error(`fixtures: ${output} ${committed ? 'differs from the build of' : 'is missing; it builds from'} ${fixture.source}`);
    } else {
      fs.writeFileSync(file, built);
      console.log(`fixtures: wrote ${output}`);
    }
  }
});

if (check && differ.length) {
  console.error(`fixtures: ${differ.length} of ${files} files differ; \`npm run fixtures\` rebuilds them`);
  process.exit(1);
}
console.log(`fixtures: ${files} files ${check ? 'match their sources' : `built, ${differ.length} changed`}`);
