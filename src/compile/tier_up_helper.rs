//! The tier-up helper's side (tier_up.rs is the side that queues jobs): compiles every job in
//! the cache's folder with cranelift, one helper per folder.

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use napi::sys::{napi_env, napi_value};

use super::tier_up::{jobs_dir, next_job, read_job};
use crate::compile::cache;
use crate::runtime::engine::{Checks, Compiler};
use crate::sys::napi_raw::{self, JsResult};

/// `tierUpDrain()`: the helper's work: compiles every job in the cache's folder, until none is
/// left, unless another helper holds the folder's lock. Returns how many it compiled.
pub fn drain(env: napi_env, _args: &[napi_value]) -> JsResult<napi_value> {
  let done = cache::dir().map_or(0, |d| drain_dir(&jobs_dir(d)));
  napi_raw::double(env, done as f64)
}

fn drain_dir(dir: &Path) -> u32 {
  // O_NONBLOCK: a FIFO in place of the lock fails to open instead of hanging the helper.
  let Ok(lock) =
    OpenOptions::new().write(true).create(true).truncate(false).mode(0o600).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(dir.join("lock"))
  else {
    return 0;
  };
  if !lock.metadata().is_ok_and(|m| m.is_file()) {
    return 0;
  }
  let mut done = 0;
  // A job left after the lock is released is seen by the helper its writer started, or, if
  // that one found the lock still held, by this loop's look after releasing it.
  while lock.try_lock().is_ok() {
    while let Some(job) = next_job(dir) {
      let data = read_job(&job);
      // A job that cannot be removed would be found again and again.
      if fs::remove_file(&job).is_err() {
        let _ = lock.unlock();
        return done;
      }
      done += data.is_some_and(|(checks, bytes)| run_job(dir, &job, checks, &bytes)) as u32;
    }
    let _ = lock.unlock();
    if next_job(dir).is_none() {
      break;
    }
  }
  done
}

/// Compiles one job (already removed) into the cache; true when it did. A job that fails is
/// marked, so that later processes do not queue it again.
fn run_job(dir: &Path, path: &Path, checks: Checks, bytes: &[u8]) -> bool {
  let digest = cache::digest(bytes);
  let key = cache::key(Compiler::Cranelift, checks, &digest);
  if path.file_stem().is_none_or(|s| s.to_string_lossy() != cache::hex(&key)) {
    return false;
  }
  match crate::compile::pipeline::compile_for_cache(Compiler::Cranelift, checks, bytes, &digest) {
    Ok(()) => {
      cache::remove(&cache::key(Compiler::Singlepass, checks, &digest));
      true
    }
    Err(_) => {
      let _ = File::create(dir.join(format!("{}.failed", cache::hex(&key))));
      false
    }
  }
}
