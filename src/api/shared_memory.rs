//! A shared memory across threads: the SharedArrayBuffers over its bytes (shared_buffer.cc), how
//! a Memory posted to another thread finds its bytes there, and JS's `Atomics.wait`/`notify` on
//! them (lib/atomics.js).
//!
//! Each buffer owns a clone of the wasmer memory, which V8 drops (from any thread) when no
//! isolate uses the buffer any more, so the bytes outlive every buffer over them. While a buffer
//! lives, `BUFFERS` holds the memory under the buffer's first byte: any thread that has the
//! buffer finds the memory from it.
//!
//! wasm's `memory.atomic.wait`/`notify` use wasmer's wait queue and V8's `Atomics` its own, so
//! neither would wake the other's waiters. JS's `Atomics.wait` and `notify` on a wasm-rt memory
//! therefore come here and use wasmer's queue too.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use napi::sys::{napi_env, napi_value};
use wasmer_vm::{ExpectedValue, LinearMemory, ThreadConditionsHandle, VMSharedMemory};

use crate::sys::napi_raw::{self, JsResult};
use crate::sys::shared_buffer;

/// What a buffer holds on to.
struct Owner {
  _memory: VMSharedMemory,
  base: usize,
}

impl Drop for Owner {
  fn drop(&mut self) {
    let mut buffers = registry();
    if let Some(entry) = buffers.get_mut(&self.base) {
      entry.1 -= 1;
      if entry.1 == 0 {
        buffers.remove(&self.base);
      }
    }
  }
}

/// The memories under live buffers, by base address, with how many buffers are alive.
static BUFFERS: LazyLock<Mutex<HashMap<usize, (VMSharedMemory, usize)>>> = LazyLock::new(Default::default);

fn registry() -> MutexGuard<'static, HashMap<usize, (VMSharedMemory, usize)>> {
  BUFFERS.lock().unwrap_or_else(|e| e.into_inner())
}

/// A SharedArrayBuffer over `len` bytes at `base`, the bytes of `memory`.
pub fn buffer(env: napi_env, memory: VMSharedMemory, base: *mut u8, len: usize) -> JsResult<napi_value> {
  if !shared_buffer::AVAILABLE {
    return Err(napi_raw::throw_type_error(
      env,
      "wasm-rt: this build has no SharedArrayBuffer for a shared memory: Node's headers (v8.h) were missing when it was built (see build.rs)",
    ));
  }
  registry().entry(base as usize).or_insert_with(|| (memory.clone(), 0)).1 += 1;
  let owner = Box::new(Owner { _memory: memory, base: base as usize });
  // The bytes stay mapped while `owner` lives, and V8 releases it after the last buffer.
  shared_buffer::new(base, len, owner).ok_or_else(|| napi_raw::throw_error(env, "wasm-rt: no SharedArrayBuffer"))
}

/// The memory under `value`, if it is a buffer that `buffer` made (on any thread).
pub fn memory_of(value: napi_value) -> Option<VMSharedMemory> {
  let base = shared_buffer::data_of(value) as usize;
  registry().get(&base).map(|(m, _)| m.clone())
}

/// `isSharedMemoryBuffer(value)`: whether `value` is a buffer over a wasm-rt shared memory.
pub fn is_buffer(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  napi_raw::boolean(env, memory_of(args[0]).is_some())
}

/// The wait queues of the shared memories made here, which the watchdog wakes to stop a thread
/// asleep in `memory.atomic.wait`.
static QUEUES: Mutex<Vec<ThreadConditionsHandle>> = Mutex::new(Vec::new());

/// Records `memory`'s wait queue (weakly: the memory's lifetime is its own).
pub fn watch_waits(memory: &VMSharedMemory) {
  let Some(conditions) = memory.thread_conditions() else { return };
  let mut queues = QUEUES.lock().unwrap_or_else(|e| e.into_inner());
  if queues.len() >= 64 && queues.len().is_power_of_two() {
    queues.retain(|q| q.upgrade().is_some());
  }
  queues.push(conditions.downgrade());
}

/// Wakes every waiter of every shared memory: they return as if notified.
pub fn wake_waiters() {
  let queues = QUEUES.lock().unwrap_or_else(|e| e.into_inner());
  for q in queues.iter().filter_map(ThreadConditionsHandle::upgrade) {
    q.wake_all_atomic_waiters();
  }
}

/// How long one wait sleeps at most before it looks whether the worker is being terminated.
const WAIT_SLICE: Duration = Duration::from_millis(50);

/// `sharedWait(buffer, byteOffset, value, timeoutMs)`: `Atomics.wait` on a wasm-rt memory, with
/// lib/atomics.js's checked arguments (`value` a Number for an Int32Array, a BigInt for a
/// BigInt64Array); "ok", "not-equal" or "timed-out".
pub fn wait(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let mut memory = memory_of(args[0]).ok_or_else(|| napi_raw::throw_type_error(env, "wasm-rt: not a wasm-rt shared memory"))?;
  let offset = napi_raw::get_f64(env, args[1])? as u32;
  let expected = || -> JsResult<ExpectedValue> {
    Ok(match napi_raw::type_of(env, args[2])? {
      napi::sys::ValueType::napi_bigint => ExpectedValue::U64(napi_raw::get_bigint_i64(env, args[2])? as u64),
      _ => ExpectedValue::U32(napi_raw::get_i32(env, args[2])? as u32),
    })
  };
  let timeout = napi_raw::get_f64(env, args[3])?;
  // A timeout too long to represent is no timeout.
  let until = Duration::try_from_secs_f64(timeout.max(0.0) / 1000.0).ok().and_then(|d| Instant::now().checked_add(d));
  let mut first = true;
  let outcome = loop {
    let slice = until.map_or(WAIT_SLICE, |u| u.saturating_duration_since(Instant::now()).min(WAIT_SLICE));
    // lib/atomics.js checked that the aligned element at `offset` lies in the buffer.
    let r = crate::sys::vm::atomic_wait(&mut memory, offset, expected()?, Some(slice));
    match r {
      Ok(0) => break "ok",
      // After a slice the value changing is a wake-up: the notify that went with it came between
      // two slices.
      Ok(1) => break if first { "not-equal" } else { "ok" },
      Ok(_) if until.is_some_and(|u| Instant::now() >= u) => break "timed-out",
      Ok(_) if crate::runtime::limits::watchdog::terminating() => break "timed-out",
      Ok(_) => first = false,
      Err(e) => return Err(napi_raw::throw_error(env, &format!("wasm-rt: Atomics.wait: {e:?}"))),
    }
  };
  napi_raw::string(env, outcome)
}

/// `sharedNotify(buffer, byteOffset, count)`: how many waiters in wasmer's queue it woke.
pub fn notify(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let mut memory = memory_of(args[0]).ok_or_else(|| napi_raw::throw_type_error(env, "wasm-rt: not a wasm-rt shared memory"))?;
  let offset = napi_raw::get_f64(env, args[1])? as u32;
  let count = napi_raw::get_f64(env, args[2])?.min(u32::MAX as f64) as u32;
  napi_raw::uint32(env, memory.do_notify(offset, count))
}
