//! Stopping wasm that runs. Compiled code traps at its next function entry or loop header once
//! its instance's flag is set (instrument.rs); a thread's blocking host calls also wait on its
//! wake-up descriptor (wasi/blocking.rs), and its atomic waits are woken. The flags are set when
//! the deadline of the thread's current call passes (by the watchdog thread), or when Node stops
//! a worker (`worker.terminate()`, or `process.exit()` and the end of the process, which stop
//! every worker). No signal is used.
//!
//! **Termination.** Node stops a worker by asking V8 to terminate its isolate, which V8 acts on
//! only while JS runs: a worker inside wasm never would. The addon is loaded once per process
//! and this state is shared by all its threads, so the thread that stops a worker sets the
//! worker's flags itself, through wasm-rt's JS hooks (lib/termination.js): every `terminate()`
//! of a Worker, and the main thread's `'exit'`, which comes before Node stops the workers. Where
//! the stopping thread never loaded wasm-rt (its Worker is not hooked), the watchdog falls back
//! to V8's request itself: the word of the worker's isolate where `TerminateExecution` sets a
//! bit, found at start by calling `TerminateExecution` and `CancelTerminateExecution` (public
//! API) and seeing which bit of the isolate's first words they set and clear. Where no such bit
//! is found, only the hooks stop a worker.

use std::cell::{Cell, OnceCell};
use std::collections::HashMap;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use crate::sys::os;
use crate::sys::vm::FlagWord;

/// Wakes every thread asleep in `memory.atomic.wait` (shared_memory.rs), so that a terminated one
/// sees it is stopped: registered once by lib.rs, so that this layer imports nothing above it.
static WAKE_WAITERS: OnceLock<fn()> = OnceLock::new();

pub fn on_terminate_wake(f: fn()) {
  // Registered once per process; later calls (a Worker's load) set the same function.
  let _ = WAKE_WAITERS.set(f);
}

fn wake_waiters() {
  if let Some(wake) = WAKE_WAITERS.get() {
    wake();
  }
}

/// How often the isolates of workers are looked at, and the waiters of stopped threads woken.
const TICK: Duration = Duration::from_millis(5);

/// Why a thread's wasm was stopped.
const RUNNING: u8 = 0;
const DEADLINE: u8 = 1;
/// V8 was asked to terminate the worker (read from its isolate; may be called off).
const TERMINATING: u8 = 2;
/// Node is stopping the thread (a hook saw it): for good.
const TERMINATED: u8 = 3;

/// The flags of an instance: its stop flag, and (metered) the flag its code sets out of fuel.
#[derive(Clone, Copy)]
struct Flags {
  stop: FlagWord,
  fuel_out: FlagWord,
}

/// One thread's instances, and what the watchdog knows of it.
pub struct Thread {
  /// store id → the flags of that store's instances.
  flags: Mutex<HashMap<u64, Vec<Flags>>>,
  stopped: AtomicU8,
  /// The word of the worker's isolate that holds V8's termination request, while its
  /// environment lives; 0 where it is not watched (the main thread, or not found).
  interrupt: AtomicUsize,
  /// The bit of that word.
  terminate_bit: AtomicIsize,
  /// An eventfd that the thread's blocking host calls (WASI reads, polls, opens) wait on beside
  /// their own descriptors: readable while the thread is being stopped. Made on first use.
  wake: OnceLock<OwnedFd>,
  /// Its environment is gone (`forget_thread`): it runs no more wasm, and a `terminate` that
  /// races with its teardown must not list it as stopped again.
  gone: AtomicBool,
}

impl Thread {
  /// Stops the thread's wasm for `why`, unless it is stopped for a graver reason already.
  fn stop(&self, why: u8) {
    self.stopped.fetch_max(why, Ordering::SeqCst);
    self.set_all(1);
    self.signal();
  }

  /// Back to running from `from`: the flags and the wake-up descriptor are cleared, unless the
  /// thread was meanwhile stopped for another reason.
  fn resume(&self, from: u8) {
    if self.stopped.compare_exchange(from, RUNNING, Ordering::SeqCst, Ordering::SeqCst).is_err() {
      return;
    }
    self.set_all(0);
    if let Some(fd) = self.wake.get() {
      os::eventfd_drain(fd);
    }
  }

  fn signal(&self) {
    if let Some(fd) = self.wake.get() {
      os::eventfd_signal(fd);
    }
  }

  fn set_all(&self, value: i32) {
    for list in self.flags.lock().unwrap_or_else(|e| e.into_inner()).values() {
      for f in list {
        // Registered while its store lives and removed (under this lock) before the store drops:
        // FlagWord's contract.
        f.stop.store(value);
      }
    }
  }

  /// Whether V8 was asked to terminate this worker's isolate.
  fn terminating(&self) -> bool {
    let word = self.interrupt.load(Ordering::Acquire);
    // The isolate lives until its environment's cleanup hook clears `interrupt` (under the watch
    // lock, which the caller holds): `interrupt_requested`'s contract.
    word != 0 && crate::sys::v8::interrupt_requested(word, self.terminate_bit.load(Ordering::Relaxed))
  }
}

thread_local! {
  static THREAD: OnceCell<Arc<Thread>> = const { OnceCell::new() };
  static THREAD_ID: Cell<Option<u64>> = const { Cell::new(None) };
  /// The deadline of the outermost limited call running on this thread, and its timeout.
  static CALL_DEADLINE: Cell<Option<(Instant, u32)>> = const { Cell::new(None) };
}

struct Watch {
  deadlines: Vec<(Instant, Arc<Thread>)>,
  /// Workers whose isolate's termination request is read (the fallback above).
  workers: Vec<Weak<Thread>>,
  /// Threads stopped while their wasm may still run: their waiters are woken again on each tick,
  /// for a wait entered after the flags were set but before the next check.
  stopped: Vec<Weak<Thread>>,
}

fn watch() -> &'static (Mutex<Watch>, Condvar) {
  static WATCH: OnceLock<(Mutex<Watch>, Condvar)> = OnceLock::new();
  WATCH.get_or_init(|| {
    if std::thread::Builder::new().name("wasm-rt watchdog".into()).spawn(run).is_err() {
      eprintln!("wasm-rt: could not start the watchdog thread: deadlines and worker termination will not stop running wasm");
    }
    (Mutex::new(Watch { deadlines: Vec::new(), workers: Vec::new(), stopped: Vec::new() }), Condvar::new())
  })
}

fn run() {
  let (lock, wake) = watch();
  let mut w = lock.lock().unwrap_or_else(|e| e.into_inner());
  loop {
    let now = Instant::now();
    let mut newly = Vec::new();
    w.deadlines.retain(|(at, thread)| {
      if *at > now {
        return true;
      }
      thread.stop(DEADLINE);
      newly.push(Arc::downgrade(thread));
      false
    });
    w.workers.retain(|t| t.upgrade().is_some_and(|t| t.interrupt.load(Ordering::Relaxed) != 0));
    for t in w.workers.iter().filter_map(Weak::upgrade) {
      match (t.stopped.load(Ordering::SeqCst), t.terminating()) {
        (RUNNING | DEADLINE, true) => {
          t.stop(TERMINATING);
          newly.push(Arc::downgrade(&t));
        }
        // A termination that was called off (`vm`'s timeout terminates and then cancels).
        (TERMINATING, false) => t.resume(TERMINATING),
        _ => {}
      }
    }
    w.stopped.extend(newly);
    w.stopped.retain(|t| t.upgrade().is_some_and(|t| t.stopped.load(Ordering::Relaxed) != RUNNING && !t.gone.load(Ordering::SeqCst)));
    // A thread asleep in memory.atomic.wait passes no check: waking every waiter stops it (the
    // others see a spurious wake-up).
    if !w.stopped.is_empty() {
      wake_waiters();
    }
    let next = w.deadlines.iter().map(|(at, _)| *at).min();
    let tick = (!w.workers.is_empty() || !w.stopped.is_empty()).then(|| now + TICK);
    w = match next.into_iter().chain(tick).min() {
      Some(at) => wake.wait_timeout(w, at.saturating_duration_since(Instant::now())).unwrap_or_else(|e| e.into_inner()).0,
      None => wake.wait(w).unwrap_or_else(|e| e.into_inner()),
    };
  }
}

/// Every thread with a wasm-rt environment, by Node's thread id.
fn threads() -> std::sync::MutexGuard<'static, HashMap<u64, Weak<Thread>>> {
  static THREADS: OnceLock<Mutex<HashMap<u64, Weak<Thread>>>> = OnceLock::new();
  THREADS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether this thread is a worker (its modules are compiled with the checks, by default).
pub fn on_worker() -> bool {
  THREAD_ID.with(Cell::get).is_some_and(|id| id != 0)
}

fn thread() -> Option<Arc<Thread>> {
  THREAD.with(|t| t.get().cloned())
}

/// Records this thread, Node's thread `id` (0: the main thread), once per Node environment,
/// from `init`; a worker's isolate is also watched for termination until `forget_thread`.
pub fn init_thread(id: u64) {
  let thread = THREAD.with(|t| {
    t.get_or_init(|| {
      Arc::new(Thread {
        flags: Mutex::new(HashMap::new()),
        stopped: AtomicU8::new(RUNNING),
        interrupt: AtomicUsize::new(0),
        terminate_bit: AtomicIsize::new(0),
        wake: OnceLock::new(),
        gone: AtomicBool::new(false),
      })
    })
    .clone()
  });
  thread.gone.store(false, Ordering::SeqCst);
  THREAD_ID.with(|t| t.set(Some(id)));
  threads().insert(id, Arc::downgrade(&thread));
  // WASM_RT_V8_TERMINATION=off leaves termination to the hooks alone (tests show they suffice).
  let fallback = id != 0 && std::env::var_os("WASM_RT_V8_TERMINATION").is_none_or(|v| v != "off");
  let Some((word, bit)) = fallback.then(crate::sys::v8::interrupt_bit).flatten() else { return };
  thread.terminate_bit.store(bit, Ordering::Relaxed);
  thread.interrupt.store(word, Ordering::Release);
  let (lock, wake) = watch();
  lock.lock().unwrap_or_else(|e| e.into_inner()).workers.push(Arc::downgrade(&thread));
  wake.notify_one();
}

/// The thread's environment is being torn down: its isolate is about to go.
pub fn forget_thread() {
  if let Some(id) = THREAD_ID.with(Cell::get) {
    threads().remove(&id);
  }
  if let Some(t) = thread() {
    let (lock, _) = watch();
    let mut w = lock.lock().unwrap_or_else(|e| e.into_inner());
    t.interrupt.store(0, Ordering::Release);
    // A thread whose environment is gone runs no more wasm: the watchdog must stop waking every
    // waiter for it, which it does while a stopped thread is listed (other threads' waits would
    // return as if notified until this thread's last reference went). `gone` keeps a `terminate`
    // that collected it just before from listing it again.
    t.gone.store(true, Ordering::SeqCst);
    w.stopped.retain(|s| !std::ptr::eq(s.as_ptr(), Arc::as_ptr(&t)));
  }
}

/// Stops for good the wasm of the threads `ids` (Node thread ids), which Node is stopping.
pub fn terminate(ids: &[u64]) {
  let targets: Vec<Arc<Thread>> = {
    let all = threads();
    ids.iter().filter_map(|id| all.get(id)?.upgrade()).collect()
  };
  if targets.is_empty() {
    return;
  }
  for t in &targets {
    t.stop(TERMINATED);
  }
  wake_waiters();
  let (lock, wake) = watch();
  // Under the lock `forget_thread` takes: a thread torn down meanwhile is not listed.
  lock.lock().unwrap_or_else(|e| e.into_inner()).stopped.extend(targets.iter().filter(|t| !t.gone.load(Ordering::SeqCst)).map(Arc::downgrade));
  wake.notify_one();
}

/// The Node thread ids of every worker with a wasm-rt environment.
pub fn workers() -> Vec<u64> {
  threads().keys().copied().filter(|id| *id != 0).collect()
}

/// Registers an instance's flags (their addresses stay valid while store `store` lives).
pub fn add_flags(store: u64, stop: usize, fuel_out: usize) {
  let (stop, fuel_out) = (FlagWord::new(stop), FlagWord::new(fuel_out));
  if let Some(t) = thread() {
    t.flags.lock().unwrap_or_else(|e| e.into_inner()).entry(store).or_default().push(Flags { stop, fuel_out });
    // An instance made while the thread is being stopped (by JS that an import ran after the
    // deadline passed) starts stopped.
    if t.stopped.load(Ordering::Relaxed) != RUNNING {
      stop.store(1);
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
      self.1.resume(DEADLINE);
    }
  }
  let _disarm = Disarm(at, t);
  f()
}

/// Whether the deadline of this thread's limited call has passed.
pub fn deadline_passed() -> bool {
  thread().is_some_and(|t| t.stopped.load(Ordering::Relaxed) == DEADLINE)
}

/// The descriptor that becomes readable when this thread's wasm is to stop: blocking host calls
/// poll it beside their own, then check `stopping`. None where the thread is not known (no
/// wasm-rt environment) or no eventfd could be made.
pub fn wake_fd() -> Option<RawFd> {
  let t = thread()?;
  if t.wake.get().is_none() {
    let _ = t.wake.set(os::eventfd()?);
    // A stop that came before the descriptor existed could not signal it.
    if t.stopped.load(Ordering::SeqCst) != RUNNING {
      t.signal();
    }
  }
  t.wake.get().map(AsRawFd::as_raw_fd)
}

/// Whether this thread is a worker being terminated.
pub fn terminating() -> bool {
  thread().is_some_and(|t| matches!(t.stopped.load(Ordering::Relaxed), TERMINATING | TERMINATED))
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
    TERMINATING | TERMINATED => return Some("wasm-rt: the worker is terminating".into()),
    _ => {}
  }
  let flags = t.flags.lock().unwrap_or_else(|e| e.into_inner());
  for f in flags.values().flatten().filter(|f| !f.fuel_out.is_null()) {
    // Valid as in `set_all`.
    if f.fuel_out.take() != 0 {
      return Some("wasm-rt: out of fuel (the instance's fuel limit was reached)".into());
    }
  }
  None
}
