//! WebAssembly.Global's engine side. A global made in JS starts in a lone group and moves into
//! the first group that links it (see group.rs); one holding a wasm function starts in its group.

use std::rc::Rc;

use napi::sys::{napi_env, napi_value};
use wasmer::{Global, Mutability, StoreMut, Type};

use crate::api::bridge::func_data;
use crate::api::bridge::values;
use crate::api::bridge::values::type_name;
use crate::runtime::engine::Compiler;
use crate::runtime::group::{self, Group, Home, Placed, Standing};
use crate::runtime::identity::{self, Key, Tracked};
use crate::runtime::state;
use crate::sys::napi_raw::{self, JsResult, TAG_GLOBAL};

pub struct GlobalData {
  place: Placed<Global>,
  id: Tracked,
}

pub fn data_of(env: napi_env, v: napi_value) -> Option<Rc<GlobalData>> {
  napi_raw::unwrap::<GlobalData>(env, v, &TAG_GLOBAL)
}

fn this_global(env: napi_env, v: napi_value) -> JsResult<Rc<GlobalData>> {
  data_of(env, v).ok_or_else(|| napi_raw::throw_type_error(env, "Receiver is not a WebAssembly.Global"))
}

fn attach(env: napi_env, obj: napi_value, group: Rc<Group>, store: &mut StoreMut<'_>, global: Global) -> JsResult<()> {
  let key = group::key_of(store, global.clone());
  if global.ty(store).ty == Type::ExternRef {
    group.anchor_kept_by(obj)?;
  }
  napi_raw::wrap(env, obj, &TAG_GLOBAL, GlobalData { place: Placed::new(group, global), id: Tracked::new(env, key) })?;
  identity::remember(env, key, obj)
}

pub fn parse_type(env: napi_env, v: napi_value) -> JsResult<Type> {
  match napi_raw::get_string(env, v)?.as_str() {
    "i32" => Ok(Type::I32),
    "i64" => Ok(Type::I64),
    "f32" => Ok(Type::F32),
    "f64" => Ok(Type::F64),
    "v128" => Ok(Type::V128),
    "externref" => Ok(Type::ExternRef),
    "funcref" | "anyfunc" => Ok(Type::FuncRef),
    other => Err(napi_raw::throw_type_error(env, &format!("WebAssembly.Global(): unknown value type {other}"))),
  }
}

fn make(store: &mut StoreMut<'_>, value: wasmer::Value, mutable: bool) -> Global {
  if mutable {
    Global::new_mut(store, value)
  } else {
    Global::new(store, value)
  }
}

/// `globalNew(global, type, mutable, value)`: `value` is already converted by lib/global.js
/// (ToWebAssemblyValue's JS part, or the type's default).
pub fn create(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let ty = parse_type(env, args[1])?;
  let mutable = napi_raw::get_bool(env, args[2])?;
  let v = values::coerce(env, ty, args[3])?;
  let group = func_data::group_of(env, v).unwrap_or_else(|| Group::new(env, Compiler::Cranelift));
  let obj = args[0];
  group.enter(|store| {
    let value = values::from_js(env, &group, store, ty, v)?;
    let global = make(store, value, mutable);
    attach(env, obj, group.clone(), store, global)
  })?;
  Ok(napi_raw::undefined(env))
}

/// `globalType(global)` → `[type, mutable]`, what lib/global.js needs to convert and check.
pub fn describe(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let g = this_global(env, args[0])?;
  let ty = g.place.enter(|_, global, store| Ok(global.ty(store)))?;
  napi_raw::array_of(env, &[napi_raw::string(env, type_name(ty.ty))?, napi_raw::boolean(env, ty.mutability == Mutability::Var)?])
}

/// `globalGet(global)`
pub fn get(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let g = this_global(env, args[0])?;
  g.place.enter(|group, global, store| {
    let v = global.get(store);
    values::to_js(env, group, store, &v)
  })
}

/// `globalSet(global, value)`: mutability is checked by lib/global.js.
pub fn set(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let g = this_global(env, args[0])?;
  let ty = g.place.enter(|_, global, store| Ok(global.ty(store).ty))?;
  let v = values::coerce(env, ty, args[1])?;
  if let Some(fg) = g.place.drawn_by(func_data::group_of(env, v)) {
    settle(env, &g, &fg, None)?;
  }
  g.place.enter(|group, global, store| {
    let value = values::from_js(env, group, store, ty, v)?;
    global.set(store, value).map_err(|e| napi_raw::throw_type_error(env, &e.message()))
  })?;
  Ok(napi_raw::undefined(env))
}

/// Moves a lone global into `target`; LinkError if it already lives in another instance group.
pub fn settle(env: napi_env, g: &GlobalData, target: &Rc<Group>, target_store: Option<&mut StoreMut<'_>>) -> JsResult<Global> {
  let Home { group, ext } = match g.place.before_link(env, target)? {
    Standing::Linked(global) => return Ok(global),
    Standing::Lone(home) => home,
  };
  let (ty, value) = group.enter(|store| {
    let ty = ext.ty(store);
    let v = ext.get(store);
    Ok((ty, values::to_js(env, &group, store, &v)?))
  })?;
  let build = |store: &mut StoreMut<'_>| -> JsResult<(Global, Key)> {
    let value = values::from_js(env, target, store, ty.ty, value)?;
    let global = make(store, value, ty.mutability == Mutability::Var);
    let key = group::key_of(store, global.clone());
    Ok((global, key))
  };
  let (global, key) = match target_store {
    Some(store) => build(store)?,
    None => target.enter(build)?,
  };
  g.id.rekey(key);
  g.place.move_to(Home { group: target.clone(), ext: global.clone() });
  if let (Type::ExternRef, Some(obj)) = (ty.ty, identity::lookup(env, key)) {
    target.anchor_kept_by(obj)?;
  }
  Ok(global)
}

pub fn home_group(env: napi_env, v: napi_value) -> Option<Rc<Group>> {
  data_of(env, v)?.place.linked_group()
}

/// The JS object for a global an instance exports.
pub fn exported(env: napi_env, group: &Rc<Group>, store: &mut StoreMut<'_>, global: Global) -> JsResult<napi_value> {
  if let Some(obj) = identity::lookup(env, group::key_of(store, global.clone())) {
    return Ok(obj);
  }
  let obj = napi_raw::call(env, napi_raw::undefined(env), state::get(env, |s| s.make_global)?, &[])?;
  attach(env, obj, group.clone(), store, global)?;
  Ok(obj)
}
