//! Stopping wasm that runs. Compiled code traps at its next function entry or loop header once
//! its instance's flag is set (instrument.rs); one watchdog thread sets the flags of a thread's
//! instances when the deadline of the thread's current call passes, or when the thread is a
//! worker that Node is terminating (`worker.terminate()`, or `process.exit()`, which terminates
//! every worker). No signal is used.
//!
//! A terminating worker is recognised by V8's own request: Node's termination asks V8 to stop
//! the worker's isolate (`TerminateExecution`), which sets the TERMINATE_EXECUTION bit of the
//! isolate's interrupt flags; V8 acts on it only when JS runs, which a thread inside wasm never
//! does. The watchdog reads that word every few milliseconds. Its place comes from V8's public
//! header (`Internals::kIsolateStackGuardOffset`, and the stack guard's seven words), and is
//! checked on each worker at start: the stack guard's first word must point back to the isolate.
//! Where the check fails (another V8), termination is not watched and a worker in a loop keeps
//! running, as before.

use std::cell::{Cell, OnceCell};
use std::collections::HashMap;
use std::ffi::c_void;
use std::sync::atomic::{AtomicI32, AtomicIsize, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

/// How often the isolates of workers running wasm-rt are looked at.
const WORKER_TICK: Duration = Duration::from_millis(5);

/// Why a thread's wasm was stopped.
const RUNNING: u8 = 0;
const DEADLINE: u8 = 1;
const TERMINATING: u8 = 2;

/// The flags of an instance: its stop flag, and (metered) the flag its code sets out of fuel.
#[derive(Clone, Copy)]
struct Flags {
  stop: usize,
  fuel_out: usize,
}

/// One thread's instances, and what the watchdog knows of it.
pub struct Thread {
  /// store id → the flags of that store's instances.
  flags: Mutex<HashMap<u64, Vec<Flags>>>,
  stopped: AtomicU8,
  /// The worker's V8 isolate while its environment lives; 0 on the main thread.
  isolate: AtomicUsize,
}

impl Thread {
  fn stop(&self, why: u8) {
    self.stopped.store(why, Ordering::Relaxed);
    self.set_all(1);
  }

  fn set_all(&self, value: i32) {
    for list in self.flags.lock().unwrap_or_else(|e| e.into_inner()).values() {
      for f in list {
        // SAFETY: an instance's flag global, registered while its store lives and removed (under
        // this lock) before the store drops.
        unsafe { AtomicI32::from_ptr(f.stop as *mut i32) }.store(value, Ordering::Relaxed);
      }
    }
  }

  /// Whether V8 was asked to terminate this worker's isolate.
  fn terminating(&self) -> bool {
    let isolate = self.isolate.load(Ordering::Acquire);
    // SAFETY: the isolate lives until its environment's cleanup hook clears `isolate` (under the
    // watch lock, which the caller holds); `interrupt_word` was checked for this V8 at start.
    isolate != 0 && unsafe { AtomicIsize::from_ptr(interrupt_word(isolate)) }.load(Ordering::Relaxed) & TERMINATE_EXECUTION != 0
  }
}

// V8 11 (Node 20): `Internals::kIsolateStackGuardOffset` = one pointer into the isolate; the
// stack guard is { isolate_, real_jslimit_, real_climit_, jslimit_, climit_, interrupt_scopes_,
// interrupt_flags_ } (`kStackGuardSize` = 7 pointers); TERMINATE_EXECUTION is interrupt bit 0.
const STACK_GUARD_OFFSET: usize = 8;
const TERMINATE_EXECUTION: isize = 1;

fn interrupt_word(isolate: usize) -> *mut isize {
  (isolate + STACK_GUARD_OFFSET + 6 * 8) as *mut isize
}

unsafe extern "C" {
  #[link_name = "_ZN2v87Isolate10GetCurrentEv"]
  fn v8_isolate_get_current() -> *mut c_void;
}

/// The current isolate, if the layout above is the one this V8 has.
fn current_isolate() -> Option<usize> {
  if !cfg!(all(target_os = "linux", target_pointer_width = "64")) {
    return None;
  }
  // SAFETY: called on a thread that runs JS (from `init`), where V8 has a current isolate.
  let isolate = unsafe { v8_isolate_get_current() } as usize;
  if isolate == 0 {
    return None;
  }
  // SAFETY: the isolate is live; the stack guard's first word is its back pointer.
  let back = unsafe { *((isolate + STACK_GUARD_OFFSET) as *const usize) };
  (back == isolate).then_some(isolate)
}

thread_local! {
  static THREAD: OnceCell<Arc<Thread>> = const { OnceCell::new() };
  /// The deadline of the outermost limited call running on this thread, and its timeout.
  static CALL_DEADLINE: Cell<Option<(Instant, u32)>> = const { Cell::new(None) };
}

struct Watch {
  deadlines: Vec<(Instant, Arc<Thread>)>,
  workers: Vec<Weak<Thread>>,
}

fn watch() -> &'static (Mutex<Watch>, Condvar) {
  static WATCH: OnceLock<(Mutex<Watch>, Condvar)> = OnceLock::new();
  WATCH.get_or_init(|| {
    if std::thread::Builder::new().name("wasm-rt watchdog".into()).spawn(run).is_err() {
      eprintln!("wasm-rt: could not start the watchdog thread: deadlines and worker termination will not stop running wasm");
    }
    (Mutex::new(Watch { deadlines: Vec::new(), workers: Vec::new() }), Condvar::new())
  })
}

fn run() {
  let (lock, wake) = watch();
  let mut w = lock.lock().unwrap_or_else(|e| e.into_inner());
  loop {
    let now = Instant::now();
    // A thread asleep in memory.atomic.wait passes no check: stopping it wakes every waiter,
    // which sees a spurious wake-up (waits are woken again on each tick of a termination, for a
    // wait entered after the flags were set but before the next check).
    let mut wake_waiters = false;
    w.deadlines.retain(|(at, thread)| {
      if *at > now {
        return true;
      }
      thread.stop(DEADLINE);
      wake_waiters = true;
      false
    });
    w.workers.retain(|t| t.upgrade().is_some_and(|t| t.isolate.load(Ordering::Relaxed) != 0));
    for t in w.workers.iter().filter_map(Weak::upgrade) {
      match (t.stopped.load(Ordering::Relaxed), t.terminating()) {
        (TERMINATING, true) => wake_waiters = true,
        (_, true) => {
          t.stop(TERMINATING);
          wake_waiters = true;
        }
        // A termination that was called off (`vm`'s timeout terminates and then cancels).
        (TERMINATING, false) => {
          t.stopped.store(RUNNING, Ordering::Relaxed);
          t.set_all(0);
        }
        _ => {}
      }
    }
    if wake_waiters {
      crate::shared_memory::wake_waiters();
    }
    let next = w.deadlines.iter().map(|(at, _)| *at).min();
    let tick = (!w.workers.is_empty()).then(|| now + WORKER_TICK);
    w = match next.into_iter().chain(tick).min() {
      Some(at) => wake.wait_timeout(w, at.saturating_duration_since(Instant::now())).unwrap_or_else(|e| e.into_inner()).0,
      None => wake.wait(w).unwrap_or_else(|e| e.into_inner()),
    };
  }
}

/// Whether this thread is a worker whose termination is watched.
pub fn on_worker() -> bool {
  thread().is_some_and(|t| t.isolate.load(Ordering::Relaxed) != 0)
}

fn thread() -> Option<Arc<Thread>> {
  THREAD.with(|t| t.get().cloned())
}

/// Records this thread (once per Node environment, from `init`); a worker's isolate is watched
/// for termination until `forget_isolate`. Returns whether it is watched.
pub fn init_thread(worker: bool) -> bool {
  let isolate = if worker { current_isolate() } else { None };
  let thread = THREAD.with(|t| {
    t.get_or_init(|| Arc::new(Thread { flags: Mutex::new(HashMap::new()), stopped: AtomicU8::new(RUNNING), isolate: AtomicUsize::new(0) }))
      .clone()
  });
  let Some(isolate) = isolate else { return false };
  thread.isolate.store(isolate, Ordering::Release);
  let (lock, wake) = watch();
  lock.lock().unwrap_or_else(|e| e.into_inner()).workers.push(Arc::downgrade(&thread));
  wake.notify_one();
  true
}

/// The worker's environment is being torn down: its isolate is about to go.
pub fn forget_isolate() {
  if let Some(t) = thread() {
    let (lock, _) = watch();
    let _held = lock.lock().unwrap_or_else(|e| e.into_inner());
    t.isolate.store(0, Ordering::Release);
  }
}

/// Registers an instance's flags (their addresses stay valid while store `store` lives).
pub fn add_flags(store: u64, stop: usize, fuel_out: usize) {
  if let Some(t) = thread() {
    t.flags.lock().unwrap_or_else(|e| e.into_inner()).entry(store).or_default().push(Flags { stop, fuel_out });
    if t.stopped.load(Ordering::Relaxed) == TERMINATING {
      // SAFETY: just registered, valid as above.
      unsafe { AtomicI32::from_ptr(stop as *mut i32) }.store(1, Ordering::Relaxed);
    }
  }
}

/// Forgets the flags of a store about to drop.
pub fn forget_store(store: u64) {
  if let Some(t) = thread() {
    t.flags.lock().unwrap_or_else(|e| e.into_inner()).remove(&store);
  }
}

/// Runs `f` under a deadline of `timeout_ms`, unless a limited call is already running on this
/// thread: a nested call counts against the outermost deadline.
pub fn with_deadline<R>(timeout_ms: Option<u32>, f: impl FnOnce() -> R) -> R {
  let Some(ms) = timeout_ms else { return f() };
  let Some(t) = thread() else { return f() };
  if CALL_DEADLINE.with(Cell::get).is_some() {
    return f();
  }
  let at = Instant::now() + Duration::from_millis(ms as u64);
  CALL_DEADLINE.with(|d| d.set(Some((at, ms))));
  let (lock, wake) = watch();
  lock.lock().unwrap_or_else(|e| e.into_inner()).deadlines.push((at, t.clone()));
  wake.notify_one();
  struct Disarm(Instant, Arc<Thread>);
  impl Drop for Disarm {
    fn drop(&mut self) {
      CALL_DEADLINE.with(|d| d.set(None));
      let (lock, _) = watch();
      lock.lock().unwrap_or_else(|e| e.into_inner()).deadlines.retain(|(at, t)| !(*at == self.0 && Arc::ptr_eq(t, &self.1)));
      // The deadline can no longer fire; wasm of a terminating worker stays stopped.
      if self.1.stopped.compare_exchange(DEADLINE, RUNNING, Ordering::Relaxed, Ordering::Relaxed).is_ok() {
        self.1.set_all(0);
      }
    }
  }
  let _disarm = Disarm(at, t);
  f()
}

/// Whether this thread is a worker being terminated.
pub fn terminating() -> bool {
  thread().is_some_and(|t| t.stopped.load(Ordering::Relaxed) == TERMINATING)
}

/// Whether this thread's wasm is being stopped: a deadline passed, or the worker is terminating.
pub fn stopping() -> bool {
  thread().is_some_and(|t| t.stopped.load(Ordering::Relaxed) != RUNNING)
}

/// What to say of an `unreachable` trap on this thread, if the limits caused it: the deadline of
/// the current call, the termination of the worker, or an instance out of fuel (its flag is
/// cleared: more fuel lets it run again).
pub fn stop_message() -> Option<String> {
  let t = thread()?;
  match t.stopped.load(Ordering::Relaxed) {
    DEADLINE => {
      let ms = CALL_DEADLINE.with(Cell::get).map_or(0, |(_, ms)| ms);
      return Some(format!("wasm-rt: deadline exceeded (the call ran longer than its timeout of {ms} ms)"));
    }
    TERMINATING => return Some("wasm-rt: the worker is terminating".into()),
    _ => {}
  }
  let flags = t.flags.lock().unwrap_or_else(|e| e.into_inner());
  for f in flags.values().flatten().filter(|f| f.fuel_out != 0) {
    // SAFETY: as in `set_all`.
    let out = unsafe { AtomicI32::from_ptr(f.fuel_out as *mut i32) };
    if out.swap(0, Ordering::Relaxed) != 0 {
      return Some("wasm-rt: out of fuel (the instance's fuel limit was reached)".into());
    }
  }
  None
}
