'use strict';
// A WASI program in wasm-rt's sandbox: it tries to open ../outside.txt from its preopened
// directory and exits with the errno it got. node:wasi resolves the path on the host (and here
// would find the file); wasm-rt's kernel-confined lookup refuses it (76, ENOTCAPABLE).
// Run: node examples/wasi-sandbox.js
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { WebAssembly: W, WASI } = require('..');

// _start: path_open(3, follow, "../outside.txt", read) → proc_exit(errno). From this WAT:
// (module
//   (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
//   (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
//   (memory (export "memory") 1)
//   (data (i32.const 16) "../outside.txt")
//   (func (export "_start")
//     (call $proc_exit (call $path_open (i32.const 3) (i32.const 1) (i32.const 16) (i32.const 14)
//       (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 8)))))
const program = Buffer.from(
  'AGFzbQEAAAABFQNgCX9/f39/fn5/fwF/YAF/AGAAAAJHAhZ3YXNpX3NuYXBzaG90X3ByZXZpZXcxCXBhdGhfb3BlbgAAFndhc2lfc25hcHNob3RfcHJldmlldzEJcHJvY19leGl0AAEDAgECBQMBAAEHEwIGbWVtb3J5AgAGX3N0YXJ0AAIKGgEYAEEDQQFBEEEOQQBCAkIAQQBBCBAAEAELCxQBAEEQCw4uLi9vdXRzaWRlLnR4dA==',
  'base64',
);

const top = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-example-'));
fs.mkdirSync(path.join(top, 'sandbox'));
fs.writeFileSync(path.join(top, 'outside.txt'), 'not for the guest');
try {
  const wasi = new WASI({ version: 'preview1', preopens: { '/sandbox': path.join(top, 'sandbox') } });
  const instance = new W.Instance(new W.Module(program), wasi.getImportObject());
  const errno = wasi.start(instance);
  console.log(`wasm-rt: opening ../outside.txt from the sandbox gave errno ${errno}${errno === 76 ? ' (ENOTCAPABLE): refused' : ''}`);
} finally {
  fs.rmSync(top, { recursive: true, force: true });
}
