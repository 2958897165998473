//! WebAssembly.Table's engine side. A table made in JS starts in a lone group and moves into the
//! first group that links it or stores one of its functions in it (see group.rs).

use std::rc::Rc;

use napi::sys::{napi_env, napi_value};
use wasmer::{StoreMut, Table, TableType, Type, Value};

use crate::api::bridge::{func_data, values};
use crate::runtime::engine::Compiler;
use crate::runtime::group::{self, Group, Home, Placed, Standing};
use crate::runtime::identity::{self, Key, Tracked};
use crate::runtime::state;
use crate::sys::napi_raw::{self, JsResult, TAG_TABLE};

pub struct TableData {
  place: Placed<Table>,
  id: Tracked,
}

pub fn data_of(env: napi_env, v: napi_value) -> Option<Rc<TableData>> {
  napi_raw::unwrap::<TableData>(env, v, &TAG_TABLE)
}

fn this_table(env: napi_env, v: napi_value) -> JsResult<Rc<TableData>> {
  data_of(env, v).ok_or_else(|| napi_raw::throw_type_error(env, "Receiver is not a WebAssembly.Table"))
}

fn attach(env: napi_env, obj: napi_value, group: Rc<Group>, store: &mut StoreMut<'_>, table: Table) -> JsResult<()> {
  let key = group::key_of(store, table.clone());
  if table.ty(store).ty == Type::ExternRef {
    group.anchor_kept_by(obj)?;
  }
  napi_raw::wrap(env, obj, &TAG_TABLE, TableData { place: Placed::new(group, table), id: Tracked::new(env, key) })?;
  identity::remember(env, key, obj)
}

fn element_type(env: napi_env, v: napi_value) -> JsResult<Type> {
  match napi_raw::get_string(env, v)?.as_str() {
    "funcref" => Ok(Type::FuncRef),
    "externref" => Ok(Type::ExternRef),
    other => Err(napi_raw::throw_type_error(env, &format!("wasm-rt: unsupported table element type {other}"))),
  }
}

fn range_error(env: napi_env, what: &str) -> crate::sys::napi_raw::Pending {
  napi_raw::throw_range_error(env, what)
}

/// `tableNew(table, element, initial, maximum | undefined, value)`; `value` already defaulted.
pub fn create(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let ty = element_type(env, args[1])?;
  let initial = napi_raw::get_f64(env, args[2])? as u32;
  let maximum = match napi_raw::type_of(env, args[3])? {
    napi::sys::ValueType::napi_undefined => None,
    _ => Some(napi_raw::get_f64(env, args[3])? as u32),
  };
  let coerced = values::coerce(env, ty, args[4])?;
  let group = func_data::group_of(env, coerced).unwrap_or_else(|| Group::new(env, Compiler::Cranelift));
  let obj = args[0];
  let made = group.enter(|store| {
    let init = values::from_js(env, &group, store, ty, coerced)?;
    let table = Table::new(store, TableType::new(ty, initial, maximum), init)
      .map_err(|e| range_error(env, &format!("WebAssembly.Table(): could not allocate the table: {e}")))?;
    attach(env, obj, group.clone(), store, table)
  });
  made.map(|_| napi_raw::undefined(env))
}

/// Moves a lone table into `target` (copying its elements), so that it can be linked there or
/// hold a function of `target`. LinkError/TypeError if it already lives in another instance group.
pub fn settle(env: napi_env, t: &TableData, target: &Rc<Group>, target_store: Option<&mut StoreMut<'_>>) -> JsResult<Table> {
  let Home { group, ext } = match t.place.before_link(env, target)? {
    Standing::Linked(table) => return Ok(table),
    Standing::Lone(home) => home,
  };
  let (ty, items) = group.enter(|store| {
    // The type keeps the minimum the table was made with; the copy needs its current length.
    let mut ty = ext.ty(store);
    ty.minimum = ext.size(store);
    let mut items = Vec::with_capacity(ext.size(store) as usize);
    for i in 0..ext.size(store) {
      let v = ext.get(store, i).unwrap_or(Value::FuncRef(None));
      items.push(values::to_js(env, &group, store, &v)?);
    }
    Ok((ty, items))
  })?;
  let build = |store: &mut StoreMut<'_>| -> JsResult<(Table, Key)> {
    let null = if ty.ty == Type::FuncRef { Value::FuncRef(None) } else { Value::ExternRef(None) };
    let table = Table::new(store, ty, null).map_err(|e| range_error(env, &format!("wasm-rt: could not move the table: {e}")))?;
    for (i, v) in items.iter().enumerate() {
      let value = values::from_js(env, target, store, ty.ty, *v)?;
      table.set(store, i as u32, value).map_err(|e| range_error(env, &e.message()))?;
    }
    let key = group::key_of(store, table.clone());
    Ok((table, key))
  };
  let (table, key) = match target_store {
    Some(store) => build(store)?,
    None => target.enter(build)?,
  };
  t.id.rekey(key);
  t.place.move_to(Home { group: target.clone(), ext: table.clone() });
  if let (Type::ExternRef, Some(obj)) = (ty.ty, identity::lookup(env, key)) {
    target.anchor_kept_by(obj)?;
  }
  Ok(table)
}

/// `tableElement(table)` → "funcref" or "externref".
pub fn element(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let t = this_table(env, args[0])?;
  let ty = t.place.enter(|_, table, store| Ok(table.ty(store).ty))?;
  napi_raw::string(env, crate::api::bridge::values::type_name(ty))
}

/// `isWasmFunction(v)`: whether `v` is an exported wasm function (a funcref value).
pub fn is_wasm_function(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  napi_raw::boolean(env, func_data::data_of(env, args[0]).is_some())
}

/// `tableLength(table)`
pub fn length(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let t = this_table(env, args[0])?;
  let n = t.place.enter(|_, table, store| Ok(table.size(store)))?;
  napi_raw::uint32(env, n)
}

/// `tableGet(table, index)`
pub fn get(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let t = this_table(env, args[0])?;
  let index = napi_raw::get_f64(env, args[1])? as u32;
  t.place.enter(|group, table, store| {
    let v = table.get(store, index).ok_or_else(|| range_error(env, "WebAssembly.Table.get(): invalid address"))?;
    values::to_js(env, group, store, &v)
  })
}

/// `v` coerced for `t`'s element type. A function of another group draws a lone table there
/// before it can be stored.
fn element_arg(env: napi_env, t: &TableData, v: napi_value) -> JsResult<(Type, napi_value)> {
  let ty = t.place.enter(|_, table, store| Ok(table.ty(store).ty))?;
  let v = values::coerce(env, ty, v)?;
  if let Some(g) = t.place.drawn_by(func_data::group_of(env, v)) {
    settle(env, t, &g, None)?;
  }
  Ok((ty, v))
}

/// `tableSet(table, index, value)`; `value` already defaulted.
pub fn set(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let t = this_table(env, args[0])?;
  let index = napi_raw::get_f64(env, args[1])? as u32;
  let (ty, v) = element_arg(env, &t, args[2])?;
  t.place.enter(|group, table, store| {
    if index >= table.size(store) {
      return Err(range_error(env, "WebAssembly.Table.set(): invalid address"));
    }
    let value = values::from_js(env, group, store, ty, v)?;
    table.set(store, index, value).map_err(|e| range_error(env, &e.message()))
  })?;
  Ok(napi_raw::undefined(env))
}

/// `tableGrow(table, delta, value)`: the old length; RangeError past the maximum.
pub fn grow(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let t = this_table(env, args[0])?;
  let delta = napi_raw::get_f64(env, args[1])? as u32;
  let (ty, v) = element_arg(env, &t, args[2])?;
  let old = t.place.enter(|group, table, store| {
    let value = values::from_js(env, group, store, ty, v)?;
    table.grow(store, delta, value).map_err(|_| range_error(env, "WebAssembly.Table.grow(): failed to grow table"))
  })?;
  napi_raw::uint32(env, old)
}

/// The instance group a table import ties the instance to, if any.
pub fn home_group(env: napi_env, v: napi_value) -> Option<Rc<Group>> {
  data_of(env, v)?.place.linked_group()
}

/// The JS object for a table an instance exports.
pub fn exported(env: napi_env, group: &Rc<Group>, store: &mut StoreMut<'_>, table: Table) -> JsResult<napi_value> {
  if let Some(obj) = identity::lookup(env, group::key_of(store, table.clone())) {
    return Ok(obj);
  }
  let obj = napi_raw::call(env, napi_raw::undefined(env), state::get(env, |s| s.make_table)?, &[])?;
  attach(env, obj, group.clone(), store, table)?;
  Ok(obj)
}
