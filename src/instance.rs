//! WebAssembly.Instance's engine side: linking the resolved imports into a link group and
//! returning the exports. Import *resolution* (the spec's lookups and their errors) happens in
//! lib/instance.js; this receives one value per import, in module order.

use std::rc::Rc;

use napi::sys::{napi_env, napi_value};
use wasmer::{Extern, ExternType, Global, Instance, InstantiationError, Module, Type};
use wasmer_types::ExportIndex;

use crate::bridge::{errors, exported, host, values};
use crate::engine::TABLE_SIZE_LIMIT;
use crate::{global, memory, table, tag};
use crate::group::Group;
use crate::module::unwrap_module;
use crate::napi_raw::{self, JsResult, TAG_INSTANCE};
use crate::state;

/// The group the new instance joins, and the compiled module to instantiate there: the group of
/// the first imported wasm object that lives in an instance group of the module's compiler
/// (memories, tables, globals and tags first: they cannot be proxied), else a new one. A module
/// compiled tiered follows its imports to a group of either compiler, recompiled for it (the
/// code cache and the process's map make that cheap after the first time). Lone objects then
/// move into the group (see group.rs).
fn choose_group(env: napi_env, values: &[napi_value], nm: &crate::module::NativeModule) -> JsResult<(Rc<Group>, Module)> {
  let objects = values.iter().filter_map(|v| {
    memory::home_group(env, *v)
      .or_else(|| table::home_group(env, *v))
      .or_else(|| global::home_group(env, *v))
      .or_else(|| tag::home_group(env, *v))
  });
  let functions = values.iter().filter_map(|v| exported::group_of(env, *v));
  let mut candidates = objects.chain(functions);
  let Some(tiered) = &nm.tiered else {
    let group = candidates.find(|g| g.compiler() == nm.compiler).unwrap_or_else(|| Group::new(env, nm.compiler));
    return Ok((group, nm.module.clone()));
  };
  match candidates.next() {
    Some(g) if g.compiler() != nm.compiler => {
      let module = tiered.compile_for(g.compiler())
        .map_err(|e| state::throw_link_error(env, &format!("WebAssembly.Instance(): recompiling for the store of its imports failed: {e}")))?;
      Ok((g, module))
    }
    Some(g) => Ok((g, nm.module.clone())),
    None => Ok((Group::new(env, nm.compiler), nm.module.clone())),
  }
}

/// What an Instance's handle holds: its store, and the instance (WASI's start needs it).
pub struct InstanceData {
  pub group: Rc<Group>,
  pub instance: Instance,
}

/// The instance behind an Instance's handle (`instanceHandle` in lib/instance.js).
pub fn data_of<'a>(env: napi_env, v: napi_value) -> Option<&'a InstanceData> {
  napi_raw::unwrap::<InstanceData>(env, v, &TAG_INSTANCE)
}

/// lib/instance.js checks each import's kind first; this only guards the native entry.
fn wrong_kind(env: napi_env, imp: &wasmer::ImportType) -> crate::napi_raw::Pending {
  state::throw_link_error(env, &format!("WebAssembly.Instance(): Import \"{}\" \"{}\": the value has the wrong kind", imp.module(), imp.name()))
}


/// `instantiate(module, importValues)` → `[instance handle, anchor, name0, value0, name1, ...]`.
pub fn instantiate(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let nm = unwrap_module(env, args[0])?;
  let count = napi_raw::array_len(env, args[1])?;
  let mut values_in = Vec::with_capacity(count as usize);
  for i in 0..count {
    values_in.push(napi_raw::get_element(env, args[1], i)?);
  }
  let (group, module) = choose_group(env, &values_in, nm)?;
  crate::module::tier_up(nm);
  let info = module.info();

  let mut wasmer_instance = None;
  let out = group.enter(|store| {
    // By position, as the spec links them: two imports of the same name stay two imports.
    let mut externs = Vec::with_capacity(values_in.len());
    for (imp, v) in module.imports().zip(values_in.iter().copied()) {
      let ext: Extern = match imp.ty() {
        ExternType::Function(ft) => match exported::data_of(env, v) {
          Some(d) if Rc::ptr_eq(&d.group, &group) => d.func.clone().into(),
          Some(d) => {
            if *d.params != *ft.params() || *d.results != *ft.results() {
              return Err(state::throw_link_error(
                env,
                &format!("WebAssembly.Instance(): imported function \"{}\".\"{}\" has the wrong signature", imp.module(), imp.name()),
              ));
            }
            host::proxy(env, &group, store, v, d)?.into()
          }
          // A wasiImport function links natively; anything else calls JS.
          None => match crate::wasi::import_for(env, &group, store, v, ft)? {
            Some(f) => f.into(),
            None => host::host_function(env, &group, store, v, ft.clone())?.into(),
          },
        },
        ExternType::Memory(_) => match memory::data_of(env, v) {
          Some(m) => memory::for_import(env, &group, store, m)?.into(),
          None => return Err(wrong_kind(env, &imp)),
        },
        ExternType::Table(_) => match table::data_of(env, v) {
          Some(t) => table::settle(env, t, &group, Some(store))?.into(),
          None => return Err(wrong_kind(env, &imp)),
        },
        ExternType::Tag(_) => match tag::data_of(env, v) {
          Some(t) => tag::settle(env, t, &group, store)?.into(),
          None => return Err(wrong_kind(env, &imp)),
        },
        ExternType::Global(gt) => match global::data_of(env, v) {
          Some(g) => global::settle(env, g, &group, Some(store))?.into(),
          None => {
            if gt.ty == Type::FuncRef && exported::data_of(env, v).is_none() && napi_raw::type_of(env, v)? != napi::sys::ValueType::napi_null {
              return Err(state::throw_link_error(
                env,
                &format!("WebAssembly.Instance(): funcref global import \"{}\".\"{}\" must be null or an exported wasm function", imp.module(), imp.name()),
              ));
            }
            let coerced = values::coerce(env, gt.ty, v)?;
            let value = values::from_js(env, &group, store, gt.ty, coerced)?;
            Global::new(store, value).into()
          }
        },
      };
      externs.push(ext);
    }

    // The JS API's embedding limit on table size: allocating a bigger table fails (RangeError).
    if let Some((_, t)) = info.tables.iter().skip(info.num_imported_tables).find(|(_, t)| t.minimum > TABLE_SIZE_LIMIT) {
      return Err(napi_raw::throw_range_error(
        env,
        &format!("WebAssembly.Instance(): table of {} elements is above the limit of {TABLE_SIZE_LIMIT}", t.minimum),
      ));
    }
    let instance = Instance::new_by_index(store, &module, &externs).map_err(|e| match e {
      InstantiationError::Start(rt) => errors::throw_runtime(env, &group, store, rt),
      other => state::throw_link_error(env, &format!("WebAssembly.Instance(): {other}")),
    })?;
    let defined: Vec<usize> = info
      .memories
      .iter()
      .skip(info.num_imported_memories)
      .map(|(_, ty)| ty.minimum.bytes().0)
      .collect();
    group.note_instance(&defined);

    let mut out = vec![napi_raw::null(env), group.anchor()?];
    wasmer_instance = Some(instance.clone());
    for (name, index) in &info.exports {
      let value = match (instance.exports.get_extern(name), index) {
        (Some(Extern::Function(f)), ExportIndex::Function(fi)) => exported::wrapper(env, &group, store, f.clone(), Some(fi.as_u32()))?,
        (Some(Extern::Memory(m)), _) => memory::exported(env, &group, store, m.clone())?,
        (Some(Extern::Table(t)), _) => table::exported(env, &group, store, t.clone())?,
        (Some(Extern::Global(g)), _) => global::exported(env, &group, store, g.clone())?,
        (Some(Extern::Tag(t)), _) => tag::exported(env, &group, store, t.clone())?,
        _ => return Err(napi_raw::throw_error(env, &format!("wasm-rt: export \"{name}\" is missing from the instance"))),
      };
      out.push(napi_raw::string(env, name)?);
      out.push(value);
    }
    Ok(out)
  })?;

  let mut out = out;
  let handle = napi_raw::object(env)?;
  // The handle keeps the instance's store alive as long as the JS Instance object lives.
  let instance = wasmer_instance.expect("set by a successful instantiation");
  napi_raw::wrap(env, handle, &TAG_INSTANCE, InstanceData { group, instance })?;
  out[0] = handle;
  napi_raw::array_of(env, &out)
}
