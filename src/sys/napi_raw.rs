//! Thin helpers over raw N-API. The bridge uses raw calls rather than napi-rs classes because
//! the call path is measured in nanoseconds (see bridge/exported.rs); these helpers keep the
//! status checks in one place.

use std::cell::Cell;
use std::ffi::c_void;
use std::marker::PhantomData;
use std::ptr;
use std::rc::Rc;

use napi::sys::{self, napi_env, napi_ref, napi_value};

/// The native call is failing; the exception it ends with is recorded (see `fail`).
#[derive(Debug)]
pub struct Pending;

pub type JsResult<T> = Result<T, Pending>;

thread_local! {
  static ERROR: Cell<napi_value> = const { Cell::new(ptr::null_mut()) };
  /// lib/native.js's `failure` object, which `init` hands over (`set_failure`).
  static FAILURE: Cell<napi_ref> = const { Cell::new(ptr::null_mut()) };
}

/// Sets this environment's `failure` object (see `finish`), once, from `init`.
pub fn set_failure(r: napi_ref) {
  FAILURE.with(|f| f.set(r));
}

/// Records `v` as the exception the current native call ends with. Nothing is thrown from
/// native code: a Node-API call that ends in an exception keeps it in the env while Node
/// rethrows it, and Node 20 aborts if a garbage collection runs a finalizer in that window —
/// which it can under the Node-API version wasm-rt declares (see reclaim.rs). `finish` hands the
/// exception to lib/native.js, which throws it.
pub fn fail(v: napi_value) -> Pending {
  ERROR.with(|e| e.set(v));
  Pending
}

/// Takes the recorded exception (a generic Error if none was recorded).
pub fn take_error(env: napi_env) -> napi_value {
  let v = ERROR.with(|e| e.replace(ptr::null_mut()));
  if !v.is_null() {
    return v;
  }
  make_error(env, sys::napi_create_error, "wasm-rt: internal error (a failure without an exception)")
}

/// Where a native call returns to JS: a failed call returns the `failure` object of
/// lib/native.js with its exception in `failure.error`. The recorded exception is taken here or
/// by whoever turns it into something else (a wasm error, a rejected promise), never left over,
/// so the success path need not touch it.
#[inline]
pub fn finish(env: napi_env, result: JsResult<napi_value>) -> napi_value {
  match result {
    Ok(v) => v,
    Err(Pending) => failed(env),
  }
}

#[cold]
fn failed(env: napi_env) -> napi_value {
  let e = take_error(env);
  let failure = FAILURE.with(Cell::get);
  match (!failure.is_null()).then(|| ref_value(env, failure)).flatten() {
    Some(failure) if set_named(env, failure, c"error", e).is_ok() => failure,
    // Before init there is no failure object: throw the Node-API way.
    _ => {
      // SAFETY: a valid env and an error value made on it.
      unsafe { sys::napi_throw(env, e) };
      ptr::null_mut()
    }
  }
}

/// Turns a failed N-API status into a recorded exception: the one JS threw, taken out of the env
/// at once, or an Error naming the status.
#[inline]
pub fn check(env: napi_env, status: sys::napi_status) -> JsResult<()> {
  if status == sys::Status::napi_ok {
    return Ok(());
  }
  Err(check_failed(env, status))
}

#[cold]
fn check_failed(env: napi_env, status: sys::napi_status) -> Pending {
  if is_exception_pending(env) {
    return fail(take_exception(env));
  }
  throw_error(env, &format!("wasm-rt: N-API call failed with status {status}"))
}

macro_rules! napi_call {
  ($env:expr, $f:ident($($arg:expr),* $(,)?)) => {
    $crate::sys::napi_raw::check(
      $env,
      // SAFETY: a Node-API function, called with the env of the call in progress and arguments
      // that each use site keeps valid for the call (values of that env, locals as out-parameters).
      unsafe { napi::sys::$f($($arg),*) },
    )
  };
}

fn is_exception_pending(env: napi_env) -> bool {
  let mut pending = false;
  // SAFETY: a valid env; `pending` is a local out-parameter.
  unsafe { sys::napi_is_exception_pending(env, &mut pending) };
  pending
}

fn take_exception(env: napi_env) -> napi_value {
  let mut v = ptr::null_mut();
  // SAFETY: a valid env; `v` is a local out-parameter.
  unsafe { sys::napi_get_and_clear_last_exception(env, &mut v) };
  v
}

pub fn undefined(env: napi_env) -> napi_value {
  let mut v = ptr::null_mut();
  // SAFETY: a valid env; `v` is a local out-parameter.
  unsafe { sys::napi_get_undefined(env, &mut v) };
  v
}

pub fn null(env: napi_env) -> napi_value {
  let mut v = ptr::null_mut();
  // SAFETY: a valid env; `v` is a local out-parameter.
  unsafe { sys::napi_get_null(env, &mut v) };
  v
}

pub fn boolean(env: napi_env, b: bool) -> JsResult<napi_value> {
  let mut v = ptr::null_mut();
  napi_call!(env, napi_get_boolean(env, b, &mut v))?;
  Ok(v)
}

pub fn int32(env: napi_env, n: i32) -> JsResult<napi_value> {
  let mut v = ptr::null_mut();
  napi_call!(env, napi_create_int32(env, n, &mut v))?;
  Ok(v)
}

pub fn uint32(env: napi_env, n: u32) -> JsResult<napi_value> {
  let mut v = ptr::null_mut();
  napi_call!(env, napi_create_uint32(env, n, &mut v))?;
  Ok(v)
}

pub fn double(env: napi_env, n: f64) -> JsResult<napi_value> {
  let mut v = ptr::null_mut();
  napi_call!(env, napi_create_double(env, n, &mut v))?;
  Ok(v)
}

pub fn bigint_i64(env: napi_env, n: i64) -> JsResult<napi_value> {
  let mut v = ptr::null_mut();
  napi_call!(env, napi_create_bigint_int64(env, n, &mut v))?;
  Ok(v)
}

pub fn string(env: napi_env, s: &str) -> JsResult<napi_value> {
  let mut v = ptr::null_mut();
  napi_call!(env, napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut v))?;
  Ok(v)
}

pub fn get_string(env: napi_env, v: napi_value) -> JsResult<String> {
  let mut len = 0usize;
  napi_call!(env, napi_get_value_string_utf8(env, v, ptr::null_mut(), 0, &mut len))?;
  let mut buf = vec![0u8; len + 1];
  napi_call!(env, napi_get_value_string_utf8(env, v, buf.as_mut_ptr().cast(), len + 1, &mut len))?;
  buf.truncate(len);
  Ok(String::from_utf8_lossy(&buf).into_owned())
}

pub fn get_i32(env: napi_env, v: napi_value) -> JsResult<i32> {
  let mut n = 0;
  napi_call!(env, napi_get_value_int32(env, v, &mut n))?;
  Ok(n)
}

/// `v` as an i32 (ToInt32) if it is a Number; None otherwise, with nothing thrown or recorded.
pub fn number_i32(env: napi_env, v: napi_value) -> Option<i32> {
  let mut n = 0;
  // SAFETY: plain Node-API call on the live env; a non-Number only returns a status.
  (unsafe { sys::napi_get_value_int32(env, v, &mut n) } == sys::Status::napi_ok).then_some(n)
}

/// `v`'s value if it is a Number; None otherwise, with nothing thrown or recorded.
pub fn number_f64(env: napi_env, v: napi_value) -> Option<f64> {
  let mut n = 0.0;
  // SAFETY: as in `number_i32`.
  (unsafe { sys::napi_get_value_double(env, v, &mut n) } == sys::Status::napi_ok).then_some(n)
}

/// An optional unsigned 32-bit number already range-checked in JS; None for undefined.
pub fn get_optional_u32(env: napi_env, v: napi_value) -> JsResult<Option<u32>> {
  if type_of(env, v)? == sys::ValueType::napi_undefined {
    return Ok(None);
  }
  Ok(Some(get_f64(env, v)? as u32))
}

pub fn get_bool(env: napi_env, v: napi_value) -> JsResult<bool> {
  let mut b = false;
  napi_call!(env, napi_get_value_bool(env, v, &mut b))?;
  Ok(b)
}

pub fn get_f64(env: napi_env, v: napi_value) -> JsResult<f64> {
  let mut n = 0.0;
  napi_call!(env, napi_get_value_double(env, v, &mut n))?;
  Ok(n)
}

/// The low 64 bits of a BigInt, two's complement (ToBigInt64's wrap-around).
pub fn get_bigint_i64(env: napi_env, v: napi_value) -> JsResult<i64> {
  let mut n = 0i64;
  let mut lossless = false;
  napi_call!(env, napi_get_value_bigint_int64(env, v, &mut n, &mut lossless))?;
  Ok(n)
}

pub fn type_of(env: napi_env, v: napi_value) -> JsResult<sys::napi_valuetype> {
  let mut t = 0;
  napi_call!(env, napi_typeof(env, v, &mut t))?;
  Ok(t)
}

pub fn array(env: napi_env, len: usize) -> JsResult<napi_value> {
  let mut v = ptr::null_mut();
  napi_call!(env, napi_create_array_with_length(env, len, &mut v))?;
  Ok(v)
}

/// The 8-byte slots through which exported functions of numeric signatures take their arguments
/// and give their result (api/bridge/exported.rs, lib/functions.js): reading a slot costs less
/// than a Node-API call per value.
///
/// Contract: the ArrayBuffer they live in is made by `Slots::new`, whose reference keeps it for
/// the environment's life; only lib/functions.js's closure sees it, and it never detaches or
/// hands it out, so the bytes stay where they are.
#[derive(Clone, Copy)]
pub struct Slots(ptr::NonNull<i64>);

impl Slots {
  pub const COUNT: usize = 8;

  /// A new ArrayBuffer of `COUNT` slots, kept alive by a reference never deleted.
  pub fn new(env: napi_env) -> JsResult<(Self, napi_value)> {
    let mut data = ptr::null_mut();
    let mut buffer = ptr::null_mut();
    napi_call!(env, napi_create_arraybuffer(env, Self::COUNT * 8, &mut data, &mut buffer))?;
    let base = ptr::NonNull::new(data.cast::<i64>()).filter(|p| p.as_ptr().is_aligned());
    let base = base.ok_or_else(|| throw_error(env, "wasm-rt: the call slots are misaligned"))?;
    create_ref(env, buffer, 1)?;
    Ok((Slots(base), buffer))
  }

  pub fn get(self, i: usize) -> i64 {
    assert!(i < Self::COUNT);
    // SAFETY: in bounds (asserted) of the live, aligned buffer the contract describes; JS writes
    // it only while no native code runs.
    unsafe { self.0.as_ptr().add(i).read() }
  }

  pub fn set(self, i: usize, v: i64) {
    assert!(i < Self::COUNT);
    // SAFETY: as in `get`.
    unsafe { self.0.as_ptr().add(i).write(v) }
  }
}

pub fn array_len(env: napi_env, v: napi_value) -> JsResult<u32> {
  let mut n = 0;
  napi_call!(env, napi_get_array_length(env, v, &mut n))?;
  Ok(n)
}

pub fn get_element(env: napi_env, obj: napi_value, i: u32) -> JsResult<napi_value> {
  let mut v = ptr::null_mut();
  napi_call!(env, napi_get_element(env, obj, i, &mut v))?;
  Ok(v)
}

pub fn set_element(env: napi_env, obj: napi_value, i: u32, v: napi_value) -> JsResult<()> {
  napi_call!(env, napi_set_element(env, obj, i, v))
}

/// Builds a JS array from values.
pub fn array_of(env: napi_env, items: &[napi_value]) -> JsResult<napi_value> {
  let a = array(env, items.len())?;
  for (i, v) in items.iter().enumerate() {
    set_element(env, a, i as u32, *v)?;
  }
  Ok(a)
}

pub fn object(env: napi_env) -> JsResult<napi_value> {
  let mut v = ptr::null_mut();
  napi_call!(env, napi_create_object(env, &mut v))?;
  Ok(v)
}

pub fn get_named(env: napi_env, obj: napi_value, name: &std::ffi::CStr) -> JsResult<napi_value> {
  let mut v = ptr::null_mut();
  napi_call!(env, napi_get_named_property(env, obj, name.as_ptr(), &mut v))?;
  Ok(v)
}

pub fn set_named(env: napi_env, obj: napi_value, name: &std::ffi::CStr, v: napi_value) -> JsResult<()> {
  napi_call!(env, napi_set_named_property(env, obj, name.as_ptr(), v))
}

pub fn call(env: napi_env, this: napi_value, f: napi_value, args: &[napi_value]) -> JsResult<napi_value> {
  let mut v = ptr::null_mut();
  napi_call!(env, napi_call_function(env, this, f, args.len(), args.as_ptr(), &mut v))?;
  Ok(v)
}

pub fn new_instance(env: napi_env, ctor: napi_value, args: &[napi_value]) -> JsResult<napi_value> {
  let mut v = ptr::null_mut();
  napi_call!(env, napi_new_instance(env, ctor, args.len(), args.as_ptr(), &mut v))?;
  Ok(v)
}

fn function(env: napi_env, name: &str, cb: unsafe extern "C" fn(napi_env, sys::napi_callback_info) -> napi_value, data: *mut c_void) -> JsResult<napi_value> {
  let mut v = ptr::null_mut();
  napi_call!(env, napi_create_function(env, name.as_ptr().cast(), name.len() as isize, Some(cb), data, &mut v))?;
  Ok(v)
}

pub fn create_ref(env: napi_env, v: napi_value, count: u32) -> JsResult<napi_ref> {
  let mut r = ptr::null_mut();
  napi_call!(env, napi_create_reference(env, v, count, &mut r))?;
  Ok(r)
}

/// The referenced value, or None once a weak reference's target has been collected.
pub fn ref_value(env: napi_env, r: napi_ref) -> Option<napi_value> {
  let mut v = ptr::null_mut();
  // SAFETY: a valid env and a reference created on it; `v` is a local out-parameter.
  let status = unsafe { sys::napi_get_reference_value(env, r, &mut v) };
  (status == sys::Status::napi_ok && !v.is_null()).then_some(v)
}

pub fn delete_ref(env: napi_env, r: napi_ref) {
  // SAFETY: a reference created on this env, deleted once, by its owner.
  unsafe { sys::napi_delete_reference(env, r) };
}

/// Makes `v` the exception of the current native call (thrown when it returns; see `fail`).
pub fn throw(_env: napi_env, v: napi_value) -> Pending {
  fail(v)
}

pub type CreateError = unsafe extern "C" fn(napi_env, napi_value, napi_value, *mut napi_value) -> sys::napi_status;

pub fn make_error(env: napi_env, create: CreateError, msg: &str) -> napi_value {
  let mut text = ptr::null_mut();
  let mut err = ptr::null_mut();
  // SAFETY: a valid env; `msg`'s pointer and length describe valid UTF-8; the out-parameters are locals.
  unsafe {
    sys::napi_create_string_utf8(env, msg.as_ptr().cast(), msg.len() as isize, &mut text);
    create(env, ptr::null_mut(), text, &mut err);
  }
  err
}

pub fn throw_error(env: napi_env, msg: &str) -> Pending {
  fail(make_error(env, sys::napi_create_error, msg))
}

pub fn throw_type_error(env: napi_env, msg: &str) -> Pending {
  fail(make_error(env, sys::napi_create_type_error, msg))
}

pub fn throw_range_error(env: napi_env, msg: &str) -> Pending {
  fail(make_error(env, sys::napi_create_range_error, msg))
}

/// Tags distinguish wasm-rt's native objects from each other and from other addons' wraps.
pub const TAG_MODULE: sys::napi_type_tag = sys::napi_type_tag { lower: 0x7761_736d_2d72_7401, upper: 0x6d6f_6475_6c65 };
pub const TAG_INSTANCE: sys::napi_type_tag = sys::napi_type_tag { lower: 0x7761_736d_2d72_7402, upper: 0x696e_7374 };
pub const TAG_FUNCTION: sys::napi_type_tag = sys::napi_type_tag { lower: 0x7761_736d_2d72_7403, upper: 0x6675_6e63 };
pub const TAG_MEMORY: sys::napi_type_tag = sys::napi_type_tag { lower: 0x7761_736d_2d72_7404, upper: 0x6d65_6d6f };
pub const TAG_TABLE: sys::napi_type_tag = sys::napi_type_tag { lower: 0x7761_736d_2d72_7405, upper: 0x7461_626c };
pub const TAG_GLOBAL: sys::napi_type_tag = sys::napi_type_tag { lower: 0x7761_736d_2d72_7406, upper: 0x676c_6f62 };
pub const TAG_BUFFER: sys::napi_type_tag = sys::napi_type_tag { lower: 0x7761_736d_2d72_7408, upper: 0x6275_6666 };
pub const TAG_TAG: sys::napi_type_tag = sys::napi_type_tag { lower: 0x7761_736d_2d72_7407, upper: 0x7461_6773 };
pub const TAG_STRING_BUILTIN: sys::napi_type_tag = sys::napi_type_tag { lower: 0x7761_736d_2d72_740a, upper: 0x6a73_7472 };
/// Marks the errors made for traps (not a wrap): they stay traps when they cross an import.
pub const TAG_TRAP: sys::napi_type_tag = sys::napi_type_tag { lower: 0x7761_736d_2d72_7409, upper: 0x7472_6170 };

/// Whether `v` is an object that `tag_object` marked with `tag`.
pub fn has_tag(env: napi_env, v: napi_value, tag: &sys::napi_type_tag) -> bool {
  let mut t = 0;
  // SAFETY: a valid env and a value of it; `t` is a local out-parameter.
  unsafe { sys::napi_typeof(env, v, &mut t) };
  if t != sys::ValueType::napi_object && t != sys::ValueType::napi_function {
    return false;
  }
  let mut ok = false;
  // SAFETY: a valid env, an object of it, a static tag; `ok` is a local out-parameter.
  let status = unsafe { sys::napi_check_object_type_tag(env, v, tag, &mut ok) };
  status == sys::Status::napi_ok && ok
}

/// Attaches `value` to `obj`, tagged, freed after `obj` is collected (see reclaim.rs).
pub fn wrap<T: 'static>(env: napi_env, obj: napi_value, tag: &sys::napi_type_tag, value: T) -> JsResult<()> {
  wrap_rc(env, obj, tag, Rc::new(value))
}

/// Attaches a counted reference to `value` to `obj`. The wrap owns one count; everyone who
/// reads it back (`unwrap`) gets a count of their own, so the value outlives every native call
/// in progress even when a garbage collection in that call (an import that runs JS) collects
/// `obj` and its finalizer drops the wrap's count.
pub fn wrap_rc<T: 'static>(env: napi_env, obj: napi_value, tag: &sys::napi_type_tag, value: Rc<T>) -> JsResult<()> {
  let raw = Rc::into_raw(value);
  if let Err(e) = napi_call!(env, napi_wrap(env, obj, raw.cast_mut().cast(), Some(crate::sys::reclaim::finalize_rc::<T>), ptr::null_mut(), ptr::null_mut())) {
    // SAFETY: the count `into_raw` leaked above, not handed to the wrap.
    drop(unsafe { Rc::from_raw(raw) });
    return Err(e);
  }
  napi_call!(env, napi_type_tag_object(env, obj, tag))
}

/// Gives `obj` a count of `value`, released when `obj` is collected (see reclaim.rs).
pub fn add_finalizer_rc<T: 'static>(env: napi_env, obj: napi_value, value: Rc<T>) -> JsResult<()> {
  let raw = Rc::into_raw(value);
  // SAFETY: `raw` is a count given up by `Rc::into_raw`; `finalize_rc` takes it back once, when `obj` is collected (or below, if the finalizer was not added).
  let status =
    unsafe { sys::napi_add_finalizer(env, obj, raw.cast_mut().cast(), Some(crate::sys::reclaim::finalize_rc::<T>), ptr::null_mut(), ptr::null_mut()) };
  check(env, status).inspect_err(|_| {
    // SAFETY: the count leaked above, not handed to Node.
    drop(unsafe { Rc::from_raw(raw) });
  })
}

/// A new count of the value `wrap` attached to `v` with `tag`, if `v` is such an object.
pub fn unwrap<T>(env: napi_env, v: napi_value, tag: &sys::napi_type_tag) -> Option<Rc<T>> {
  if !has_tag(env, v, tag) {
    return None;
  }
  let mut data = ptr::null_mut();
  // SAFETY: a valid env and an object `has_tag` checked; `data` is a local out-parameter.
  let status = unsafe { sys::napi_unwrap(env, v, &mut data) };
  if status != sys::Status::napi_ok || data.is_null() {
    return None;
  }
  // SAFETY: the tag is only ever set by `wrap_rc::<T>`, whose count the wrap holds while `v`
  // is reachable (it is: the caller holds it).
  Some(unsafe { counted(data as *const T) })
}

/// A new count of an `Rc` whose pointer a Node-API object holds (a wrap, a function's data).
///
/// # Safety
/// `ptr` must come from `Rc::into_raw` of an `Rc<T>` that still holds at least one count.
unsafe fn counted<T>(ptr: *const T) -> Rc<T> {
  // SAFETY: the caller guarantees that `ptr` comes from `Rc::into_raw` and still holds a count.
  unsafe {
    Rc::increment_strong_count(ptr);
    Rc::from_raw(ptr)
  }
}

/// Runs `f` with the bytes of a Uint8Array, in place. `f` must be `Send`, so it cannot hold the
/// `napi_env` through which JS could run and detach or change the buffer while `f` reads it.
pub fn with_uint8array<R>(env: napi_env, v: napi_value, f: impl FnOnce(&[u8]) -> R + Send) -> JsResult<R> {
  let mut kind = 0;
  let mut len = 0usize;
  let mut data = ptr::null_mut();
  let mut ab = ptr::null_mut();
  let mut offset = 0usize;
  napi_call!(env, napi_get_typedarray_info(env, v, &mut kind, &mut len, &mut data, &mut ab, &mut offset))?;
  if len == 0 {
    return Ok(f(&[]));
  }
  // SAFETY: Node-API reports `len` readable bytes at `data` for a Uint8Array, and no JS runs
  // while `f` (which has no env) holds them.
  Ok(f(unsafe { std::slice::from_raw_parts(data as *const u8, len) }))
}

/// Copies the bytes of a Uint8Array.
pub fn uint8array_bytes(env: napi_env, v: napi_value) -> JsResult<Vec<u8>> {
  with_uint8array(env, v, <[u8]>::to_vec)
}

/// A new Uint8Array holding a copy of `bytes`.
pub fn uint8array(env: napi_env, bytes: &[u8]) -> JsResult<napi_value> {
  let mut data = ptr::null_mut();
  let mut ab = ptr::null_mut();
  napi_call!(env, napi_create_arraybuffer(env, bytes.len(), &mut data, &mut ab))?;
  if !bytes.is_empty() {
    // SAFETY: N-API just allocated `bytes.len()` writable bytes at `data`.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), data as *mut u8, bytes.len()) };
  }
  let mut out = ptr::null_mut();
  napi_call!(env, napi_create_typedarray(env, sys::TypedarrayType::uint8_array, bytes.len(), ab, 0, &mut out))?;
  Ok(out)
}

/// Tells V8 that `delta` bytes outside its heap now depend on JS objects (or no longer do).
pub fn adjust_external_memory(env: napi_env, delta: i64) {
  let mut total = 0;
  // SAFETY: a valid env, on its own thread; `total` is a local out-parameter.
  unsafe { sys::napi_adjust_external_memory(env, delta, &mut total) };
}

/// The length of a JS string in UTF-16 code units (0 if `v` is not a string).
pub fn utf16_length(env: napi_env, v: napi_value) -> usize {
  let mut len = 0usize;
  // SAFETY: a valid env and one of its values; a null buffer asks for the length only.
  unsafe { sys::napi_get_value_string_utf16(env, v, ptr::null_mut(), 0, &mut len) };
  len
}

/// Detaches an ArrayBuffer (a memory's buffer after a grow, as the spec requires).
pub fn detach_arraybuffer(env: napi_env, buffer: napi_value) {
  // SAFETY: a valid env and an ArrayBuffer value of it; detaching leaves JS no view of its bytes.
  unsafe { sys::napi_detach_arraybuffer(env, buffer) };
}

/// An ArrayBuffer over `len` bytes at `data`, which Node never frees.
///
/// Contract: the bytes stay mapped, unmoved, while the buffer is reachable and not detached
/// (api/memory.rs: the buffer's wrap keeps the memory alive, and a grow detaches it first).
pub fn external_arraybuffer(env: napi_env, data: *mut c_void, len: usize) -> JsResult<napi_value> {
  let mut ab = ptr::null_mut();
  // SAFETY: the contract above; no finalizer, so Node frees nothing of the bytes.
  let status = unsafe { sys::napi_create_external_arraybuffer(env, data, len, None, ptr::null_mut(), &mut ab) };
  check(env, status)?;
  Ok(ab)
}

pub fn freeze(env: napi_env, obj: napi_value) -> JsResult<()> {
  napi_call!(env, napi_object_freeze(env, obj))
}

/// ToNumber of `v` (it may run user code: valueOf).
pub fn coerce_to_number(env: napi_env, v: napi_value) -> JsResult<napi_value> {
  let mut n = ptr::null_mut();
  napi_call!(env, napi_coerce_to_number(env, v, &mut n))?;
  Ok(n)
}

/// Marks `v` with `tag` (an object; a primitive cannot be tagged, and stays as it is).
pub fn type_tag(env: napi_env, v: napi_value, tag: &'static sys::napi_type_tag) {
  // SAFETY: a valid env and one of its values; the tag is a static.
  unsafe { sys::napi_type_tag_object(env, v, tag) };
}

/// Runs `f` in a handle scope: the JS values it makes are released when it returns, so that a
/// long-running wasm call that calls imports in a loop does not pile them up in its caller's.
/// The scope is V8's own, on this stack frame (sys/v8.rs), where Node-API's would allocate a
/// wrapper for it per call; Node-API's where sys/v8.rs finds no way to open V8's or the thread
/// has no current isolate.
///
/// An exception recorded inside (`fail`) is a handle of this scope, so `f` must take it before
/// it returns (turn it into a wasm error, say). One it left behind is forgotten here rather than
/// read later from a released handle.
pub fn scoped<R>(env: napi_env, f: impl FnOnce() -> R) -> R {
  // One thread-local lookup for both reads: this runs on every import call.
  ERROR.with(|e| {
    let before = e.get();
    let r = crate::sys::v8::handle_scope(env, f).unwrap_or_else(|f| {
      let _scope = HandleScope::open(env);
      f()
    });
    if e.get() != before {
      e.set(before);
    }
    r
  })
}

/// A Node-API handle scope, closed when it drops.
struct HandleScope(napi_env, sys::napi_handle_scope);

impl HandleScope {
  fn open(env: napi_env) -> JsResult<Self> {
    let mut scope = ptr::null_mut();
    napi_call!(env, napi_open_handle_scope(env, &mut scope))?;
    Ok(Self(env, scope))
  }
}

impl Drop for HandleScope {
  fn drop(&mut self) {
    // SAFETY: the scope `open` made on this env; scopes close in the reverse order they opened, as Rust drops them.
    unsafe { sys::napi_close_handle_scope(self.0, self.1) };
  }
}

/// How many arguments a call reads at once; a function of more parameters reads the rest with
/// `CallInfo::args_into`.
pub const INLINE_ARGS: usize = 8;

/// The call in progress of a function made by `function_rc` or `function_static`: its first
/// `INLINE_ARGS` arguments (undefined where JS passed fewer), read with its data in one call.
pub struct CallInfo<'a> {
  env: napi_env,
  info: sys::napi_callback_info,
  args: [napi_value; INLINE_ARGS],
  /// Whether `args` were read (`Callback::EAGER_ARGS`).
  eager: bool,
  _call: PhantomData<&'a ()>,
}

impl CallInfo<'_> {
  fn new(env: napi_env, info: sys::napi_callback_info, eager: bool) -> Self {
    CallInfo { env, info, args: [ptr::null_mut(); INLINE_ARGS], eager, _call: PhantomData }
  }

  /// Reads the arguments (if eager) and returns the data pointer of the callback in progress.
  /// In place: moving the argument array around cost as much as reading it.
  fn read(&mut self) -> JsResult<*mut c_void> {
    let mut data = ptr::null_mut();
    let mut argc = if self.eager { INLINE_ARGS } else { 0 };
    // SAFETY: the info Node passed to the callback in progress; `args` has room for `argc` values.
    let status = unsafe { sys::napi_get_cb_info(self.env, self.info, &mut argc, self.args.as_mut_ptr(), ptr::null_mut(), &mut data) };
    check(self.env, status)?;
    Ok(data)
  }

  /// The first `INLINE_ARGS` arguments, for callbacks that read them eagerly.
  pub fn args(&self) -> &[napi_value; INLINE_ARGS] {
    assert!(self.eager, "a callback without EAGER_ARGS reads its arguments with args_into");
    &self.args
  }

  /// Fills `args` with the call's arguments (undefined where JS passed fewer).
  pub fn args_into(&self, args: &mut [napi_value]) -> JsResult<()> {
    let mut argc = args.len();
    // SAFETY: the info of the callback in progress (a `CallInfo` lives only as long as it); `args`
    // has room for `argc` values.
    let status = unsafe { sys::napi_get_cb_info(self.env, self.info, &mut argc, args.as_mut_ptr(), ptr::null_mut(), ptr::null_mut()) };
    check(self.env, status)
  }
}

/// A native function body: what JS calls through `function_rc` or `function_static`, with the
/// data the function was made with.
pub trait Callback: 'static {
  type Data: 'static;
  /// Whether the first `INLINE_ARGS` arguments are read with the data (`CallInfo::args`); a
  /// callback that often needs none reads them itself (`CallInfo::args_into`).
  const EAGER_ARGS: bool = true;
  fn call(env: napi_env, data: &Self::Data, call: &CallInfo<'_>) -> napi_value;
}

unsafe extern "C" fn entry_rc<C: Callback>(env: napi_env, info: sys::napi_callback_info) -> napi_value {
  let mut call = CallInfo::new(env, info, C::EAGER_ARGS);
  let data = match call.read() {
    Ok(data) => data,
    Err(p) => return finish(env, Err(p)),
  };
  // SAFETY: `function_rc::<C>` made this function with an `Rc<C::Data>` pointer whose count its
  // finalizer holds; the new count keeps the data alive for this call even if the function is
  // collected during it.
  let held = unsafe { counted(data as *const C::Data) };
  C::call(env, &held, &call)
}

unsafe extern "C" fn entry_static<C: Callback>(env: napi_env, info: sys::napi_callback_info) -> napi_value {
  let mut call = CallInfo::new(env, info, C::EAGER_ARGS);
  match call.read() {
    // SAFETY: `function_static::<C>` made this function with a `&'static C::Data`.
    Ok(data) => C::call(env, unsafe { &*(data as *const C::Data) }, &call),
    Err(p) => finish(env, Err(p)),
  }
}

/// A JS function named `name` that runs `C::call` with `data`, which it keeps alive.
pub fn function_rc<C: Callback>(env: napi_env, name: &str, data: Rc<C::Data>) -> JsResult<napi_value> {
  let f = function(env, name, entry_rc::<C>, Rc::as_ptr(&data).cast_mut().cast())?;
  add_finalizer_rc(env, f, data)?;
  Ok(f)
}

/// A JS function named `name` that runs `C::call` with `data`.
pub fn function_static<C: Callback>(env: napi_env, name: &str, data: &'static C::Data) -> JsResult<napi_value> {
  function(env, name, entry_static::<C>, (data as *const C::Data).cast_mut().cast())
}

/// Runs `hook` when the environment is torn down (a Worker ends, the process exits).
pub fn on_env_cleanup(env: napi_env, hook: extern "C" fn(*mut c_void)) -> JsResult<()> {
  napi_call!(env, napi_add_env_cleanup_hook(env, Some(hook as unsafe extern "C" fn(*mut c_void)), ptr::null_mut()))
}

/// Work on the libuv pool that settles a promise: `execute` runs there, `complete` back on the
/// JS thread, where its Ok resolves the promise and its Err rejects it. Returns the promise.
pub fn pool_promise<J: Send + 'static>(
  env: napi_env,
  name: &str,
  job: J,
  execute: fn(&mut J),
  complete: fn(napi_env, J) -> JsResult<Result<napi_value, napi_value>>,
) -> JsResult<napi_value> {
  struct Work<J> {
    job: J,
    execute: fn(&mut J),
    complete: fn(napi_env, J) -> JsResult<Result<napi_value, napi_value>>,
    deferred: sys::napi_deferred,
    work: sys::napi_async_work,
  }
  unsafe extern "C" fn run<J>(_env: napi_env, data: *mut c_void) {
    // SAFETY: the Work leaked below; only the pool thread touches it until `done` runs.
    let w = unsafe { &mut *(data as *mut Work<J>) };
    (w.execute)(&mut w.job);
  }
  unsafe extern "C" fn done<J>(env: napi_env, _status: sys::napi_status, data: *mut c_void) {
    // SAFETY: the Work leaked below, now back on the JS thread; freed here, once.
    let w = unsafe { Box::from_raw(data as *mut Work<J>) };
    // SAFETY: the work created below, deleted once, here on the JS thread.
    unsafe { sys::napi_delete_async_work(env, w.work) };
    let (ok, value) = match (w.complete)(env, w.job) {
      Ok(Ok(v)) => (true, v),
      Ok(Err(v)) => (false, v),
      Err(Pending) => (false, take_error(env)),
    };
    // SAFETY: the deferred created below, settled exactly once, here.
    unsafe {
      if ok {
        sys::napi_resolve_deferred(env, w.deferred, value);
      } else {
        sys::napi_reject_deferred(env, w.deferred, value);
      }
    }
  }
  let mut promise = ptr::null_mut();
  let mut deferred = ptr::null_mut();
  napi_call!(env, napi_create_promise(env, &mut deferred, &mut promise))?;
  let w = Box::into_raw(Box::new(Work { job, execute, complete, deferred, work: ptr::null_mut() }));
  let name = string(env, name)?;
  let queued = (|| {
    // SAFETY: `w` stays valid until `done` frees it.
    let work = unsafe { &mut (*w).work };
    napi_call!(env, napi_create_async_work(env, ptr::null_mut(), name, Some(run::<J>), Some(done::<J>), w.cast(), work))?;
    napi_call!(env, napi_queue_async_work(env, *work))
  })();
  if let Err(p) = queued {
    // SAFETY: never queued, so `done` will not run: the Work is freed here, once.
    let w = unsafe { Box::from_raw(w) };
    if !w.work.is_null() {
      // SAFETY: created above and not queued.
      unsafe { sys::napi_delete_async_work(env, w.work) };
    }
    return Err(p);
  }
  Ok(promise)
}
