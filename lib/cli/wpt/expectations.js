'use strict';
// wpt/expectations.json: which js-api results wasm-rt is known to get wrong.
//   { "<file relative to js-api>": { "fail": { "<subtest>": "<reason>" },
//                                    "skip": "<reason>" } }
// "skip" means the file is not run on wasm-rt (it crashes or hangs). A harness
// error (e.g. setup() threw) is listed as the subtest "[harness]".

const fs = require('fs');
const path = require('path');

const NAME = 'wpt/expectations.json';
const FILE = path.join(__dirname, '..', '..', '..', NAME);
const NEW_REASON = 'TODO: triage';

function load() {
  if (!fs.existsSync(FILE)) return {};
  return JSON.parse(fs.readFileSync(FILE, 'utf8'));
}

// A run that ended without the harness finishing: no per-subtest verdicts.
function fileFailed(run) {
  return run.status === 'CRASH' || run.status === 'TIMEOUT';
}

// compared: [{ file, run, subtests: [{ name, status }] }] for the wasm-rt
// runs of this session, statuses already filled in for missing subtests.
function check(expectations, compared) {
  const failures = [];
  const passes = [];
  const stale = [];
  for (const { file, run, subtests } of compared) {
    const expected = expectations[file] || {};
    if (run.status === 'SKIP') continue;
    if (fileFailed(run)) {
      failures.push({ file, status: run.status, message: run.message });
      continue;
    }
    const fail = expected.fail || {};
    // A listed harness error stands for the subtests it kept wasm-rt from running, however many
    // the V8 of the running Node produced (newer V8s run files older ones cannot even set up).
    const harnessListed = Object.hasOwn(fail, '[harness]');
    for (const { name, status, message } of subtests) {
      const listed = Object.hasOwn(fail, name) || (status === 'MISSING' && harnessListed);
      if (status !== 'PASS' && !listed) failures.push({ file, name, status, message });
      if (status === 'PASS' && listed) passes.push({ file, name, reason: fail[name] });
    }
    // Listed subtests this run did not produce (renamed or removed upstream).
    const seen = new Set(subtests.map((t) => t.name));
    for (const name of Object.keys(fail)) if (!seen.has(name)) stale.push({ file, name });
  }
  return { failures, passes, stale };
}

// Rewrites the entries of the files run on wasm-rt from this run's failures,
// keeping reasons already given; other entries stay as they are.
function update(expectations, compared) {
  const next = { ...expectations };
  let added = 0;
  const reason = (old) => {
    if (old !== undefined) return old;
    added++;
    return NEW_REASON;
  };
  for (const { file, run, subtests } of compared) {
    if (run.status === 'SKIP') continue;
    const old = expectations[file] || {};
    if (fileFailed(run)) {
      next[file] = { ...old, skip: reason(old.skip) };
      continue;
    }
    const fail = {};
    for (const { name, status } of subtests) {
      if (status !== 'PASS') fail[name] = reason(old.fail && old.fail[name]);
    }
    if (Object.keys(fail).length) next[file] = { fail: sortKeys(fail) };
    else delete next[file];
  }
  return { expectations: sortKeys(next), added };
}

function sortKeys(object) {
  return Object.fromEntries(Object.keys(object).sort().map((k) => [k, object[k]]));
}

function save(expectations) {
  fs.writeFileSync(FILE, `${JSON.stringify(expectations, null, 2)}\n`);
}

module.exports = { NAME, FILE, NEW_REASON, load, check, update, save };
