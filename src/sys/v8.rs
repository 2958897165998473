//! What wasm-rt uses of V8 beyond Node-API: the word and bit where an isolate records a
//! termination request, so that the watchdog (runtime/limits/watchdog.rs) sees `worker.terminate()`
//! while wasm runs; and a handle scope on the stack for each wasm → JS call. Public V8 symbols,
//! resolved against the running Node.

use std::ffi::c_void;

use napi::sys::napi_env;

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
/// `v8::HandleScope::DeleteExtensions`, a member function: `this` and the isolate.
type DeleteExtensionsFn = unsafe extern "C" fn(*mut InlineScope, *mut c_void);

/// A function the running process exports, by its (mangled) name.
fn find(name: &std::ffi::CStr) -> Option<*mut c_void> {
  // SAFETY: a lookup of a symbol the process exports; null if it does not.
  let f = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
  (!f.is_null()).then_some(f)
}

/// `v8::HandleScope`'s constructor and destructor, where the running Node exports them (V8 11 to
/// 13: Node 20 to 24). V8 14 (Node 26) inlines both into code built against its headers, and a
/// build against older headers finds neither: `InlineScope` does their work there.
fn scope_functions() -> Option<(ScopeFn, ScopeDropFn)> {
  static FUNCTIONS: std::sync::OnceLock<Option<(ScopeFn, ScopeDropFn)>> = std::sync::OnceLock::new();
  *FUNCTIONS.get_or_init(|| {
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

/// A `v8::internal::HandleScopeData`: where an isolate's innermost handle scope allocates.
#[repr(C)]
struct ScopeData {
  next: *mut usize,
  limit: *mut usize,
  level: i32,
  sealed_level: i32,
}

/// How many words at the start of the isolate are searched for its `ScopeData` (V8 14: at
/// byte 560).
const SCOPE_DATA_WORDS: usize = 256;

/// Where V8 14 (Node 26) keeps an isolate's `ScopeData`, which its inlined `HandleScope` reads
/// and writes, and its exported `HandleScope::DeleteExtensions`: the offset is found once per
/// process (`inline_scope`), as a Node-API scope and three handles move it.
static SCOPE_DATA: std::sync::OnceLock<Option<(usize, DeleteExtensionsFn)>> = std::sync::OnceLock::new();
/// Searches that found nothing: three handles that happen to fill a block move `limit` too, so a
/// few are allowed before the search gives up for good.
static SCOPE_DATA_MISSES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// `SCOPE_DATA`, searched for (with `env`, in `isolate`) until found or given up on.
fn inline_scope(env: napi_env, isolate: *mut c_void) -> Option<(usize, DeleteExtensionsFn)> {
  if let Some(known) = SCOPE_DATA.get() {
    return *known;
  }
  let delete = find(c"_ZN2v811HandleScope16DeleteExtensionsEPNS_7IsolateE");
  // SAFETY: the member function of that mangled name, which takes `this` and the isolate.
  let delete = delete.map(|f| unsafe { std::mem::transmute::<*mut c_void, DeleteExtensionsFn>(f) });
  let found = delete.and_then(|delete| Some((find_scope_data(env, isolate)?, delete)));
  if found.is_some() || delete.is_none() || SCOPE_DATA_MISSES.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= 3 {
    let _ = SCOPE_DATA.set(found);
  }
  found
}

/// The offset of the isolate's `ScopeData`: the one place where opening a scope adds one to
/// `level`, three new handles advance `next` by three words inside the current block, and
/// closing the scope puts both back. None unless exactly one place does all of that.
fn find_scope_data(env: napi_env, isolate: *mut c_void) -> Option<usize> {
  let words = || -> [usize; SCOPE_DATA_WORDS] {
    // SAFETY: the first words of a live isolate (a far larger object), read as plain integers.
    std::array::from_fn(|i| unsafe { std::ptr::read_volatile((isolate as *const usize).add(i)) })
  };
  let before = words();
  let mut scope = std::ptr::null_mut();
  // SAFETY: Node-API calls with the env of the call in progress; the scope opened here closes
  // below, and the three values are its handles.
  let (opened, handles) = unsafe {
    if napi::sys::napi_open_handle_scope(env, &mut scope) != napi::sys::Status::napi_ok {
      return None;
    }
    let opened = words();
    let mut v = std::ptr::null_mut();
    for n in 0..3 {
      napi::sys::napi_create_int32(env, n, &mut v);
    }
    let handles = words();
    napi::sys::napi_close_handle_scope(env, scope);
    (opened, handles)
  };
  let closed = words();
  let level = |w: usize| w as u32;
  let mut found = None;
  for i in 0..SCOPE_DATA_WORDS - 2 {
    let (next, limit) = (before[i], before[i + 1]);
    let moved = handles[i] == next.wrapping_add(3 * 8) && opened[i] == next && closed[i] == next;
    let bounded = next != 0 && next.checked_add(3 * 8).is_some_and(|end| end <= limit) && [opened[i + 1], handles[i + 1], closed[i + 1]] == [limit; 3];
    let counted = level(opened[i + 2]) == level(before[i + 2]).wrapping_add(1) && level(closed[i + 2]) == level(before[i + 2]);
    if moved && bounded && counted {
      if found.is_some() {
        return None;
      }
      found = Some(i * 8);
    }
  }
  found
}

/// Opens a scope as V8 14's inlined `HandleScope` does: the isolate's `ScopeData` records where
/// the enclosing scope stopped, and `InlineScope`'s drop returns it there. Its first three fields
/// are a `v8::HandleScope`'s, for the `this` of `DeleteExtensions`.
#[repr(C)]
struct InlineScope {
  isolate: *mut c_void,
  prev_next: *mut usize,
  prev_limit: *mut usize,
  data: *mut ScopeData,
  delete_extensions: DeleteExtensionsFn,
}

impl InlineScope {
  /// Contract: `data` is the `ScopeData` of `isolate`, the current isolate of this thread.
  unsafe fn open(data: *mut ScopeData, isolate: *mut c_void, delete_extensions: DeleteExtensionsFn) -> Self {
    // SAFETY: the contract; only this thread uses its isolate's scope data.
    unsafe {
      let d = &mut *data;
      d.level += 1;
      InlineScope { data, isolate, prev_next: d.next, prev_limit: d.limit, delete_extensions }
    }
  }
}

impl Drop for InlineScope {
  fn drop(&mut self) {
    // SAFETY: `open`'s contract; scopes nest, so every scope opened inside this one has closed.
    unsafe {
      let d = &mut *self.data;
      d.next = self.prev_next;
      d.level -= 1;
      if d.limit != self.prev_limit {
        // Blocks added while this scope was open: freed as V8's destructor frees them.
        d.limit = self.prev_limit;
        (self.delete_extensions)(self, self.isolate);
      }
    }
  }
}

/// Runs `f` in a handle scope of the current isolate that lives on this stack frame: the scope
/// `napi_open_handle_scope` opens, without the wrapper Node allocates and frees for it (a
/// `malloc` and a `free` per call of an import). V8's own constructor and destructor where the
/// running Node exports them (`scope_functions`); else, on V8 14, the same steps as its inlined
/// ones (`InlineScope`). `f` back where neither serves or this thread has no isolate.
pub fn handle_scope<R, F: FnOnce() -> R>(env: napi_env, f: F) -> Result<R, F> {
  // SAFETY: public V8 API; null on a thread without an isolate.
  let isolate = unsafe { v8_isolate_get_current() };
  if isolate.is_null() {
    return Err(f);
  }
  if let Some((open, close)) = scope_functions() {
    let mut room = ScopeRoom([0; 8]);
    // SAFETY: `room` is larger than a HandleScope and outlives it (`Opened` closes it).
    unsafe { open(&mut room, isolate) };
    let _open = Opened(&mut room, close);
    return Ok(f());
  }
  let Some((offset, delete_extensions)) = inline_scope(env, isolate) else { return Err(f) };
  // SAFETY: `find_scope_data` found the offset in this V8 build's isolates; this thread's
  // isolate is current.
  let _scope = unsafe { InlineScope::open((isolate as *mut u8).add(offset).cast(), isolate, delete_extensions) };
  Ok(f())
}
