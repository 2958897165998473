'use strict';
// The platform name of wasm-rt's binaries, as napi-rs names them (linux-x64-gnu, ...).
function triple() {
  const { platform, arch } = process;
  if (platform !== 'linux') return `${platform}-${arch}`;
  const glibc = process.report?.getReport().header.glibcVersionRuntime;
  return `${platform}-${arch}-${glibc ? 'gnu' : 'musl'}`;
}

module.exports = { triple };
