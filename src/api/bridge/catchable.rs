//! JS exceptions that wasm can catch. wasmer raises an exception that a host function returns
//! with the system unwinder, which has to walk every frame up to the wasm function that catches
//! it; on Linux the trampoline wasmer puts in front of a dynamic host function has no unwind
//! info, so the search stops there and the exception is never caught (and when such a function
//! is called straight from the host, the search reaches Rust frames, and Rust aborts the process
//! on a foreign exception: so a host function never returns one). The JS imports of a module
//! that handles exceptions are therefore linked through small wasm functions, all in one wrapper
//! instance per instantiation (one wrapper module per list of import types, compiled once and
//! kept in the code cache): each calls
//! its host function and, when the host left an exception for it (`take`), throws it with
//! `throw_ref` from wasm code the unwinder can walk.
//!
//! A module handles exceptions if it defines or imports a tag, or (a `catch_all` needs no tag)
//! if its code has a catch; such code is compiled by cranelift only, so that scan runs on
//! cranelift's compiles alone, and leaves a marker section that the code cache keeps.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use wasmer::{Exception, Function, FunctionType, Imports, Instance, StoreMut, Type, Value};

use crate::runtime::engine::Compiled;
use crate::sys::js_thread::JsThread;

/// Where the host functions of one instance leave an exception for the wrapper to throw. The
/// wrapper takes it through a host function of its own, `take`: wasm code, not the host, moves
/// the exnref (a global the host wrote was read stale after the first throw on some builds).
#[derive(Default)]
pub struct Pending {
  exception: RefCell<Option<Exception>>,
  linked: Cell<bool>,
}

pub type Thrown = Rc<Pending>;

impl Pending {
  /// Whether the wrapper is in place, so that a left exception is thrown.
  pub fn linked(&self) -> bool {
    self.linked.get()
  }
}

thread_local! {
  static WRAPPERS: RefCell<HashMap<Vec<FunctionType>, Arc<Compiled>>> = RefCell::new(HashMap::new());
}

fn wrapper_text(types: &[FunctionType]) -> String {
  let list = |kind: &str, types: &[Type]| types.iter().map(|t| format!("({kind} {})", crate::api::bridge::values::type_name(*t))).collect::<Vec<_>>().join(" ");
  let mut text = String::from("(module\n");
  for (i, ty) in types.iter().enumerate() {
    text.push_str(&format!("  (import \"\" \"{i}\" (func {} {}))\n", list("param", ty.params()), list("result", ty.results())));
  }
  text.push_str("  (import \"\" \"take\" (func $take (result exnref)))\n");
  for (i, ty) in types.iter().enumerate() {
    let args: String = (0..ty.params().len()).map(|p| format!("(local.get {p}) ")).collect();
    text.push_str(&format!(
      "  (func (export \"{i}\") {} {} (local $e exnref)\n    {args}(call {i})\n    (local.set $e (call $take))\n    (block $none\n      (br_if $none (ref.is_null (local.get $e)))\n      (throw_ref (local.get $e))))\n",
      list("param", ty.params()),
      list("result", ty.results())
    ));
  }
  text.push(')');
  text
}

fn wrapper_module(types: &[FunctionType]) -> Result<Arc<Compiled>, String> {
  if let Some(m) = WRAPPERS.with(|w| w.borrow().get(types).cloned()) {
    return Ok(m);
  }
  let bytes = wat::parse_str(wrapper_text(types)).map_err(|e| e.to_string())?;
  let m = crate::compile::pipeline::compile_internal(&bytes).map_err(|e| e.to_string())?;
  WRAPPERS.with(|w| w.borrow_mut().insert(types.to_vec(), m.clone()));
  Ok(m)
}

/// The functions to link in place of `hosts`, in order; their exceptions are left in `thrown`.
pub fn wrap(store: &mut StoreMut<'_>, hosts: &[(Function, FunctionType)], thrown: &Thrown) -> Result<Vec<Function>, String> {
  let types: Vec<FunctionType> = hosts.iter().map(|(_, t)| t.clone()).collect();
  let module = wrapper_module(&types)?;
  module.register(store);
  let mut imports = Imports::new();
  for (i, (f, _)) in hosts.iter().enumerate() {
    imports.define("", &i.to_string(), f.clone());
  }
  let pending = JsThread::new(thrown.clone());
  let take = Function::new(store, FunctionType::new([], [Type::ExceptionRef]), move |_| Ok(vec![Value::ExceptionRef(pending.exception.borrow_mut().take())]));
  imports.define("", "take", take);
  let instance = Instance::new(store, &module, &imports).map_err(|e| e.to_string())?;
  thrown.linked.set(true);
  // The exports in the order the wrapper defines them: each host function's.
  Ok(instance.exports.iter().filter_map(|(_, e)| if let wasmer::Extern::Function(f) = e { Some(f.clone()) } else { None }).collect())
}

/// Leaves `exn` for the wrapper to throw; the host function then returns these placeholder
/// results, which the wrapper never lets wasm see.
pub fn leave(thrown: &Pending, exn: Exception, results: &[Type]) -> Vec<Value> {
  *thrown.exception.borrow_mut() = Some(exn);
  results.iter().map(placeholder).collect()
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
