//! What wasm-rt uses of V8 beyond Node-API: the word and bit where an isolate records a
//! termination request, so that the watchdog (runtime/limits/watchdog.rs) sees `worker.terminate()`
//! while wasm runs; and a handle scope on the stack for each wasm → JS call. Public V8 symbols,
//! resolved against the running Node.

use std::ffi::c_void;

unsafe extern "C" {
  #[link_name = "_ZN2v87Isolate10GetCurrentEv"]
  fn v8_isolate_get_current() -> *mut c_void;
  #[link_name = "_ZN2v87Isolate18TerminateExecutionEv"]
  fn v8_terminate_execution(isolate: *mut c_void);
  #[link_name = "_ZN2v87Isolate24CancelTerminateExecutionEv"]
  fn v8_cancel_terminate_execution(isolate: *mut c_void);
}

/// How many words at the start of the isolate may hold its interrupt flags: the stack guard
/// (V8 11: 7 words from offset 8; V8 12 to 14: 8 words).
const SCANNED_WORDS: usize = 12;

/// The word and bit of the current isolate where V8 records a termination request, found by
/// requesting one and calling it off (no JS runs in between, so nothing acts on it).
pub fn interrupt_bit() -> Option<(usize, isize)> {
  if !cfg!(all(target_os = "linux", target_pointer_width = "64")) {
    return None;
  }
  // SAFETY: called on a thread that runs JS (from `init`), where V8 has a current isolate.
  let isolate = unsafe { v8_isolate_get_current() };
  if isolate.is_null() {
    return None;
  }
  let words = |isolate: *mut c_void| -> [isize; SCANNED_WORDS] {
    // SAFETY: the first words of a live isolate, read as plain integers.
    std::array::from_fn(|i| unsafe { std::ptr::read_volatile((isolate as *const isize).add(i)) })
  };
  let before = words(isolate);
  // SAFETY: public V8 API on the current isolate; the request is cancelled before anything can
  // act on it.
  let requested = unsafe {
    v8_terminate_execution(isolate);
    let w = words(isolate);
    v8_cancel_terminate_execution(isolate);
    w
  };
  let after = words(isolate);
  let mut found = None;
  for i in 0..SCANNED_WORDS {
    let set = requested[i] & !before[i];
    // One word, one new bit, cleared again by the cancel.
    if set.count_ones() == 1 && after[i] & set == 0 {
      if found.is_some() {
        return None;
      }
      found = Some((isolate as usize + i * 8, set));
    }
  }
  found
}

/// Whether a termination was requested at `word` and `bit`, as `interrupt_bit` found them.
///
/// Contract: the isolate is alive (runtime/limits/watchdog.rs forgets the word in the
/// environment's cleanup hook, under the lock it reads it with).
pub fn interrupt_requested(word: usize, bit: isize) -> bool {
  // SAFETY: the contract above; the word is an aligned isize that V8 writes atomically.
  unsafe { std::sync::atomic::AtomicIsize::from_ptr(word as *mut isize) }.load(std::sync::atomic::Ordering::Relaxed) & bit != 0
}

type ScopeFn = unsafe extern "C" fn(*mut ScopeRoom, *mut c_void);
type ScopeDropFn = unsafe extern "C" fn(*mut ScopeRoom);

/// `v8::HandleScope`'s constructor and destructor, where the running Node exports them (V8 11 to
/// 13: Node 20 to 24). V8 14 (Node 26) inlines both into code built against its headers, and a
/// build against older headers finds neither: Node-API's scope serves there.
fn scope_functions() -> Option<(ScopeFn, ScopeDropFn)> {
  static FUNCTIONS: std::sync::OnceLock<Option<(ScopeFn, ScopeDropFn)>> = std::sync::OnceLock::new();
  *FUNCTIONS.get_or_init(|| {
    let find = |name: &std::ffi::CStr| {
      // SAFETY: a lookup of a symbol the process exports; null if it does not.
      let f = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
      (!f.is_null()).then_some(f)
    };
    let open = find(c"_ZN2v811HandleScopeC1EPNS_7IsolateE")?;
    let close = find(c"_ZN2v811HandleScopeD1Ev")?;
    // SAFETY: these are the C++ functions of those mangled names, which take `this` (and the
    // isolate) as their C calling convention's first arguments.
    Some(unsafe { (std::mem::transmute::<*mut c_void, ScopeFn>(open), std::mem::transmute::<*mut c_void, ScopeDropFn>(close)) })
  })
}

/// Room for a `v8::HandleScope`: three words from V8 11 to 13, a fourth in builds with
/// V8_ENABLE_CHECKS; eight leave a margin.
#[repr(C, align(16))]
struct ScopeRoom([usize; 8]);

/// Closes the scope when `handle_scope`'s body returns or unwinds.
struct Opened<'a>(&'a mut ScopeRoom, ScopeDropFn);

impl Drop for Opened<'_> {
  fn drop(&mut self) {
    // SAFETY: the scope `handle_scope` opened in this room; scopes nest, and this one closes
    // before the frame that holds the room returns.
    unsafe { (self.1)(self.0) };
  }
}

/// Runs `f` in a handle scope of the current isolate that lives on this stack frame: the scope
/// `napi_open_handle_scope` opens, without the wrapper Node allocates and frees for it (a
/// `malloc` and a `free` per call of an import). `f` back where V8's scope functions are not
/// exported (`scope_functions`) or this thread has no isolate.
pub fn handle_scope<R, F: FnOnce() -> R>(f: F) -> Result<R, F> {
  let Some((open, close)) = scope_functions() else { return Err(f) };
  // SAFETY: public V8 API; null on a thread without an isolate.
  let isolate = unsafe { v8_isolate_get_current() };
  if isolate.is_null() {
    return Err(f);
  }
  let mut room = ScopeRoom([0; 8]);
  // SAFETY: `room` is larger than a HandleScope and outlives it (`Opened` closes it).
  unsafe { open(&mut room, isolate) };
  let _open = Opened(&mut room, close);
  Ok(f())
}
