//! Tier-up that outlives its process. A big module's first compile is singlepass (seconds);
//! cranelift's code runs several times faster but takes 18-34 s for the largest npm modules
//! (bench/README.md), longer than a command-line tool runs. So the first instance of such a module
//! leaves a *job* in the code cache's folder (`tier-up/<key>.job`: the checks and the wasm bytes)
//! and starts a detached, low-priority helper (`lib/cli/tier-up.js`), which compiles every job
//! there with cranelift into the cache, one helper per folder (a lock), and then drops the
//! singlepass entry it supersedes. The next process loads cranelift's code.
//!
//! Without a code cache, or when the helper cannot be started, the compile runs on a background
//! thread of this process (pipeline.rs) as before. `WASM_RT_TIER_UP=off` turns both off.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use napi::sys::{napi_env, napi_value};

use crate::compile::cache::{self, Digest};
use crate::runtime::engine::{Checks, Compiler};
use crate::sys::napi_raw::{self, JsResult};

const JOB_MAGIC: &[u8; 8] = b"WASMRTJ1";

/// Whether tier-up is on (`WASM_RT_TIER_UP=off` or `0` turns it off), as the environment said
/// when the addon loaded (`read_environment`).
pub fn enabled() -> bool {
  static ON: OnceLock<bool> = OnceLock::new();
  *ON.get_or_init(|| !std::env::var_os("WASM_RT_TIER_UP").is_some_and(|v| v == "off" || v == "0"))
}

/// Reads tier-up's setting now, before the program can change its environment.
pub fn read_environment() {
  enabled();
}

/// The helper script, and the Node that runs it.
static HELPER: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();

/// `setTierUpHelper(script, node)`: told by lib/native.js when it loads the addon.
pub fn set_helper(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let script = PathBuf::from(napi_raw::get_string(env, args[0])?);
  let node = PathBuf::from(napi_raw::get_string(env, args[1])?);
  let _ = HELPER.set((script, node));
  Ok(napi_raw::undefined(env))
}

pub(super) fn jobs_dir(cache_dir: &Path) -> PathBuf {
  cache_dir.join("tier-up")
}

/// Leaves a job for the cranelift compile of these bytes and starts a helper. False when there
/// is no cache or helper to do it; the caller then tiers up in this process.
pub fn request(checks: Checks, digest: &Digest, bytes: &[u8]) -> bool {
  let (Some(cache_dir), Some((helper, node))) = (cache::dir(), HELPER.get()) else { return false };
  let key = cache::key(Compiler::Cranelift, checks, digest);
  let dir = jobs_dir(cache_dir);
  let name = cache::hex(&key);
  if cache::has(&key) || dir.join(format!("{name}.failed")).exists() {
    return true;
  }
  let tmp = dir.join(format!(".tmp-{name}-{}", std::process::id()));
  let written = (|| -> std::io::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir)?;
    let mut f = OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).custom_flags(libc::O_NOFOLLOW).open(&tmp)?;
    f.write_all(JOB_MAGIC)?;
    f.write_all(&[checks as u8])?;
    f.write_all(bytes)?;
    fs::rename(&tmp, dir.join(format!("{name}.job")))
  })();
  if written.is_err() {
    // A full disk leaves no part of a job behind.
    let _ = fs::remove_file(&tmp);
    return false;
  }
  let spawned = std::process::Command::new(node)
    .arg(helper)
    .env("WASM_RT_CACHE_DIR", cache_dir)
    // The helper is wasm-rt's own process: no preloads of the user's.
    .env_remove("NODE_OPTIONS")
    .stdin(std::process::Stdio::null())
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    // Its own process group: a Ctrl-C meant for this process does not stop it.
    .process_group(0)
    .spawn();
  match spawned {
    Ok(mut child) => {
      // Reaped when it ends, so that it leaves no zombie while this process runs.
      let _ = std::thread::Builder::new().name("wasm-rt tier-up wait".into()).spawn(move || child.wait());
      true
    }
    Err(_) => false,
  }
}

/// A job file: only a regular file (not a link, FIFO or folder) named `*.job` is one.
pub(super) fn next_job(dir: &Path) -> Option<PathBuf> {
  fs::read_dir(dir).ok()?.flatten().filter(|e| e.file_type().is_ok_and(|t| t.is_file())).map(|e| e.path()).find(|p| p.extension().is_some_and(|x| x == "job"))
}

pub(super) fn read_job(path: &Path) -> Option<(Checks, Vec<u8>)> {
  use std::io::Read;
  let mut file = OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path).ok()?;
  if !file.metadata().ok()?.is_file() {
    return None;
  }
  let mut data = Vec::new();
  file.read_to_end(&mut data).ok()?;
  if data.len() < 9 || &data[..8] != JOB_MAGIC {
    return None;
  }
  Some((Checks::from_index(data[8].into())?, data[9..].to_vec()))
}

#[cfg(test)]
mod tests {
  use super::{read_job, JOB_MAGIC};
  use crate::runtime::engine::Checks;

  #[test]
  fn reads_a_job_and_refuses_what_is_not_one() {
    let dir = std::env::temp_dir().join(format!("wasm-rt-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let job = dir.join("a.job");
    std::fs::write(&job, [&JOB_MAGIC[..], &[1], b"\0asm"].concat()).unwrap();
    let (checks, bytes) = read_job(&job).unwrap();
    assert_eq!((checks, bytes.as_slice()), (Checks::Stop, &b"\0asm"[..]));
    std::fs::write(&job, [&JOB_MAGIC[..], &[3]].concat()).unwrap();
    assert!(read_job(&job).is_none(), "unknown checks");
    std::fs::write(&job, b"WASMRTJ2\0").unwrap();
    assert!(read_job(&job).is_none(), "another format");
    assert!(read_job(&dir).is_none(), "a folder");
    std::fs::remove_dir_all(&dir).unwrap();
  }
}
