//! WebAssembly.Module's engine side: validate, compile (on the calling thread or the libuv
//! pool), and the module's import and export descriptions.

use std::rc::Rc;

use napi::sys::{self, napi_env, napi_value};
use wasmer::{CompileError, ExternType, Module, Type};

use crate::api::bridge::values::type_name;
use crate::compile::pipeline::{self, compile_mode, reftype_precheck, size_check, Compilation, Mode, MODULE_SIZE_LIMIT};
use crate::runtime::engine::{self, Checks, Compiler};
use crate::runtime::state;
use crate::sys::napi_raw::{self, JsResult, TAG_MODULE};

/// A WebAssembly.Module's native data.
pub struct NativeModule {
  pub compiled: Compilation,
  /// What its code is reported to weigh in V8's external memory, while its JS object lives.
  charge: Charge,
}

impl std::ops::Deref for NativeModule {
  type Target = Compilation;
  fn deref(&self) -> &Compilation {
    &self.compiled
  }
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
      napi_raw::adjust_external_memory(env, -bytes);
    }
  }
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
  Ok(if crate::runtime::limits::watchdog::on_worker() { Checks::Stop } else { Checks::None })
}

fn compile_message(e: &CompileError) -> String {
  format!("WebAssembly.Module(): {e}")
}

fn module_object(env: napi_env, compiled: Compilation, wasm_len: usize) -> JsResult<napi_value> {
  let cost = Charge::cost(wasm_len);
  napi_raw::adjust_external_memory(env, cost);
  let module = NativeModule { compiled, charge: Charge::default() };
  module.charge.0.set(Some((env, cost)));
  let obj = napi_raw::object(env)?;
  napi_raw::wrap(env, obj, &TAG_MODULE, module)?;
  Ok(obj)
}

/// `validate(bytes, compiler)`
pub fn validate(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let compiler = compiler_arg(env, args[1])?;
  let valid = |b: &[u8]| Module::validate(&engine::store_engine(compiler), b).and_then(|_| reftype_precheck(b));
  let ok = napi_raw::with_uint8array(env, args[0], |bytes| {
    bytes.len() <= MODULE_SIZE_LIMIT
      && match valid(bytes) {
        Err(e) if crate::compile::non_null::refused(&e) => crate::compile::non_null::lower(bytes).is_some_and(|l| valid(&l).is_ok()),
        r => r.is_ok(),
      }
  })?;
  napi_raw::boolean(env, ok)
}

/// `compile(bytes, compiler)`: a module handle, or throws CompileError.
pub fn compile(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let mode = mode_arg(env, args[1])?;
  let checks = checks_arg(env, args.get(2).copied())?;
  let (compiled, len) = napi_raw::with_uint8array(env, args[0], |bytes| (compile_mode(mode, checks, bytes), bytes.len()))?;
  match compiled {
    Ok(m) => module_object(env, m, len),
    Err(e) => Err(state::throw_compile_error(env, &compile_message(&e))),
  }
}

struct CompileJob {
  bytes: Vec<u8>,
  len: usize,
  mode: Mode,
  checks: Checks,
  result: Option<Result<Compilation, CompileError>>,
}

/// On the libuv pool.
fn compile_execute(job: &mut CompileJob) {
  if job.result.is_none() {
    let bytes = std::mem::take(&mut job.bytes);
    job.result = Some(compile_mode(job.mode, job.checks, &bytes));
  }
}

/// Back on the JS thread: the module handle, or the CompileError to reject with.
fn compile_complete(env: napi_env, job: CompileJob) -> JsResult<Result<napi_value, napi_value>> {
  match job.result {
    Some(Ok(m)) => module_object(env, m, job.len).map(Ok),
    Some(Err(e)) => {
      let ctor = state::get(env, |s| s.compile_error)?;
      napi_raw::new_instance(env, ctor, &[napi_raw::string(env, &compile_message(&e))?]).map(Err)
    }
    None => Err(napi_raw::throw_error(env, "wasm-rt: compilation was cancelled")),
  }
}

/// `compileAsync(bytes, compiler)`: a promise of a module handle; compiles on the libuv pool so
/// the event loop keeps turning.
pub fn compile_async(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let mode = mode_arg(env, args[1])?;
  let checks = checks_arg(env, args.get(2).copied())?;
  // Over the size limit the bytes are not copied: the compile fails by their length.
  let (bytes, result) = napi_raw::with_uint8array(env, args[0], |slice| match size_check(slice) {
    Ok(()) => (slice.to_vec(), None),
    Err(e) => (Vec::new(), Some(Err(e))),
  })?;
  let job = CompileJob { len: bytes.len(), bytes, mode, checks, result };
  napi_raw::pool_promise(env, "WebAssembly.compile", job, compile_execute, compile_complete)
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
  let non_null = crate::compile::non_null::Positions::of(&m.module);
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
        let sig = crate::api::bridge::values::signature(f.params(), f.results());
        napi_raw::string(env, &crate::compile::non_null::mark_signature(&sig, non_null.import_function(m.module.info(), i)))?
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
  for exp in m.module.exports().filter(|e| !(checked && crate::runtime::limits::is_hidden(e.name()))) {
    let row = [napi_raw::string(env, exp.name())?, napi_raw::string(env, kind(exp.ty()))?];
    rows.push(napi_raw::array_of(env, &row)?);
  }
  napi_raw::array_of(env, &rows)
}

/// `moduleSerialize(module, wasmBytes)` → Uint8Array (see cache::serialize).
pub fn serialize(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let nm = unwrap_module(env, args[0])?;
  let wasm = napi_raw::uint8array_bytes(env, args[1])?;
  let bytes = crate::compile::cache::serialize(nm.compiler, nm.checks, &wasm, &nm.module)
    .map_err(|e| napi_raw::throw_error(env, &format!("wasm-rt serialize(): {e}")))?;
  napi_raw::uint8array(env, &bytes)
}

/// `moduleDeserialize(bytes)` → `[module handle, wasm bytes]`; a TypeError for bytes that fail
/// the checks.
pub fn deserialize(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let data = napi_raw::uint8array_bytes(env, args[0])?;
  let (compiler, checks, wasm, module) = crate::compile::cache::deserialize_checked(&data).map_err(|e| napi_raw::throw_type_error(env, &e))?;
  let module = pipeline::share_deserialized(compiler, checks, &wasm, module);
  // No leaves: they would be read from the blob's wasm bytes rather than from what compiled it.
  let handle = module_object(env, Compilation { module, compiler, checks, tiered: None, leaves: Default::default() }, wasm.len())?;
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
