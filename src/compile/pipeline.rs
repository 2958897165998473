//! The compile pipeline: from wasm bytes to the code a Module runs. Modules of the same bytes
//! share one compile across the process (`shared_once`) and across processes (the code cache);
//! before wasmer sees a module, large custom sections are stripped, the rewrites run
//! (elem_init.rs, non_null.rs, catches.rs) and prechecks refuse what would make wasmer panic;
//! the JS API's default mode compiles tiered (`compile_tiered`, tier_up.rs).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};

use wasmer::{CompileError, Module};

use crate::compile::leaves::Leaves;
use crate::runtime::engine::{self, Checks, Compiled, Compiler};

/// A compiled module as a WebAssembly.Module holds it.
pub struct Compilation {
  pub module: Arc<Compiled>,
  pub compiler: Compiler,
  /// What its code carries to be stopped (limits/instrument.rs).
  pub checks: Checks,
  /// Set for a module compiled tiered (see `compile_tiered`).
  pub tiered: Option<Tiered>,
  /// Its exported functions that call nothing (leaves.rs).
  pub leaves: Leaves,
}

impl Compilation {
  /// `bytes`' exported functions that call nothing, for a module compiled from them with
  /// `checks`: none when checks are compiled in, which may call out of any function.
  pub fn leaves_of(checks: Checks, bytes: &[u8]) -> Leaves {
    if checks == Checks::None {
      Leaves::of(bytes)
    } else {
      Leaves::default()
    }
  }
}

/// The bytes of a module compiled tiered: an instance that must join a store of the other
/// compiler (it links a memory, table, global or tag living there) recompiles it for that one,
/// and the first instance of a singlepass module queues cranelift's compile (`tier_up`).
pub struct Tiered {
  bytes: Arc<[u8]>,
  digest: crate::compile::cache::Digest,
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

/// The largest module a JS embedding compiles (JS API, "Implementation-defined limits").
pub const MODULE_SIZE_LIMIT: usize = 1 << 30;

type SharedKey = (Compiler, Checks, crate::compile::cache::Digest);

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

pub fn size_check(bytes: &[u8]) -> Result<(), CompileError> {
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
fn compile_known(compiler: Compiler, checks: Checks, bytes: &[u8], digest: &crate::compile::cache::Digest) -> Result<Arc<Compiled>, CompileError> {
  shared_once((compiler, checks, *digest), || {
    let disk_key = crate::compile::cache::key(compiler, checks, digest);
    if let Some(m) = load_cached(compiler, checks, bytes.len(), &disk_key) {
      return Ok(m);
    }
    let module = compile_fresh(compiler, checks, bytes)?;
    crate::compile::cache::store(&disk_key, &module, bytes.len());
    Ok(module)
  })
}

/// The module the code cache holds under `key`, loaded into the current generation.
fn load_cached(compiler: Compiler, checks: Checks, wasm_len: usize, key: &crate::compile::cache::Key) -> Option<Arc<Compiled>> {
  engine::compile(compiler, checks, wasm_len, |e| crate::compile::cache::load(e, key).ok_or(())).ok()
}

/// A module wasm-rt makes itself (catchable.rs's wrappers, wasi's memory exporter), compiled by
/// cranelift without checks once per process and kept for its life (engine::compile_permanent),
/// and kept in the code cache across processes.
pub fn compile_internal(bytes: &[u8]) -> Result<Arc<Compiled>, CompileError> {
  static INTERNAL: OnceLock<Mutex<HashMap<crate::compile::cache::Digest, Arc<Compiled>>>> = OnceLock::new();
  let digest = crate::compile::cache::digest(bytes);
  let internal = INTERNAL.get_or_init(Default::default);
  if let Some(m) = internal.lock().unwrap_or_else(|e| e.into_inner()).get(&digest) {
    return Ok(m.clone());
  }
  let disk_key = crate::compile::cache::key(Compiler::Cranelift, Checks::None, &digest);
  let module = match engine::compile_permanent(|e| crate::compile::cache::load(e, &disk_key).ok_or(())) {
    Ok(m) => m,
    Err(()) => {
      let m = engine::compile_permanent(|e| Module::new(e, bytes))?;
      crate::compile::cache::store(&disk_key, &m, bytes.len());
      m
    }
  };
  Ok(internal.lock().unwrap_or_else(|e| e.into_inner()).entry(digest).or_insert(module).clone())
}

/// Compiles `bytes` with `compiler` now; a module refused only for its non-nullable reference
/// types is compiled lowered (non_null.rs).
fn compile_fresh(compiler: Compiler, checks: Checks, bytes: &[u8]) -> Result<Arc<Compiled>, CompileError> {
  match compile_as_is(compiler, checks, bytes) {
    Err(e) if crate::compile::non_null::refused(&e) => match crate::compile::non_null::lower(bytes) {
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
  let rewritten = crate::compile::elem_init::rewrite(&compact);
  let bytes = rewritten.as_deref().unwrap_or(&compact);
  let marked = if compiler == Compiler::Cranelift { crate::compile::catches::mark(bytes) } else { None };
  let bytes = marked.as_deref().unwrap_or(bytes);
  reftype_precheck(bytes)?;
  if compiler == Compiler::Singlepass {
    singlepass_precheck(bytes)?;
  }
  // A compiler bug must not take the process down, nor leave the engine unusable.
  let len = bytes.len();
  std::panic::catch_unwind(|| engine::compile(compiler, checks, len, |e| Module::new(e, bytes))).unwrap_or_else(|_| {
    let message = crate::runtime::panics::last();
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
fn compile_tiered(bytes: &[u8], digest: &crate::compile::cache::Digest, checks: Checks) -> Result<(Arc<Compiled>, Compiler), CompileError> {
  if bytes.len() < TIER_MIN_BYTES {
    return compile_known(Compiler::Cranelift, checks, bytes, digest).map(|m| (m, Compiler::Cranelift));
  }
  let optimized = (Compiler::Cranelift, checks, *digest);
  if let Some(m) = shared_get(&optimized) {
    return Ok((m, Compiler::Cranelift));
  }
  let optimized_key = crate::compile::cache::key(Compiler::Cranelift, checks, digest);
  if let Some(m) = load_cached(Compiler::Cranelift, checks, bytes.len(), &optimized_key) {
    return Ok((shared_put(optimized, m), Compiler::Cranelift));
  }
  let quick = || {
    let disk_key = crate::compile::cache::key(Compiler::Singlepass, checks, digest);
    if let Some(m) = load_cached(Compiler::Singlepass, checks, bytes.len(), &disk_key) {
      return Ok(m);
    }
    let m = compile_fresh(Compiler::Singlepass, checks, bytes)?;
    crate::compile::cache::store_soon(disk_key, m.clone(), bytes.len(), optimized_key);
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
pub fn tier_up(c: &Compilation) {
  if let (Compiler::Singlepass, Some(t)) = (c.compiler, &c.tiered) {
    if crate::compile::tier_up::enabled()
      && !t.queued.swap(true, std::sync::atomic::Ordering::Relaxed)
      && !crate::compile::tier_up::request(c.checks, &t.digest, &t.bytes)
    {
      queue_tier_up((Compiler::Cranelift, c.checks, t.digest), &t.bytes, Arc::downgrade(&t.optimized));
    }
  }
}

/// A module `deserialize` loaded, shared with the modules of the same bytes in this process.
pub fn share_deserialized(compiler: Compiler, checks: Checks, wasm: &[u8], module: Arc<Compiled>) -> Arc<Compiled> {
  shared_put((compiler, checks, crate::compile::cache::digest(wasm)), module)
}

/// Compiles `bytes` into the code cache (the tier-up helper's work).
pub fn compile_for_cache(compiler: Compiler, checks: Checks, bytes: &[u8], digest: &crate::compile::cache::Digest) -> Result<(), CompileError> {
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
pub fn compile_mode(mode: Mode, checks: Checks, bytes: &[u8]) -> Result<Compilation, CompileError> {
  let mode = match mode {
    Mode::Tiered if checks == Checks::Fuel => Mode::Exact(Compiler::Cranelift),
    other => other,
  };
  match mode {
    Mode::Exact(compiler) => {
      size_check(bytes)?;
      let module = compile_known(compiler, checks, bytes, &crate::compile::cache::digest(bytes))?;
      Ok(Compilation { module, compiler, checks, tiered: None, leaves: Compilation::leaves_of(checks, bytes) })
    }
    Mode::Tiered => {
      size_check(bytes)?;
      let digest = crate::compile::cache::digest(bytes);
      let compact = compact(Compiler::Cranelift, bytes)?;
      let (module, compiler) = compile_tiered(&compact, &digest, checks)?;
      let tiered = Tiered { bytes: compact.into(), digest, queued: Default::default(), optimized: Default::default() };
      Ok(Compilation { module, compiler, checks, tiered: Some(tiered), leaves: Compilation::leaves_of(checks, bytes) })
    }
  }
}

/// wasmparser's `MAX_WASM_ELEMENT_SEGMENTS`.
const MAX_ELEMENT_SEGMENTS: u32 = 100_000;

/// Reference types that wasmer 7.4.2's validator accepts but its translator cannot compile (it
/// panics on such a table: `unwrap` in translator/sections.rs; found by `wasm-rt fuzz --mutate`).
/// Refused before compiling, and by `validate`, so that validate and compile agree.
pub fn reftype_precheck(bytes: &[u8]) -> Result<(), CompileError> {
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
