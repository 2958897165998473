// A WASI program: Ruby 3.4 through its own Node loader (node:wasi).
const fs = require('fs');
const { DefaultRubyVM } = require('@ruby/wasm-wasi/dist/node');
(async () => {
  const module = await WebAssembly.compile(fs.readFileSync(require.resolve('@ruby/3.4-wasm-wasi/dist/ruby.wasm')));
  const { vm } = await DefaultRubyVM(module);
  vm.eval('puts RUBY_VERSION; puts (1..20).map { |i| i * i }.sum; def fib(n) = n < 2 ? n : fib(n - 1) + fib(n - 2); puts fib(22); $stdout.flush');
})();
