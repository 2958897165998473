use std::path::PathBuf;
use std::process::Command;

fn main() {
  napi_build::setup();
  shared_buffer();
}

/// Compiles src/sys/shared_buffer.cc against the headers of the Node that builds the addon. Without
/// them the addon still builds, and a shared memory's `buffer` throws a TypeError saying why.
fn shared_buffer() {
  println!("cargo::rustc-check-cfg=cfg(shared_buffer)");
  println!("cargo::rerun-if-changed=src/sys/shared_buffer.cc");
  println!("cargo::rerun-if-env-changed=NODE_INCLUDE_DIR");
  let Some(include) = node_include_dir() else {
    println!("cargo::warning=Node's headers (v8.h) were not found: a shared WebAssembly.Memory will have no buffer. Set NODE_INCLUDE_DIR to the folder that holds v8.h.");
    return;
  };
  cc::Build::new()
    .cpp(true)
    // Node 26's headers (V8 14) need C++20; older ones compile as C++20 too.
    .std("c++20")
    .file("src/sys/shared_buffer.cc")
    .include(&include)
    .flag_if_supported("-fno-rtti")
    .warnings(false)
    .compile("wasm_rt_shared_buffer");
  println!("cargo::rustc-cfg=shared_buffer");
}

/// `$NODE_INCLUDE_DIR`, else `include/node` beside the running node's prefix.
fn node_include_dir() -> Option<PathBuf> {
  let has_v8 = |dir: &PathBuf| dir.join("v8.h").is_file();
  if let Some(dir) = std::env::var_os("NODE_INCLUDE_DIR").map(PathBuf::from) {
    return has_v8(&dir).then_some(dir);
  }
  let out = Command::new(std::env::var("NODE").unwrap_or_else(|_| "node".into())).args(["-p", "process.execPath"]).output().ok()?;
  let exe = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
  let dir = exe.parent()?.parent()?.join("include").join("node");
  has_v8(&dir).then_some(dir)
}
