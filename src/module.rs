//! WebAssembly.Module's engine side: validate, compile (on the calling thread or the libuv
//! pool), and the module's import and export descriptions.

use std::collections::{HashMap, HashSet};
use std::ffi::c_void;
use std::ptr;
use std::rc::Rc;
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};

use napi::sys::{self, napi_env, napi_value};
use wasmer::{CompileError, ExternType, Module, Type};

use crate::engine::{self, Checks, Compiled, Compiler};
use crate::napi_raw::{self, napi_call, JsResult, TAG_MODULE};
use crate::state;

pub struct NativeModule {
  pub module: Arc<Compiled>,
  pub compiler: Compiler,
  /// What its code carries to be stopped (limits/instrument.rs).
  pub checks: Checks,
  /// Set for a module compiled tiered (see `compile_tiered`).
  pub tiered: Option<Tiered>,
  /// What its code is reported to weigh in V8's external memory, while its JS object lives.
  charge: Charge,
}

/// V8 collects unreachable Module objects only under memory pressure, and sees none from their
/// code: a loop compiling distinct small modules grew to 336 MiB by 20,000 (bench/distinct-
/// modules.js), flat at 127 MiB with a forced GC. So each module reports an estimate of its code:
/// a code memory's pages, plus a few times its wasm bytes (singlepass writes about eight bytes of
/// machine code per wasm byte, cranelift two to four).
#[derive(Default)]
struct Charge(std::cell::Cell<Option<(napi_env, i64)>>);

impl Charge {
  fn cost(wasm_len: usize) -> i64 {
    (16 << 10) + 4 * wasm_len as i64
  }
}

impl Drop for Charge {
  fn drop(&mut self) {
    if let Some((env, bytes)) = self.0.take() {
      crate::memory::account(env, -bytes);
    }
  }
}

/// The bytes of a module compiled tiered: an instance that must join a store of the other
/// compiler (it links a memory, table, global or tag living there) recompiles it for that one,
/// and the first instance of a singlepass module queues cranelift's compile (`tier_up`).
pub struct Tiered {
  bytes: Arc<[u8]>,
  digest: crate::cache::Digest,
  queued: std::sync::atomic::AtomicBool,
  /// Cranelift's module, once this process's tier-up thread has compiled it.
  optimized: Arc<Slot>,
}

impl Tiered {
  /// The module of `compiler` for these bytes, with the module's `checks`.
  pub fn compile_for(&self, compiler: Compiler, checks: Checks) -> Result<Arc<Compiled>, CompileError> {
    compile_known(compiler, checks, &self.bytes, &self.digest)
  }
}

/// How the JS API compiles: with one compiler, or tiered (see `compile_tiered`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
  Exact(Compiler),
  Tiered,
}

pub fn unwrap_module(env: napi_env, v: napi_value) -> JsResult<Rc<NativeModule>> {
  napi_raw::unwrap::<NativeModule>(env, v, &TAG_MODULE).ok_or_else(|| napi_raw::throw_type_error(env, "Argument 0 must be a WebAssembly.Module"))
}

pub fn compiler_arg(env: napi_env, v: napi_value) -> JsResult<Compiler> {
  match mode_arg(env, v)? {
    Mode::Exact(c) => Ok(c),
    Mode::Tiered => Ok(Compiler::Cranelift),
  }
}

/// A compiler name, or "tiered" (also when none is given).
pub fn mode_arg(env: napi_env, v: napi_value) -> JsResult<Mode> {
  if napi_raw::type_of(env, v)? != sys::ValueType::napi_string {
    return Ok(Mode::Tiered);
  }
  let name = napi_raw::get_string(env, v)?;
  if name == "tiered" {
    return Ok(Mode::Tiered);
  }
  Compiler::parse(&name)
    .map(Mode::Exact)
    .ok_or_else(|| napi_raw::throw_type_error(env, &format!("wasm-rt: unknown compiler '{name}' (cranelift, singlepass, tiered)")))
}

/// The optional third argument of compile: "none", "stop" or "fuel" (engine::Checks); by
/// default the checks that stop wasm on a worker thread (so that `worker.terminate()` does),
/// none on the main thread.
fn checks_arg(env: napi_env, v: Option<napi_value>) -> JsResult<Checks> {
  if let Some(v) = v {
    if napi_raw::type_of(env, v)? == sys::ValueType::napi_string {
      let name = napi_raw::get_string(env, v)?;
      return Checks::parse(&name).ok_or_else(|| napi_raw::throw_type_error(env, &format!("wasm-rt: unknown checks '{name}'")));
    }
  }
  Ok(if crate::limits::watchdog::on_worker() { Checks::Stop } else { Checks::None })
}

fn compile_message(e: &CompileError) -> String {
  format!("WebAssembly.Module(): {e}")
}

/// The largest module a JS embedding compiles (JS API, "Implementation-defined limits").
const MODULE_SIZE_LIMIT: usize = 1 << 30;

type SharedKey = (Compiler, Checks, crate::cache::Digest);

/// The modules of this process that something still uses, by key: found again rather than
/// compiled again, and gone (their code freed with their generation, engine.rs) once unused.
struct Shared {
  live: HashMap<SharedKey, Weak<Compiled>>,
  /// The size at which dead entries are next swept out.
  sweep_at: usize,
}

fn shared() -> &'static Mutex<Shared> {
  static COMPILED: OnceLock<Mutex<Shared>> = OnceLock::new();
  COMPILED.get_or_init(|| Mutex::new(Shared { live: HashMap::new(), sweep_at: 1024 }))
}

fn shared_get(key: &SharedKey) -> Option<Arc<Compiled>> {
  shared().lock().unwrap_or_else(|e| e.into_inner()).live.get(key).and_then(Weak::upgrade)
}

fn shared_put(key: SharedKey, module: Arc<Compiled>) -> Arc<Compiled> {
  let mut s = shared().lock().unwrap_or_else(|e| e.into_inner());
  if let Some(m) = s.live.get(&key).and_then(Weak::upgrade) {
    return m;
  }
  s.live.insert(key, Arc::downgrade(&module));
  if s.live.len() >= s.sweep_at {
    s.live.retain(|_, m| m.strong_count() > 0);
    s.sweep_at = (2 * s.live.len()).max(1024);
  }
  module
}

/// The module of `key` from the process's map, else made by `make` and put there. Threads that
/// ask for the same key at once (a pool of workers, each instantiating the module posted to it)
/// wait for one `make` instead of each compiling.
fn shared_once(key: SharedKey, make: impl FnOnce() -> Result<Arc<Compiled>, CompileError>) -> Result<Arc<Compiled>, CompileError> {
  static MAKING: OnceLock<(Mutex<HashSet<SharedKey>>, Condvar)> = OnceLock::new();
  let (making, made) = MAKING.get_or_init(Default::default);
  let mut set = making.lock().unwrap_or_else(|e| e.into_inner());
  loop {
    if let Some(m) = shared_get(&key) {
      return Ok(m);
    }
    if set.insert(key) {
      break;
    }
    set = made.wait(set).unwrap_or_else(|e| e.into_inner());
  }
  drop(set);
  struct Done<'a>(&'a (Mutex<HashSet<SharedKey>>, Condvar), SharedKey);
  impl Drop for Done<'_> {
    fn drop(&mut self) {
      self.0 .0.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.1);
      self.0 .1.notify_all();
    }
  }
  let _done = Done(MAKING.get().expect("made above"), key);
  Ok(shared_put(key, make()?))
}

fn size_check(bytes: &[u8]) -> Result<(), CompileError> {
  if bytes.len() > MODULE_SIZE_LIMIT {
    return Err(CompileError::Validate(format!("module of {} bytes is above the limit of {MODULE_SIZE_LIMIT}", bytes.len())));
  }
  Ok(())
}

/// Compiles `bytes` with `compiler` and `checks`, or returns the module already compiled from
/// the same bytes in this process, or loads it from the code cache on disk (cache.rs).
///
/// Sharing the compiled module is invisible to JS: each WebAssembly.Module is still its own
/// object and each instance its own store. V8 shares code between modules of the same bytes too.
fn compile_known(compiler: Compiler, checks: Checks, bytes: &[u8], digest: &crate::cache::Digest) -> Result<Arc<Compiled>, CompileError> {
  shared_once((compiler, checks, *digest), || {
    let disk_key = crate::cache::key(compiler, checks, digest);
    if let Some(m) = load_cached(compiler, checks, bytes.len(), &disk_key) {
      return Ok(m);
    }
    let module = compile_fresh(compiler, checks, bytes)?;
    crate::cache::store(&disk_key, &module, bytes.len());
    Ok(module)
  })
}

/// The module the code cache holds under `key`, loaded into the current generation.
fn load_cached(compiler: Compiler, checks: Checks, wasm_len: usize, key: &crate::cache::Key) -> Option<Arc<Compiled>> {
  engine::compile(compiler, checks, wasm_len, |e| crate::cache::load(e, key).ok_or(())).ok()
}

/// A module wasm-rt makes itself (catchable.rs's wrappers, wasi's memory exporter), compiled by
/// cranelift without checks once per process and kept for its life (engine::compile_permanent),
/// and kept in the code cache across processes.
pub fn compile_internal(bytes: &[u8]) -> Result<Arc<Compiled>, CompileError> {
  static INTERNAL: OnceLock<Mutex<HashMap<crate::cache::Digest, Arc<Compiled>>>> = OnceLock::new();
  let digest = crate::cache::digest(bytes);
  let internal = INTERNAL.get_or_init(Default::default);
  if let Some(m) = internal.lock().unwrap_or_else(|e| e.into_inner()).get(&digest) {
    return Ok(m.clone());
  }
  let disk_key = crate::cache::key(Compiler::Cranelift, Checks::None, &digest);
  let module = match engine::compile_permanent(|e| crate::cache::load(e, &disk_key).ok_or(())) {
    Ok(m) => m,
    Err(()) => {
      let m = engine::compile_permanent(|e| Module::new(e, bytes))?;
      crate::cache::store(&disk_key, &m, bytes.len());
      m
    }
  };
  Ok(internal.lock().unwrap_or_else(|e| e.into_inner()).entry(digest).or_insert(module).clone())
}

/// Compiles `bytes` with `compiler` now; a module refused only for its non-nullable reference
/// types is compiled lowered (non_null.rs).
fn compile_fresh(compiler: Compiler, checks: Checks, bytes: &[u8]) -> Result<Arc<Compiled>, CompileError> {
  match compile_as_is(compiler, checks, bytes) {
    Err(e) if crate::non_null::refused(&e) => match crate::non_null::lower(bytes) {
      Some(lowered) => compile_as_is(compiler, checks, &lowered),
      None => Err(e),
    },
    r => r,
  }
}

/// Compiles `bytes` with `compiler` now, after the checks that keep wasmer from panicking on
/// what it cannot compile.
fn compile_as_is(compiler: Compiler, checks: Checks, bytes: &[u8]) -> Result<Arc<Compiled>, CompileError> {
  let compact = compact(compiler, bytes)?;
  let rewritten = crate::elem_init::rewrite(&compact);
  let bytes = rewritten.as_deref().unwrap_or(&compact);
  let marked = if compiler == Compiler::Cranelift { crate::bridge::catchable::mark(bytes) } else { None };
  let bytes = marked.as_deref().unwrap_or(bytes);
  reftype_precheck(bytes)?;
  if compiler == Compiler::Singlepass {
    singlepass_precheck(bytes)?;
  }
  // A compiler bug must not take the process down, nor leave the engine unusable.
  let len = bytes.len();
  std::panic::catch_unwind(|| engine::compile(compiler, checks, len, |e| Module::new(e, bytes))).unwrap_or_else(|_| {
    let message = crate::panics::last();
    engine::renew(compiler, checks);
    // Modules of the old engine would bring its poisoned lock into new stores.
    shared().lock().unwrap_or_else(|e| e.into_inner()).live.retain(|k, _| (k.0, k.1) != (compiler, checks));
    Err(CompileError::Codegen(format!("wasm-rt: the {} compiler panicked on this module (a wasmer bug): {message}", compiler.name())))
  })
}

/// Custom sections below this size stay in what wasmer compiles.
const STRIP_MIN_BYTES: usize = 64 << 10;

/// The bytes wasmer is given: without their custom sections (except "name", which names
/// functions in traces) when those are large. wasmer copies custom sections into its artifact
/// several times over (metadata, image, cache entry), and no one reads them there:
/// `WebAssembly.Module.customSections` reads the module's own bytes (lib/module.js). Measured on
/// WPT's 1 GiB module, one custom section: 5.5 s and 5 GB to compile as is. Before stripping,
/// the original is validated, so that an invalid module gets its own error (offsets included).
fn compact(compiler: Compiler, bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, CompileError> {
  use std::borrow::Cow;
  let Some(custom) = custom_sections(bytes) else { return Ok(Cow::Borrowed(bytes)) };
  if custom.iter().map(|r| r.len()).sum::<usize>() < STRIP_MIN_BYTES {
    return Ok(Cow::Borrowed(bytes));
  }
  Module::validate(&engine::store_engine(compiler), bytes)?;
  let mut out = Vec::with_capacity(bytes.len() - custom.iter().map(|r| r.len()).sum::<usize>());
  let mut at = 0;
  for r in custom {
    out.extend_from_slice(&bytes[at..r.start]);
    at = r.end;
  }
  out.extend_from_slice(&bytes[at..]);
  Ok(Cow::Owned(out))
}

/// The byte ranges of the custom sections other than "name", headers included, from a walk of
/// the top-level sections; None when the walk finds something malformed (the compiler reports it).
fn custom_sections(bytes: &[u8]) -> Option<Vec<std::ops::Range<usize>>> {
  fn leb(bytes: &[u8], at: &mut usize) -> Option<usize> {
    let mut value = 0usize;
    for shift in (0..35).step_by(7) {
      let b = *bytes.get(*at)?;
      *at += 1;
      value |= ((b & 0x7f) as usize) << shift;
      if b & 0x80 == 0 {
        return Some(value);
      }
    }
    None
  }
  let mut at = 8;
  let mut ranges = Vec::new();
  while at < bytes.len() {
    let start = at;
    let id = bytes[at];
    at += 1;
    let size = leb(bytes, &mut at)?;
    let end = at.checked_add(size).filter(|e| *e <= bytes.len())?;
    if id == 0 {
      let mut name_at = at;
      let name_len = leb(bytes, &mut name_at)?;
      if bytes.get(name_at..name_at.checked_add(name_len)?)? != b"name" {
        ranges.push(start..end);
      }
    }
    at = end;
  }
  Some(ranges)
}

/// The JS API's default: usable after singlepass's fast compile, optimized later. Cranelift's
/// code is used at once when this process or the code cache already has it, else singlepass's
/// from the cache; otherwise singlepass compiles the module now (its code goes to the cache on a
/// writer thread, for the next process) and, once it is instantiated, cranelift compiles it in
/// the background (`tier_up`), into the code cache.
/// A module singlepass cannot compile (exception handling, relaxed SIMD, an import with several
/// results) goes to cranelift at once, and so does a small one, which cranelift compiles in
/// milliseconds.
fn compile_tiered(bytes: &[u8], digest: &crate::cache::Digest, checks: Checks) -> Result<(Arc<Compiled>, Compiler), CompileError> {
  if bytes.len() < TIER_MIN_BYTES {
    return compile_known(Compiler::Cranelift, checks, bytes, digest).map(|m| (m, Compiler::Cranelift));
  }
  let optimized = (Compiler::Cranelift, checks, *digest);
  if let Some(m) = shared_get(&optimized) {
    return Ok((m, Compiler::Cranelift));
  }
  let optimized_key = crate::cache::key(Compiler::Cranelift, checks, digest);
  if let Some(m) = load_cached(Compiler::Cranelift, checks, bytes.len(), &optimized_key) {
    return Ok((shared_put(optimized, m), Compiler::Cranelift));
  }
  let quick = || {
    let disk_key = crate::cache::key(Compiler::Singlepass, checks, digest);
    if let Some(m) = load_cached(Compiler::Singlepass, checks, bytes.len(), &disk_key) {
      return Ok(m);
    }
    let m = compile_fresh(Compiler::Singlepass, checks, bytes)?;
    crate::cache::store_soon(disk_key, m.clone(), bytes.len(), optimized_key);
    Ok(m)
  };
  match shared_once((Compiler::Singlepass, checks, *digest), quick) {
    Ok(m) => Ok((m, Compiler::Singlepass)),
    // Cranelift compiles what singlepass cannot, and reports what nobody can with its own words.
    Err(_) => compile_known(Compiler::Cranelift, checks, bytes, digest).map(|m| (m, Compiler::Cranelift)),
  }
}

/// Below this size cranelift compiles a module in about 0.1 s or less (bench/README.md): tiering
/// would gain little and cost a second compile.
const TIER_MIN_BYTES: usize = 128 << 10;

/// Queues a singlepass module of the tiered path for cranelift on the one background thread,
/// once per module and process. Called when the module is first instantiated: a module that is
/// never run (WPT's limits.any.js compiles dozens of huge ones) costs no second compile.
/// With a code cache, a helper process does it (tier_up.rs); without one, a thread of this
/// process, whose result the module keeps, so that later modules of the same bytes find it.
pub fn tier_up(nm: &NativeModule) {
  if let (Compiler::Singlepass, Some(t)) = (nm.compiler, &nm.tiered) {
    if crate::tier_up::enabled() && !t.queued.swap(true, std::sync::atomic::Ordering::Relaxed) && !crate::tier_up::request(nm.checks, &t.digest, &t.bytes) {
      queue_tier_up((Compiler::Cranelift, nm.checks, t.digest), &t.bytes, Arc::downgrade(&t.optimized));
    }
  }
}

/// Compiles `bytes` into the code cache (the tier-up helper's work).
pub fn compile_for_cache(compiler: Compiler, checks: Checks, bytes: &[u8], digest: &crate::cache::Digest) -> Result<(), CompileError> {
  compile_known(compiler, checks, bytes, digest).map(drop)
}

type Slot = Mutex<Option<Arc<Compiled>>>;

fn queue_tier_up(key: SharedKey, bytes: &[u8], keep: Weak<Slot>) {
  static STARTED: OnceLock<Mutex<HashSet<SharedKey>>> = OnceLock::new();
  type Job = (SharedKey, Vec<u8>, Weak<Slot>);
  static QUEUE: OnceLock<Mutex<Option<std::sync::mpsc::Sender<Job>>>> = OnceLock::new();
  if !STARTED.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner()).insert(key) {
    return;
  }
  let queue = QUEUE.get_or_init(|| {
    let (tx, rx) = std::sync::mpsc::channel::<Job>();
    let spawned = std::thread::Builder::new().name("wasm-rt tier-up".into()).spawn(move || {
      for ((compiler, checks, digest), bytes, keep) in rx {
        if let (Ok(m), Some(slot)) = (compile_known(compiler, checks, &bytes, &digest), keep.upgrade()) {
          *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(m);
        }
      }
    });
    Mutex::new(spawned.ok().map(|_| tx))
  });
  if let Some(tx) = queue.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
    let _ = tx.send((key, bytes.to_vec(), keep));
  }
}

/// Compiles as the JS API asked: tiered, or with one compiler.
/// A module that counts fuel is compiled with one compiler (cranelift unless another is named).
pub fn compile_mode(mode: Mode, checks: Checks, bytes: &[u8]) -> Result<NativeModule, CompileError> {
  let mode = match mode {
    Mode::Tiered if checks == Checks::Fuel => Mode::Exact(Compiler::Cranelift),
    other => other,
  };
  match mode {
    Mode::Exact(compiler) => {
      size_check(bytes)?;
      let module = compile_known(compiler, checks, bytes, &crate::cache::digest(bytes))?;
      Ok(NativeModule { module, compiler, checks, tiered: None, charge: Charge::default() })
    }
    Mode::Tiered => {
      size_check(bytes)?;
      let digest = crate::cache::digest(bytes);
      let compact = compact(Compiler::Cranelift, bytes)?;
      let (module, compiler) = compile_tiered(&compact, &digest, checks)?;
      let tiered = Tiered { bytes: compact.into(), digest, queued: Default::default(), optimized: Default::default() };
      Ok(NativeModule { module, compiler, checks, tiered: Some(tiered), charge: Charge::default() })
    }
  }
}

/// wasmparser's `MAX_WASM_ELEMENT_SEGMENTS`.
const MAX_ELEMENT_SEGMENTS: u32 = 100_000;

/// Reference types that wasmer 7.4.2's validator accepts but its translator cannot compile (it
/// panics on such a table: `unwrap` in translator/sections.rs; found by `wasm-rt fuzz --mutate`).
/// Refused before compiling, and by `validate`, so that validate and compile agree.
fn reftype_precheck(bytes: &[u8]) -> Result<(), CompileError> {
  use wasmer_compiler::wasmparser::{CompositeInnerType, ElementItems, Parser, Payload, RefType, TypeRef, ValType};
  let supported = |r: &RefType| r.is_extern_ref() || r.is_func_ref() || *r == RefType::EXNREF || *r == RefType::EXN;
  let check = |r: &RefType| -> Result<(), CompileError> {
    if supported(r) {
      Ok(())
    } else {
      Err(CompileError::Validate(format!("wasm-rt: the reference type {r:?} is not supported (wasmer 7.4.2)")))
    }
  };
  let check_val = |v: &ValType| match v {
    ValType::Ref(r) => check(r),
    _ => Ok(()),
  };
  for payload in Parser::new(0).parse_all(bytes) {
    match payload {
      Ok(Payload::TypeSection(reader)) => {
        for group in reader.into_iter().flatten() {
          for ty in group.types() {
            if let CompositeInnerType::Func(f) = &ty.composite_type.inner {
              f.params().iter().chain(f.results()).try_for_each(check_val)?;
            }
          }
        }
      }
      Ok(Payload::ImportSection(reader)) => {
        for import in reader.into_imports().flatten() {
          match import.ty {
            TypeRef::Table(t) => check(&t.element_type)?,
            TypeRef::Global(g) => check_val(&g.content_type)?,
            _ => {}
          }
        }
      }
      Ok(Payload::TableSection(reader)) => {
        for t in reader.into_iter().flatten() {
          check(&t.ty.element_type)?;
        }
      }
      Ok(Payload::GlobalSection(reader)) => {
        for g in reader.into_iter().flatten() {
          check_val(&g.ty.content_type)?;
        }
      }
      // Past wasmparser's limit on segments the compiler refuses the module by the count alone;
      // reading ten million segments here first took a second (WPT's limits.any.js).
      Ok(Payload::ElementSection(reader)) if reader.count() <= MAX_ELEMENT_SEGMENTS => {
        for e in reader.into_iter().flatten() {
          if let ElementItems::Expressions(r, _) = e.items {
            check(&r)?;
          }
        }
      }
      Ok(Payload::CodeSectionStart { .. }) | Err(_) => break,
      Ok(_) => {}
    }
  }
  Ok(())
}

/// wasmer 7.4.2's singlepass panics (an assertion in machine_x64.rs) on an imported function with
/// more than one result; refuse such a module before compiling it. A module that does not parse
/// is left to the compiler, which reports it.
fn singlepass_precheck(bytes: &[u8]) -> Result<(), CompileError> {
  use wasmer_compiler::wasmparser::{CompositeInnerType, Parser, Payload, TypeRef};
  let mut results = Vec::new();
  for payload in Parser::new(0).parse_all(bytes) {
    match payload {
      Ok(Payload::TypeSection(reader)) => {
        for group in reader.into_iter().flatten() {
          for ty in group.types() {
            results.push(match &ty.composite_type.inner {
              CompositeInnerType::Func(f) => f.results().len(),
              _ => 0,
            });
          }
        }
      }
      Ok(Payload::ImportSection(reader)) => {
        for import in reader.into_imports().flatten() {
          if let TypeRef::Func(i) = import.ty {
            if results.get(i as usize).is_some_and(|n| *n > 1) {
              return Err(CompileError::Codegen(format!(
                "wasm-rt: singlepass (wasmer 7.4.2) cannot compile the import \"{}\".\"{}\", which returns several values; use cranelift",
                import.module, import.name
              )));
            }
          }
        }
      }
      Ok(Payload::CodeSectionStart { .. }) | Err(_) => break,
      Ok(_) => {}
    }
  }
  Ok(())
}

fn module_object(env: napi_env, module: NativeModule, wasm_len: usize) -> JsResult<napi_value> {
  let cost = Charge::cost(wasm_len);
  crate::memory::account(env, cost);
  module.charge.0.set(Some((env, cost)));
  let obj = napi_raw::object(env)?;
  napi_raw::wrap(env, obj, &TAG_MODULE, module)?;
  Ok(obj)
}

/// `validate(bytes, compiler)`
pub fn validate(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let compiler = compiler_arg(env, args[1])?;
  // SAFETY: no JS runs before the slice's last use in this call.
  let bytes = unsafe { napi_raw::uint8array_slice(env, args[0])? };
  let valid = |b: &[u8]| Module::validate(&engine::store_engine(compiler), b).and_then(|_| reftype_precheck(b));
  let ok = bytes.len() <= MODULE_SIZE_LIMIT
    && match valid(bytes) {
      Err(e) if crate::non_null::refused(&e) => crate::non_null::lower(bytes).is_some_and(|l| valid(&l).is_ok()),
      r => r.is_ok(),
    };
  napi_raw::boolean(env, ok)
}

/// `compile(bytes, compiler)`: a module handle, or throws CompileError.
pub fn compile(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let mode = mode_arg(env, args[1])?;
  // SAFETY: no JS runs before the slice's last use (compiling calls no JS).
  let bytes = unsafe { napi_raw::uint8array_slice(env, args[0])? };
  let checks = checks_arg(env, args.get(2).copied())?;
  match compile_mode(mode, checks, bytes) {
    Ok(m) => module_object(env, m, bytes.len()),
    Err(e) => Err(state::throw_compile_error(env, &compile_message(&e))),
  }
}

struct CompileJob {
  bytes: Vec<u8>,
  len: usize,
  mode: Mode,
  checks: Checks,
  result: Option<Result<NativeModule, CompileError>>,
  deferred: sys::napi_deferred,
  work: sys::napi_async_work,
}

unsafe extern "C" fn compile_execute(_env: napi_env, data: *mut c_void) {
  // SAFETY: `data` is the job leaked by `compile_async`; only this thread touches it until
  // `compile_complete` runs.
  let job = unsafe { &mut *(data as *mut CompileJob) };
  if job.result.is_none() {
    let bytes = std::mem::take(&mut job.bytes);
    job.result = Some(compile_mode(job.mode, job.checks, &bytes));
  }
}

unsafe extern "C" fn compile_complete(env: napi_env, _status: sys::napi_status, data: *mut c_void) {
  // SAFETY: the job leaked by `compile_async`, now back on the JS thread; freed here.
  let job = unsafe { Box::from_raw(data as *mut CompileJob) };
  // SAFETY: the work `compile_async` created, deleted once, here on the JS thread.
  unsafe { sys::napi_delete_async_work(env, job.work) };
  let settled = match job.result {
    Some(Ok(m)) => module_object(env, m, job.len).map(|v| (true, v)),
    Some(Err(e)) => {
      let build = || -> JsResult<napi_value> {
        let ctor = state::get(env, |s| s.compile_error)?;
        napi_raw::new_instance(env, ctor, &[napi_raw::string(env, &compile_message(&e))?])
      };
      build().map(|v| (false, v))
    }
    None => Err(napi_raw::throw_error(env, "wasm-rt: compilation was cancelled")),
  };
  let (ok, value) = match settled {
    Ok(pair) => pair,
    Err(_) => (false, napi_raw::take_error(env)),
  };
  // SAFETY: the deferred `compile_async` created, settled exactly once, here.
  unsafe {
    if ok {
      sys::napi_resolve_deferred(env, job.deferred, value);
    } else {
      sys::napi_reject_deferred(env, job.deferred, value);
    }
  }
}

/// `compileAsync(bytes, compiler)`: a promise of a module handle; compiles on the libuv pool so
/// the event loop keeps turning.
pub fn compile_async(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let mode = mode_arg(env, args[1])?;
  let checks = checks_arg(env, args.get(2).copied())?;
  // SAFETY: copied (or only measured) before any JS runs.
  let slice = unsafe { napi_raw::uint8array_slice(env, args[0])? };
  // Over the size limit the bytes are not copied: the compile fails by their length.
  let (bytes, result) = match size_check(slice) {
    Ok(()) => (slice.to_vec(), None),
    Err(e) => (Vec::new(), Some(Err(e))),
  };
  let mut promise = ptr::null_mut();
  let mut deferred = ptr::null_mut();
  napi_call!(env, napi_create_promise(env, &mut deferred, &mut promise))?;
  let job = Box::into_raw(Box::new(CompileJob { len: bytes.len(), bytes, mode, checks, result, deferred, work: ptr::null_mut() }));
  let name = napi_raw::string(env, "WebAssembly.compile")?;
  let queued = (|| {
    // SAFETY: `job` stays valid until `compile_complete` frees it.
    let work = unsafe { &mut (*job).work };
    napi_call!(env, napi_create_async_work(env, ptr::null_mut(), name, Some(compile_execute), Some(compile_complete), job.cast(), work))?;
    napi_call!(env, napi_queue_async_work(env, *work))
  })();
  if let Err(p) = queued {
    // SAFETY: queueing failed, so Node never saw `job`: this is its only owner.
    drop(unsafe { Box::from_raw(job) });
    return Err(p);
  }
  Ok(promise)
}

pub fn type_name(t: Type) -> &'static str {
  match t {
    Type::I32 => "i32",
    Type::I64 => "i64",
    Type::F32 => "f32",
    Type::F64 => "f64",
    Type::V128 => "v128",
    Type::ExternRef => "externref",
    Type::FuncRef => "funcref",
    Type::ExceptionRef => "exnref",
  }
}

fn kind(ty: &ExternType) -> &'static str {
  match ty {
    ExternType::Function(_) => "function",
    ExternType::Table(_) => "table",
    ExternType::Memory(_) => "memory",
    ExternType::Global(_) => "global",
    ExternType::Tag(_) => "tag",
  }
}

/// For globals, the value type and mutability that import resolution checks in JS.
fn global_info(env: napi_env, ty: &ExternType) -> JsResult<(napi_value, napi_value)> {
  match ty {
    ExternType::Global(g) => Ok((napi_raw::string(env, type_name(g.ty))?, napi_raw::boolean(env, g.mutability.is_mutable())?)),
    _ => Ok((napi_raw::null(env), napi_raw::boolean(env, false)?)),
  }
}

/// `moduleImports(module)`: `[module, name, kind, globalType, globalMutable, signature]` per
/// import, in order; `signature` (bridge/exported.rs's letters) for a function, else null.
pub fn imports(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let m = unwrap_module(env, args[0])?;
  let non_null = crate::non_null::Positions::of(&m.module);
  let mut rows = Vec::new();
  for (i, imp) in m.module.imports().enumerate() {
    let (mut gt, gm) = global_info(env, imp.ty())?;
    if let ExternType::Global(g) = imp.ty() {
      if non_null.global_import(i) {
        gt = napi_raw::string(env, if g.ty == Type::FuncRef { "ref func" } else { "ref extern" })?;
      }
    }
    let sig = match imp.ty() {
      ExternType::Function(f) => {
        let sig = crate::bridge::exported::signature(f.params(), f.results());
        napi_raw::string(env, &crate::non_null::mark_signature(&sig, non_null.import_function(m.module.info(), i)))?
      }
      _ => napi_raw::null(env),
    };
    let row = [napi_raw::string(env, imp.module())?, napi_raw::string(env, imp.name())?, napi_raw::string(env, kind(imp.ty()))?, gt, gm, sig];
    rows.push(napi_raw::array_of(env, &row)?);
  }
  napi_raw::array_of(env, &rows)
}

/// `moduleExports(module)`: `[name, kind]` per export, in order.
pub fn exports(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let m = unwrap_module(env, args[0])?;
  let mut rows = Vec::new();
  let checked = m.checks != Checks::None;
  for exp in m.module.exports().filter(|e| !(checked && crate::limits::is_hidden(e.name()))) {
    let row = [napi_raw::string(env, exp.name())?, napi_raw::string(env, kind(exp.ty()))?];
    rows.push(napi_raw::array_of(env, &row)?);
  }
  napi_raw::array_of(env, &rows)
}

/// `moduleSerialize(module, wasmBytes)` → Uint8Array (see cache::serialize).
pub fn serialize(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let nm = unwrap_module(env, args[0])?;
  let wasm = napi_raw::uint8array_bytes(env, args[1])?;
  let bytes =
    crate::cache::serialize(nm.compiler, nm.checks, &wasm, &nm.module).map_err(|e| napi_raw::throw_error(env, &format!("wasm-rt serialize(): {e}")))?;
  napi_raw::uint8array(env, &bytes)
}

/// `moduleDeserialize(bytes)` → `[module handle, wasm bytes]`; a TypeError for bytes that fail
/// the checks.
pub fn deserialize(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let data = napi_raw::uint8array_bytes(env, args[0])?;
  let (compiler, checks, wasm, module) = crate::cache::deserialize_checked(&data).map_err(|e| napi_raw::throw_type_error(env, &e))?;
  let module = shared_put((compiler, checks, crate::cache::digest(&wasm)), module);
  let handle = module_object(env, NativeModule { module, compiler, checks, tiered: None, charge: Charge::default() }, wasm.len())?;
  napi_raw::array_of(env, &[handle, napi_raw::uint8array(env, &wasm)?])
}

/// `moduleCompiler(module)` → "cranelift" or "singlepass": whose code it runs.
pub fn compiler(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  napi_raw::string(env, unwrap_module(env, args[0])?.compiler.name())
}

/// `moduleChecks(module)` → "none", "stop" or "fuel": what its code carries to be stopped.
pub fn checks(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  napi_raw::string(env, unwrap_module(env, args[0])?.checks.name())
}

#[cfg(test)]
mod tests {
  use super::custom_sections;

  fn custom(name: &str, len: usize) -> Vec<u8> {
    let mut body = vec![name.len() as u8];
    body.extend_from_slice(name.as_bytes());
    body.resize(body.len() + len, 7);
    let mut out = vec![0u8];
    let mut size = body.len();
    loop {
      let byte = (size & 0x7f) as u8;
      size >>= 7;
      out.push(if size == 0 { byte } else { byte | 0x80 });
      if size == 0 {
        break;
      }
    }
    out.extend(body);
    out
  }

  #[test]
  fn finds_custom_sections_other_than_name() {
    let mut bytes = wat::parse_str("(module (func))").unwrap();
    let start = bytes.len();
    bytes.extend(custom("big", 300));
    let middle = bytes.len();
    bytes.extend(custom("name", 3));
    let ranges = custom_sections(&bytes).unwrap();
    assert_eq!(ranges, vec![start..middle]);
  }

  #[test]
  fn malformed_sizes_give_none() {
    let mut bytes = wat::parse_str("(module)").unwrap();
    bytes.extend([0, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert_eq!(custom_sections(&bytes), None, "a section running past the end");
    let mut bytes = wat::parse_str("(module)").unwrap();
    bytes.extend([0, 0x80]);
    assert_eq!(custom_sections(&bytes), None, "a LEB128 cut short");
  }
}
