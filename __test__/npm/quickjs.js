// Emscripten (C): QuickJS through quickjs-emscripten evaluates a program in a sandboxed runtime.
const { getQuickJS } = require('quickjs-emscripten');

const program = `
const primes = [];
for (let n = 2; primes.length < 2000; n++) if (primes.every((p) => p * p > n || n % p)) primes.push(n);
class Matrix {
  constructor(n) { this.n = n; this.a = Array.from({ length: n * n }, (_, i) => (i % 7) - 3); }
  mul(o) { const n = this.n, r = new Matrix(n); for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let k = 0; k < n; k++) s += this.a[i * n + k] * o.a[k * n + j]; r.a[i * n + j] = s; } return r; }
}
let m = new Matrix(24); for (let i = 0; i < 3; i++) m = m.mul(m);
const words = 'the quick brown fox jumps over the lazy dog the end'.split(' ');
const freq = words.reduce((f, w) => ({ ...f, [w]: (f[w] || 0) + 1 }), {});
JSON.stringify({ last: primes.at(-1), trace: m.a.filter((_, i) => i % 25 === 0).reduce((a, b) => a + b, 0), freq, re: 'a1b22c333'.replace(/\\d+/g, (d) => d.length), host: host(6, 7), floats: [Math.sin(1), Math.exp(10) / 3, 0.1 + 0.2].map(String) });
`;
getQuickJS().then((QuickJS) => {
  const vm = QuickJS.newContext();
  const host = vm.newFunction('host', (a, b) => vm.newNumber(vm.getNumber(a) * vm.getNumber(b)));
  vm.setProp(vm.global, 'host', host);
  host.dispose();
  console.log(vm.dump(vm.unwrapResult(vm.evalCode(program))));
  const error = vm.evalCode('null.x');
  console.log(vm.dump(error.error).message);
  error.error.dispose();
  vm.dispose();
});
