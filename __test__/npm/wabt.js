// Emscripten (C++): wabt assembles a generated text module (wat2wasm), validates it, prints it
// back as text (wasm2wat), and the result is compiled and run.
const crypto = require('crypto');
const initWabt = require('wabt');

const funcs = Array.from({ length: 300 }, (_, i) => `
  (func $f${i} (export "f${i}") (param $x i32) (result i32) (local $acc i32)
    (local.set $acc (i32.const ${i}))
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $x)))
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const ${(i % 13) + 3})) (i32.load8_u (i32.and (local.get $x) (i32.const 255)))))
      (local.set $x (i32.sub (local.get $x) (i32.const 1)))
      (br $next)))
    (local.get $acc))`).join('');
const wat = `(module
  (memory (export "memory") 1)
  (data (i32.const 0) "${Array.from({ length: 256 }, (_, i) => `\\${(i * 151 % 256).toString(16).padStart(2, '0')}`).join('')}")
  (global $g (mut f64) (f64.const 1.5))
  (func (export "sum") (param $n i32) (result f64) (local $i i32)
    (loop $l
      (global.set $g (f64.add (global.get $g) (f64.sqrt (f64.convert_i32_u (local.get $i)))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (global.get $g))${funcs})`;

initWabt().then((wabt) => {
  const mod = wabt.parseWat('gen.wat', wat);
  mod.resolveNames();
  mod.validate();
  const { buffer } = mod.toBinary({ log: false, write_debug_names: true });
  mod.destroy();
  console.log('wat', wat.length, 'wasm', buffer.length, crypto.createHash('sha256').update(buffer).digest('hex'));
  const back = wabt.readWasm(buffer, { readDebugNames: true });
  back.validate();
  const text = back.toText({ foldExprs: false, inlineExport: true });
  back.destroy();
  console.log('wasm2wat', text.length, 'lines', text.split('\n').length, crypto.createHash('sha256').update(text).digest('hex'));
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(buffer));
  console.log('run', exports.f7(1000), exports.f299(5000), exports.sum(100000));
  try {
    wabt.parseWat('bad.wat', '(module (func (result i32) (i64.const 1)))').validate();
  } catch (e) {
    console.log('invalid:', e.message.split('\n')[1]);
  }
});
