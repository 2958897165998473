'use strict';
// One child process of a command (wpt, wast, wasi-test, compare): run to its end or killed at
// its deadline, with what it printed and, for a forked Node script, the last message it sent.
const { fork, spawn } = require('node:child_process');

/**
 * Runs `script` (forked, with an IPC channel) or `command` to its end.
 * - `args`, `cwd`, `env`: as for child_process; `execArgv` for a fork (none by default), and
 *   `execPath`, the Node that runs it (this one by default).
 * - `stdout`, `stderr`: 'pipe' keeps the text (its last `tail` characters), 'ignore', or a file
 *   descriptor (wasi-test's programs must see files, not the socket pair Node's pipes are).
 * - `timeoutMs`: after it the child is killed with SIGKILL.
 * Resolves `{ code, signal, timedOut, spawnError, message, stdout, stderr, ms }`: `message` is
 * the last IPC message (null if none), `spawnError` the error when the child could not start.
 */
function runChild({ script, command = process.execPath, execPath = process.execPath, args = [], execArgv = [], cwd, env, stdout = 'pipe', stderr = 'pipe', timeoutMs, tail = Infinity }) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const stdio = ['ignore', stdout, stderr];
    const child = script ? fork(script, args, { cwd, env, execArgv, execPath, stdio: [...stdio, 'ipc'] }) : spawn(command, args, { cwd, env, stdio });
    const kept = { stdout: '', stderr: '' };
    for (const name of ['stdout', 'stderr']) {
      const stream = child[name];
      if (!stream) continue;
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        const text = kept[name] + chunk;
        kept[name] = text.length > tail ? text.slice(-tail) : text;
      });
    }
    let message = null;
    child.on('message', (m) => (message = m));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    let settled = false;
    const finish = (code, signal, spawnError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ code, signal, timedOut, spawnError, message, stdout: kept.stdout, stderr: kept.stderr, ms });
    };
    // 'error' without a pid: the child never started, and no 'close' may follow.
    child.on('error', (error) => {
      if (child.pid === undefined) finish(null, null, error);
    });
    child.on('close', (code, signal) => finish(code, signal, null));
  });
}

module.exports = { runChild };
