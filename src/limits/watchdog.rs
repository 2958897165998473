//! Stopping wasm that runs: the flags compiled code checks (instrument.rs), and the one thread
//! that sets them — when a call's deadline passes, and every few milliseconds on worker threads
//! that run wasm, so that a `worker.terminate()` (or the `process.exit()` that terminates every
//! worker) is noticed. No signal is used: wasm stops at its next function entry or loop header.
//!
//! A set flag makes the code call `poll` on its own thread. `poll` clears the thread's flags,
//! then stops the call with a trap if its deadline has passed or if the thread's Node environment
//! is being torn down (a call into JS fails then); otherwise the wasm carries on.

use std::cell::{Cell, OnceCell};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

/// How often the wasm of a worker thread looks for a termination.
const WORKER_TICK: Duration = Duration::from_millis(5);

/// One thread's instances, by their flags' addresses.
pub struct Thread {
  worker: bool,
  /// store id → flag addresses of that store's instances.
  flags: Mutex<HashMap<u64, Vec<usize>>>,
  /// Set by the watchdog when the deadline of the thread's current call passed.
  deadline_hit: AtomicBool,
}

impl Thread {
  fn raise(&self) {
    for list in self.flags.lock().unwrap_or_else(|e| e.into_inner()).values() {
      for &addr in list {
        // SAFETY: the address is an instance's flag global, registered while its store lives and
        // removed (under this lock) before the store drops.
        unsafe { AtomicI32::from_ptr(addr as *mut i32) }.store(1, Ordering::Relaxed);
      }
    }
  }

  fn lower(&self) {
    for list in self.flags.lock().unwrap_or_else(|e| e.into_inner()).values() {
      for &addr in list {
        // SAFETY: as in `raise`.
        unsafe { AtomicI32::from_ptr(addr as *mut i32) }.store(0, Ordering::Relaxed);
      }
    }
  }
}

thread_local! {
  static THREAD: OnceCell<Arc<Thread>> = const { OnceCell::new() };
  /// The deadline of the outermost limited call running on this thread, and its timeout.
  static DEADLINE: Cell<Option<(Instant, u32)>> = const { Cell::new(None) };
}

struct Watch {
  deadlines: Vec<(Instant, Arc<Thread>)>,
  workers: Vec<Weak<Thread>>,
}

fn watch() -> &'static (Mutex<Watch>, Condvar) {
  static WATCH: OnceLock<(Mutex<Watch>, Condvar)> = OnceLock::new();
  WATCH.get_or_init(|| {
    let started = std::thread::Builder::new().name("wasm-rt watchdog".into()).spawn(run);
    if started.is_err() {
      eprintln!("wasm-rt: could not start the watchdog thread; deadlines and worker termination will not stop running wasm");
    }
    (Mutex::new(Watch { deadlines: Vec::new(), workers: Vec::new() }), Condvar::new())
  })
}

fn run() {
  let (lock, wake) = watch();
  let mut w = lock.lock().unwrap_or_else(|e| e.into_inner());
  loop {
    let now = Instant::now();
    w.deadlines.retain(|(at, thread)| {
      if *at > now {
        return true;
      }
      thread.deadline_hit.store(true, Ordering::Relaxed);
      thread.raise();
      false
    });
    w.workers.retain(|t| t.strong_count() > 0);
    for t in w.workers.iter().filter_map(Weak::upgrade) {
      t.raise();
    }
    let next = w.deadlines.iter().map(|(at, _)| *at).min();
    let tick = (!w.workers.is_empty()).then(|| now + WORKER_TICK);
    w = match next.into_iter().chain(tick).min() {
      Some(at) => wake.wait_timeout(w, at.saturating_duration_since(Instant::now())).unwrap_or_else(|e| e.into_inner()).0,
      None => wake.wait(w).unwrap_or_else(|e| e.into_inner()),
    };
  }
}

/// Records this thread (once per Node environment's thread).
pub fn init_thread(worker: bool) {
  THREAD.with(|t| {
    let thread = t.get_or_init(|| Arc::new(Thread { worker, flags: Mutex::new(HashMap::new()), deadline_hit: AtomicBool::new(false) }));
    if thread.worker {
      let (lock, wake) = watch();
      lock.lock().unwrap_or_else(|e| e.into_inner()).workers.push(Arc::downgrade(thread));
      wake.notify_one();
    }
  });
}

fn thread() -> Option<Arc<Thread>> {
  THREAD.with(|t| t.get().cloned())
}

/// Registers an instance's flag (its address stays valid while store `store` lives).
pub fn add_flag(store: u64, addr: usize) {
  if let Some(t) = thread() {
    t.flags.lock().unwrap_or_else(|e| e.into_inner()).entry(store).or_default().push(addr);
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
  if DEADLINE.with(Cell::get).is_some() {
    return f();
  }
  let at = Instant::now() + Duration::from_millis(ms as u64);
  DEADLINE.with(|d| d.set(Some((at, ms))));
  let (lock, wake) = watch();
  lock.lock().unwrap_or_else(|e| e.into_inner()).deadlines.push((at, t.clone()));
  wake.notify_one();
  struct Disarm(Instant, Arc<Thread>);
  impl Drop for Disarm {
    fn drop(&mut self) {
      DEADLINE.with(|d| d.set(None));
      let (lock, _) = watch();
      lock.lock().unwrap_or_else(|e| e.into_inner()).deadlines.retain(|(at, t)| !(*at == self.0 && Arc::ptr_eq(t, &self.1)));
      self.1.deadline_hit.store(false, Ordering::Relaxed);
    }
  }
  let _disarm = Disarm(at, t);
  f()
}

/// Why `poll` stops a call.
pub enum Stop {
  Deadline(u32),
  Terminating,
}

/// Called by wasm whose flag is set: clears this thread's flags and says whether to stop.
/// `terminating` asks the thread's Node environment (it calls into JS), only on workers.
pub fn poll(terminating: impl FnOnce() -> bool) -> Option<Stop> {
  let t = thread()?;
  t.lower();
  if t.deadline_hit.swap(false, Ordering::Relaxed) {
    if let Some((at, ms)) = DEADLINE.with(Cell::get) {
      if Instant::now() >= at {
        return Some(Stop::Deadline(ms));
      }
    }
  }
  if t.worker && terminating() {
    return Some(Stop::Terminating);
  }
  None
}
