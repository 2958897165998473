//! WebAssembly.Tag's engine side, and exceptions crossing between wasm and JS.
//!
//! A tag made in JS starts in a lone group and moves into the first group that links it (see
//! group.rs). `WebAssembly.JSTag` is special: every group has its own wasmer tag for it, made on
//! first use, and all of them map to the one JSTag object.
//!
//! A wasm exception that leaves wasm becomes a `WebAssembly.Exception` (the same object each time
//! the same exception leaves). A JS exception thrown by an import becomes a wasm exception that
//! wasm's catch clauses see: a `WebAssembly.Exception` with its own tag and payload, any other
//! value under JSTag; either comes out of wasm as the value that was thrown.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use napi::sys::{napi_env, napi_ref, napi_value};
use wasmer::{AsStoreMut, Exception, StoreMut, Tag, Type, Value};

use crate::api::bridge::values;
use crate::api::bridge::values::{signature, type_code_parse};
use crate::runtime::engine::Compiler;
use crate::runtime::group::{self, Group, Home, Placed, Standing};
use crate::runtime::identity::{self, Tracked};
use crate::runtime::state;
use crate::sys::napi_raw::{self, JsResult, TAG_TAG};

pub struct TagData {
  /// None for JSTag, which lives in every group.
  place: Option<Placed<Tag>>,
  params: Box<[Type]>,
  /// None for JSTag, which has no store slot.
  id: Option<Tracked>,
}

pub fn data_of(env: napi_env, v: napi_value) -> Option<Rc<TagData>> {
  napi_raw::unwrap::<TagData>(env, v, &TAG_TAG)
}

fn this_tag(env: napi_env, v: napi_value) -> JsResult<Rc<TagData>> {
  data_of(env, v).ok_or_else(|| napi_raw::throw_type_error(env, "Argument must be a WebAssembly.Tag"))
}

fn attach(env: napi_env, obj: napi_value, group: Rc<Group>, store: &mut StoreMut<'_>, tag: Tag) -> JsResult<()> {
  let key = group::key_of(store, tag.clone());
  let params = tag.ty(store).params.clone();
  napi_raw::wrap(env, obj, &TAG_TAG, TagData { place: Some(Placed::new(group, tag)), params, id: Some(Tracked::new(env, key)) })?;
  identity::remember(env, key, obj)
}

fn parse_signature(env: napi_env, v: napi_value) -> JsResult<Vec<Type>> {
  napi_raw::get_string(env, v)?.chars().map(|c| type_code_parse(c).ok_or_else(|| napi_raw::throw_type_error(env, "wasm-rt: bad tag signature"))).collect()
}

/// `tagNew(tag, params)`: `params` in values.rs's signature letters.
pub fn create(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let params = parse_signature(env, args[1])?;
  let group = Group::new(env, Compiler::Cranelift);
  group.enter(|store| {
    let tag = Tag::new(store, params);
    attach(env, args[0], group.clone(), store, tag)
  })?;
  Ok(napi_raw::undefined(env))
}

/// `tagNewJS(tag)`: makes `tag` the JSTag.
pub fn create_js_tag(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  napi_raw::wrap(env, args[0], &TAG_TAG, TagData { place: None, params: Box::new([Type::ExternRef]), id: None })?;
  JS_TAG.with(|t| t.set(napi_raw::create_ref(env, args[0], 1)?).map_err(|_| napi_raw::throw_error(env, "wasm-rt: JSTag made twice")))?;
  Ok(napi_raw::undefined(env))
}

/// `tagParams(tag)` → the parameter types in signature letters.
pub fn params(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let t = this_tag(env, args[0])?;
  let sig = signature(&t.params, &[]);
  napi_raw::string(env, sig.trim_end_matches(':'))
}

thread_local! {
  static JS_TAG: std::cell::OnceCell<napi_ref> = const { std::cell::OnceCell::new() };
  /// Per store: the wasmer tag standing for JSTag.
  static JS_TAGS: RefCell<HashMap<u64, Tag>> = RefCell::new(HashMap::new());
  /// The JS object of each wasm exception that left wasm, so that it is the same next time.
  static FROM_JS: RefCell<HashMap<(u64, usize), napi_ref>> = RefCell::new(HashMap::new());
}

fn store_id(store: &mut StoreMut<'_>) -> u64 {
  store.objects_mut().id().as_raw().get() as u64
}

/// The wasmer tag that stands for JSTag in `store`.
fn js_tag_in(store: &mut StoreMut<'_>) -> Tag {
  let id = store_id(store);
  if let Some(t) = JS_TAGS.with(|m| m.borrow().get(&id).cloned()) {
    return t;
  }
  let t = Tag::new(store, vec![Type::ExternRef]);
  JS_TAGS.with(|m| m.borrow_mut().insert(id, t.clone()));
  t
}

/// Forgets what a dropped store's exceptions and JSTag mapped to.
pub fn store_dropped(env: napi_env, id: u64) {
  // try_with: a store dropped while the thread ends finds these maps gone (see reclaim.rs).
  let _ = JS_TAGS.try_with(|m| m.borrow_mut().remove(&id));
  let gone: Vec<napi_ref> = FROM_JS
    .try_with(|m| {
      let mut m = m.borrow_mut();
      let keys: Vec<_> = m.keys().filter(|k| k.0 == id).copied().collect();
      keys.iter().filter_map(|k| m.remove(k)).collect()
    })
    .unwrap_or_default();
  for r in gone {
    napi_raw::delete_ref(env, r);
  }
}

fn js_tag_object(env: napi_env) -> JsResult<napi_value> {
  JS_TAG.with(|t| t.get().and_then(|r| napi_raw::ref_value(env, *r))).ok_or_else(|| napi_raw::throw_error(env, "wasm-rt: JSTag missing"))
}

/// The tag to link into `target`, moving a lone one there; LinkError if it lives in another
/// instance group.
pub fn settle(env: napi_env, t: &TagData, target: &Rc<Group>, store: &mut StoreMut<'_>) -> JsResult<Tag> {
  let Some(place) = &t.place else { return Ok(js_tag_in(store)) };
  if let Standing::Linked(tag) = place.before_link(env, target)? {
    return Ok(tag);
  }
  let tag = Tag::new(store, t.params.clone());
  let key = group::key_of(store, tag.clone());
  if let Some(id) = &t.id {
    id.rekey(key);
  }
  place.move_to(Home { group: target.clone(), ext: tag.clone() });
  Ok(tag)
}

pub fn home_group(env: napi_env, v: napi_value) -> Option<Rc<Group>> {
  data_of(env, v)?.place.as_ref()?.linked_group()
}

/// The JS object for a tag an instance exports (or an exception carries).
pub fn exported(env: napi_env, group: &Rc<Group>, store: &mut StoreMut<'_>, tag: Tag) -> JsResult<napi_value> {
  if js_tag_in_store(store).as_ref() == Some(&tag) {
    return js_tag_object(env);
  }
  if let Some(obj) = identity::lookup(env, group::key_of(store, tag.clone())) {
    return Ok(obj);
  }
  let obj = napi_raw::call(env, napi_raw::undefined(env), state::get(env, |s| s.make_tag)?, &[])?;
  attach(env, obj, group.clone(), store, tag)?;
  Ok(obj)
}

fn js_tag_in_store(store: &mut StoreMut<'_>) -> Option<Tag> {
  let id = store_id(store);
  JS_TAGS.with(|m| m.borrow().get(&id).cloned())
}

fn exn_key(store: &mut StoreMut<'_>, e: &Exception) -> (u64, usize) {
  (store_id(store), crate::sys::vm::exnref_slot(e) as usize)
}

/// The wasm exception an import's throw of `value` raises in `store`: a `WebAssembly.Exception`
/// with its own tag and payload, any other value as JSTag's externref. None when it cannot be
/// carried in this store (its tag, or a function in its payload, belongs to another instance
/// group); the caller then carries the value as a trap.
pub fn exception_from_js(env: napi_env, group: &Rc<Group>, store: &mut StoreMut<'_>, value: napi_value) -> Option<Exception> {
  let mut build = || -> JsResult<Option<Exception>> {
    let parts = napi_raw::call(env, napi_raw::undefined(env), state::get(env, |s| s.exception_parts)?, &[value])?;
    if napi_raw::type_of(env, parts)? == napi::sys::ValueType::napi_undefined {
      let tag = js_tag_in(store);
      let payload = values::from_js(env, group, store, Type::ExternRef, value)?;
      return Ok(Some(Exception::new(store, &tag, &[payload])));
    }
    let Some(t) = data_of(env, napi_raw::get_element(env, parts, 0)?) else { return Ok(None) };
    if t.place.as_ref().and_then(|p| p.linked_group()).is_some_and(|g| !Rc::ptr_eq(&g, group)) {
      return Ok(None);
    }
    let tag = settle(env, &t, group, store)?;
    let items = napi_raw::get_element(env, parts, 1)?;
    let mut payload = Vec::with_capacity(t.params.len());
    for (i, ty) in t.params.iter().enumerate() {
      payload.push(values::from_js(env, group, store, *ty, napi_raw::get_element(env, items, i as u32)?)?);
    }
    let exn = Exception::new(store, &tag, &payload);
    // The exception comes out of wasm as this same object.
    let r = napi_raw::create_ref(env, value, 0)?;
    if let Some(old) = FROM_JS.with(|m| m.borrow_mut().insert(exn_key(store, &exn), r)) {
      napi_raw::delete_ref(env, old);
    }
    Ok(Some(exn))
  };
  build().unwrap_or_else(|_| {
    napi_raw::take_error(env);
    None
  })
}

/// The JS value for a wasm exception that left wasm: the original JS value for JSTag, the
/// original `WebAssembly.Exception` if it came from JS, else a new one.
pub fn exception_to_js(env: napi_env, group: &Rc<Group>, store: &mut StoreMut<'_>, exn: Exception) -> JsResult<napi_value> {
  let tag = exn.tag(store);
  let payload = exn.payload(store);
  if js_tag_in_store(store).as_ref() == Some(&tag) {
    return match payload.first() {
      Some(v) => values::to_js(env, group, store, v),
      None => Ok(napi_raw::undefined(env)),
    };
  }
  let key = exn_key(store, &exn);
  if let Some(obj) = FROM_JS.with(|m| m.borrow().get(&key).copied()).and_then(|r| napi_raw::ref_value(env, r)) {
    return Ok(obj);
  }
  let tag_obj = exported(env, group, store, tag)?;
  let mut items = Vec::with_capacity(payload.len());
  for v in &payload {
    items.push(match v {
      Value::V128(_) | Value::ExceptionRef(_) => napi_raw::undefined(env),
      v => values::to_js(env, group, store, v)?,
    });
  }
  let make = state::get(env, |s| s.make_exception)?;
  let obj = napi_raw::call(env, napi_raw::undefined(env), make, &[tag_obj, napi_raw::array_of(env, &items)?])?;
  let r = napi_raw::create_ref(env, obj, 0)?;
  if let Some(old) = FROM_JS.with(|m| m.borrow_mut().insert(key, r)) {
    napi_raw::delete_ref(env, old);
  }
  Ok(obj)
}
