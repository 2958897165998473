//! JS exceptions that wasm can catch. wasmer raises an exception that a host function returns
//! with the system unwinder, which has to walk every frame up to the wasm function that catches
//! it; on Linux the trampoline wasmer puts in front of a dynamic host function has no unwind
//! info, so the search stops there and the exception is never caught (and when such a function
//! is called straight from the host, the search reaches Rust frames, and Rust aborts the process
//! on a foreign exception: so a host function never returns one). An import of a module
//! that handles exceptions is therefore linked through a tiny wasm function, one compiled module
//! per signature: it calls the host function and, when the host left an exception in its
//! global, throws it with `throw_ref` from wasm code the unwinder can walk.
//!
//! A module handles exceptions if it defines or imports a tag, or (a `catch_all` needs no tag)
//! if its code has a catch; such code is compiled by cranelift only, so that scan runs on
//! cranelift's compiles alone, and leaves a marker section that the code cache keeps.

use std::cell::RefCell;
use std::collections::HashMap;

use wasmer::{imports, Exception, Function, FunctionType, Global, Instance, Module, StoreMut, Type, Value};

use crate::engine::{self, Compiler};

/// The custom section that marks a module without tags whose code catches. JS reads custom
/// sections from the module's own bytes, so it never sees this one.
const MARKER: &str = "wasm-rt:catches";

/// Whether the JS imports of `module`'s instances must be linked through the wrapper.
pub fn needed(module: &Module) -> bool {
  !module.info().tags.is_empty() || module.custom_sections(MARKER).next().is_some()
}

/// `bytes` with the marker appended, for a module with no tag whose code has a catch.
pub fn mark(bytes: &[u8]) -> Option<Vec<u8>> {
  use wasmer_compiler::wasmparser::{Operator, Parser, Payload, TypeRef};
  let mut catches = false;
  for payload in Parser::new(0).parse_all(bytes) {
    match payload.ok()? {
      Payload::TagSection(_) => return None,
      Payload::ImportSection(reader) => {
        if reader.into_imports().flatten().any(|i| matches!(i.ty, TypeRef::Tag(_))) {
          return None;
        }
      }
      Payload::CodeSectionEntry(body) => {
        let mut ops = body.get_operators_reader().ok()?;
        while !ops.eof() {
          if matches!(ops.read().ok()?, Operator::TryTable { .. } | Operator::Try { .. } | Operator::CatchAll | Operator::Catch { .. }) {
            catches = true;
            break;
          }
        }
        if catches {
          break;
        }
      }
      _ => {}
    }
  }
  if !catches {
    return None;
  }
  let mut out = bytes.to_vec();
  out.extend_from_slice(&[0, 1 + MARKER.len() as u8, MARKER.len() as u8]);
  out.extend_from_slice(MARKER.as_bytes());
  Some(out)
}

thread_local! {
  static WRAPPERS: RefCell<HashMap<FunctionType, Module>> = RefCell::new(HashMap::new());
}

fn wrapper_text(ty: &FunctionType) -> String {
  let list = |kind: &str, types: &[Type]| types.iter().map(|t| format!("({kind} {})", crate::module::type_name(*t))).collect::<Vec<_>>().join(" ");
  let (params, results) = (list("param", ty.params()), list("result", ty.results()));
  let args: String = (0..ty.params().len()).map(|i| format!("(local.get {i}) ")).collect();
  format!(
    r#"(module
  (import "" "host" (func $host {params} {results}))
  (global $thrown (export "thrown") (mut exnref) (ref.null exn))
  (func (export "call") {params} {results}
    {args}(call $host)
    (block $none
      (br_if $none (ref.is_null (global.get $thrown)))
      (global.get $thrown)
      (global.set $thrown (ref.null exn))
      (throw_ref))))"#
  )
}

fn wrapper_module(ty: &FunctionType) -> Result<Module, String> {
  if let Some(m) = WRAPPERS.with(|w| w.borrow().get(ty).cloned()) {
    return Ok(m);
  }
  let bytes = wat::parse_str(wrapper_text(ty)).map_err(|e| e.to_string())?;
  let m = Module::new(&engine::engine(Compiler::Cranelift), bytes).map_err(|e| e.to_string())?;
  WRAPPERS.with(|w| w.borrow_mut().insert(ty.clone(), m.clone()));
  Ok(m)
}

/// The function to link in place of `host`, and the global its exceptions go to.
pub fn wrap(store: &mut StoreMut<'_>, host: Function, ty: &FunctionType) -> Result<(Function, Global), String> {
  let module = wrapper_module(ty)?;
  let instance = Instance::new(store, &module, &imports! { "" => { "host" => host } }).map_err(|e| e.to_string())?;
  let call = instance.exports.get_function("call").map_err(|e| e.to_string())?.clone();
  let thrown = instance.exports.get_global("thrown").map_err(|e| e.to_string())?.clone();
  Ok((call, thrown))
}

/// Leaves `exn` for the wrapper to throw; the host function then returns these placeholder
/// results, which the wrapper never lets wasm see.
pub fn leave(store: &mut StoreMut<'_>, thrown: &Global, exn: Exception, results: &[Type]) -> Result<Vec<Value>, String> {
  thrown.set(store, Value::ExceptionRef(Some(exn))).map_err(|e| e.to_string())?;
  Ok(results.iter().map(placeholder).collect())
}

fn placeholder(t: &Type) -> Value {
  match t {
    Type::I32 => Value::I32(0),
    Type::I64 => Value::I64(0),
    Type::F32 => Value::F32(0.0),
    Type::F64 => Value::F64(0.0),
    Type::V128 => Value::V128(0),
    Type::ExternRef => Value::ExternRef(None),
    Type::FuncRef => Value::FuncRef(None),
    Type::ExceptionRef => Value::ExceptionRef(None),
  }
}
