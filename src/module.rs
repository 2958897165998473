//! WebAssembly.Module's engine side: validate, compile (on the calling thread or the libuv
//! pool), and the module's import and export descriptions.

use std::collections::HashMap;
use std::ffi::c_void;
use std::hash::{BuildHasher, RandomState};
use std::ptr;
use std::sync::{Mutex, OnceLock};

use napi::sys::{self, napi_env, napi_value};
use wasmer::{CompileError, ExternType, Module, Type};

use crate::engine::{self, Compiler};
use crate::napi_raw::{self, napi_call, JsResult, TAG_MODULE};
use crate::state;

pub struct NativeModule {
  pub module: Module,
  pub compiler: Compiler,
}

pub fn unwrap_module<'a>(env: napi_env, v: napi_value) -> JsResult<&'a NativeModule> {
  napi_raw::unwrap::<NativeModule>(env, v, &TAG_MODULE)
    .ok_or_else(|| napi_raw::throw_type_error(env, "Argument 0 must be a WebAssembly.Module"))
}

pub fn compiler_arg(env: napi_env, v: napi_value) -> JsResult<Compiler> {
  if napi_raw::type_of(env, v)? != sys::ValueType::napi_string {
    return Ok(Compiler::Cranelift);
  }
  let name = napi_raw::get_string(env, v)?;
  Compiler::parse(&name).ok_or_else(|| napi_raw::throw_type_error(env, &format!("wasm-rt: unknown compiler '{name}' (cranelift, singlepass)")))
}

fn compile_message(e: &CompileError) -> String {
  format!("WebAssembly.Module(): {e}")
}

/// The largest module a JS embedding compiles (JS API, "Implementation-defined limits").
const MODULE_SIZE_LIMIT: usize = 1 << 30;

/// Compiles `bytes`, or returns the module already compiled from the same bytes.
///
/// wasmer keeps an engine's code memory until the process ends, even after every module using it
/// is dropped, so a loop of `new WebAssembly.Module(bytes)` would grow without bound (measured:
/// out of memory after 32,681 modules). Sharing the compiled module is invisible to JS: each
/// WebAssembly.Module is still its own object and each instance its own store. V8 shares code
/// between modules of the same bytes too. The key is a 128-bit keyed hash of the bytes (two
/// SipHash keys chosen at random per process), so the cache holds no copy of them.
fn compile_shared(compiler: Compiler, bytes: &[u8]) -> Result<Module, CompileError> {
  if bytes.len() > MODULE_SIZE_LIMIT {
    return Err(CompileError::Validate(format!("module of {} bytes is above the limit of {MODULE_SIZE_LIMIT}", bytes.len())));
  }
  static HASHERS: OnceLock<(RandomState, RandomState)> = OnceLock::new();
  static COMPILED: OnceLock<Mutex<HashMap<(Compiler, u64, u64), Module>>> = OnceLock::new();
  let (a, b) = HASHERS.get_or_init(|| (RandomState::new(), RandomState::new()));
  let key = (compiler, a.hash_one(bytes), b.hash_one(bytes));
  let compiled = COMPILED.get_or_init(Default::default);
  if let Some(m) = compiled.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
    return Ok(m.clone());
  }
  if compiler == Compiler::Singlepass {
    singlepass_precheck(bytes)?;
  }
  // A compiler bug must not take the process down, nor leave the engine unusable.
  let module = std::panic::catch_unwind(|| Module::new(&engine::engine(compiler), bytes)).unwrap_or_else(|_| {
    let message = crate::panics::last();
    engine::renew(compiler);
    // Modules of the old engine would bring its poisoned lock into new stores.
    compiled.lock().unwrap_or_else(|e| e.into_inner()).retain(|k, _| k.0 != compiler);
    Err(CompileError::Codegen(format!("wasm-rt: the {} compiler panicked on this module (a wasmer bug): {message}", compiler.name())))
  })?;
  let mut map = compiled.lock().unwrap_or_else(|e| e.into_inner());
  Ok(map.entry(key).or_insert(module).clone())
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

fn module_object(env: napi_env, module: Module, compiler: Compiler) -> JsResult<napi_value> {
  let obj = napi_raw::object(env)?;
  napi_raw::wrap(env, obj, &TAG_MODULE, NativeModule { module, compiler })?;
  Ok(obj)
}

/// `validate(bytes, compiler)`
pub fn validate(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let bytes = napi_raw::uint8array_bytes(env, args[0])?;
  let compiler = compiler_arg(env, args[1])?;
  napi_raw::boolean(env, bytes.len() <= MODULE_SIZE_LIMIT && Module::validate(&engine::engine(compiler), &bytes).is_ok())
}

/// `compile(bytes, compiler)`: a module handle, or throws CompileError.
pub fn compile(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let bytes = napi_raw::uint8array_bytes(env, args[0])?;
  let compiler = compiler_arg(env, args[1])?;
  match compile_shared(compiler, &bytes) {
    Ok(m) => module_object(env, m, compiler),
    Err(e) => Err(state::throw_compile_error(env, &compile_message(&e))),
  }
}

struct CompileJob {
  bytes: Vec<u8>,
  compiler: Compiler,
  result: Option<Result<Module, CompileError>>,
  deferred: sys::napi_deferred,
  work: sys::napi_async_work,
}

unsafe extern "C" fn compile_execute(_env: napi_env, data: *mut c_void) {
  // SAFETY: `data` is the job leaked by `compile_async`; only this thread touches it until
  // `compile_complete` runs.
  let job = unsafe { &mut *(data as *mut CompileJob) };
  let bytes = std::mem::take(&mut job.bytes);
  job.result = Some(
    compile_shared(job.compiler, &bytes),
  );
}

unsafe extern "C" fn compile_complete(env: napi_env, _status: sys::napi_status, data: *mut c_void) {
  // SAFETY: the job leaked by `compile_async`, now back on the JS thread; freed here.
  let job = unsafe { Box::from_raw(data as *mut CompileJob) };
  unsafe { sys::napi_delete_async_work(env, job.work) };
  let settled = match job.result {
    Some(Ok(m)) => module_object(env, m, job.compiler).map(|v| (true, v)),
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
  let bytes = napi_raw::uint8array_bytes(env, args[0])?;
  let compiler = compiler_arg(env, args[1])?;
  let mut promise = ptr::null_mut();
  let mut deferred = ptr::null_mut();
  napi_call!(env, napi_create_promise(env, &mut deferred, &mut promise))?;
  let job = Box::into_raw(Box::new(CompileJob { bytes, compiler, result: None, deferred, work: ptr::null_mut() }));
  let name = napi_raw::string(env, "WebAssembly.compile")?;
  let queued = (|| {
    // SAFETY: `job` stays valid until `compile_complete` frees it.
    let work = unsafe { &mut (*job).work };
    napi_call!(env, napi_create_async_work(env, ptr::null_mut(), name, Some(compile_execute), Some(compile_complete), job.cast(), work))?;
    napi_call!(env, napi_queue_async_work(env, *work))
  })();
  if let Err(p) = queued {
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

/// `moduleImports(module)`: `[module, name, kind, globalType, globalMutable]` per import, in order.
pub fn imports(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let m = unwrap_module(env, args[0])?;
  let mut rows = Vec::new();
  for imp in m.module.imports() {
    let (gt, gm) = global_info(env, imp.ty())?;
    let row = [napi_raw::string(env, imp.module())?, napi_raw::string(env, imp.name())?, napi_raw::string(env, kind(imp.ty()))?, gt, gm];
    rows.push(napi_raw::array_of(env, &row)?);
  }
  napi_raw::array_of(env, &rows)
}

/// `moduleExports(module)`: `[name, kind]` per export, in order.
pub fn exports(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let m = unwrap_module(env, args[0])?;
  let mut rows = Vec::new();
  for exp in m.module.exports() {
    let row = [napi_raw::string(env, exp.name())?, napi_raw::string(env, kind(exp.ty()))?];
    rows.push(napi_raw::array_of(env, &row)?);
  }
  napi_raw::array_of(env, &rows)
}
