//! WebAssembly.Instance's engine side: linking the resolved imports into a link group and
//! returning the exports. Import *resolution* (the spec's lookups and their errors) happens in
//! lib/instance.js; this receives one value per import, in module order.

use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use napi::sys::{napi_env, napi_value};
use wasmer::{Extern, ExternType, Function, FunctionType, Global, Instance, InstantiationError, StoreMut, Type};
use wasmer_types::ExportIndex;

use crate::api::bridge::{catchable, errors, exported, func_data, host, string_builtins, values};
use crate::api::module::unwrap_module;
use crate::runtime::engine::{self, Caps, Compiled, TABLE_SIZE_LIMIT};
use crate::runtime::group::Group;
use crate::runtime::limits::{self, InstanceLimits};
use crate::sys::napi_raw::{self, JsResult, TAG_INSTANCE};

/// wasmer 7.4.2's singlepass code passes the float arguments of a call to an imported wasm
/// function wrongly when an integer parameter follows one, or when there are more than eight of
/// them (its internal calls, `call_indirect` and calls to host functions are right). Found by
/// `wasm-rt wast --engines v8,wasm-rt:singlepass` (local_get.wast, select.wast). Such an import
/// of a singlepass instance is linked through a host function that calls it (`host::forwarder`),
/// bit-exact; every other import stays a direct call.
fn singlepass_misroutes(compiler: engine::Compiler, ty: &FunctionType) -> bool {
  if compiler != engine::Compiler::Singlepass {
    return false;
  }
  let float = |t: &Type| matches!(t, Type::F32 | Type::F64);
  let params = ty.params();
  let int_after_float = params.iter().position(float).is_some_and(|first| params[first..].iter().any(|t| !float(t)));
  int_after_float || params.iter().filter(|t| float(t)).count() > 8
}

/// The wasm function to link for a JS value that is a WASI instance's `wasiImport` function
/// (wasi/mod.rs `import_for`): registered once by lib.rs, as WASI is a layer above this one.
type WasiImport = fn(napi_env, &Rc<Group>, &mut StoreMut<'_>, napi_value, &FunctionType) -> JsResult<Option<Function>>;
static WASI_IMPORT: OnceLock<WasiImport> = OnceLock::new();

pub fn on_wasi_import(f: WasiImport) {
  // Registered once per process; later calls (a Worker's load) set the same function.
  let _ = WASI_IMPORT.set(f);
}

fn wasi_import(env: napi_env, group: &Rc<Group>, store: &mut StoreMut<'_>, v: napi_value, ty: &FunctionType) -> JsResult<Option<Function>> {
  match WASI_IMPORT.get() {
    Some(import_for) => import_for(env, group, store, v, ty),
    None => Ok(None),
  }
}
use crate::runtime::state;
use crate::{api::global, api::memory, api::table, api::tag};

/// The group the new instance joins, and the compiled module to instantiate there: the group of
/// the first imported wasm object that lives in an instance group of the module's compiler
/// (memories, tables, globals and tags first: they cannot be proxied), else a new one. A module
/// compiled tiered follows its imports to a group of either compiler, recompiled for it (the
/// code cache and the process's map make that cheap after the first time). Lone objects then
/// move into the group (see group.rs).
fn choose_group(env: napi_env, values: &[napi_value], nm: &crate::api::module::NativeModule) -> JsResult<(Rc<Group>, Arc<Compiled>)> {
  let objects = values.iter().filter_map(|v| {
    memory::home_group(env, *v).or_else(|| table::home_group(env, *v)).or_else(|| global::home_group(env, *v)).or_else(|| tag::home_group(env, *v))
  });
  let functions = values.iter().filter_map(|v| func_data::group_of(env, *v));
  let mut candidates = objects.chain(functions);
  let Some(tiered) = &nm.tiered else {
    let group = candidates.find(|g| g.compiler() == nm.compiler).unwrap_or_else(|| Group::new(env, nm.compiler));
    return Ok((group, nm.module.clone()));
  };
  match candidates.next() {
    Some(g) if g.compiler() != nm.compiler => {
      let module = tiered
        .compile_for(g.compiler(), nm.checks)
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
  pub limits: Rc<InstanceLimits>,
}

/// The instance behind an Instance's handle (`instanceHandle` in lib/instance.js).
pub fn data_of(env: napi_env, v: napi_value) -> Option<Rc<InstanceData>> {
  napi_raw::unwrap::<InstanceData>(env, v, &TAG_INSTANCE)
}

/// lib/instance.js checks each import's kind first; this only guards the native entry.
fn wrong_kind(env: napi_env, imp: &wasmer::ImportType) -> crate::sys::napi_raw::Pending {
  state::throw_link_error(env, &format!("WebAssembly.Instance(): Import \"{}\" \"{}\": the value has the wrong kind", imp.module(), imp.name()))
}

/// `instantiate(module, importValues, limits?)` → `[instance handle, anchor, name0, value0, ...]`.
#[allow(clippy::result_large_err, reason = "wasmer's InstantiationError, returned by Instance::new_by_index")]
pub fn instantiate(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let nm = unwrap_module(env, args[0])?;
  let options = limits::options(env, args[2])?;
  if options.fuel.is_some() && nm.checks != engine::Checks::Fuel {
    return Err(napi_raw::throw_type_error(env, "wasm-rt: fuel needs a module compiled to count it: compile(bytes, { fuel: true })"));
  }
  if options.timeout_ms.is_some() && nm.checks == engine::Checks::None {
    return Err(napi_raw::throw_type_error(env, "wasm-rt: a timeout needs a module compiled to be stopped: compile(bytes, { limits: true })"));
  }
  let count = napi_raw::array_len(env, args[1])?;
  let mut values_in = Vec::with_capacity(count as usize);
  for i in 0..count {
    values_in.push(napi_raw::get_element(env, args[1], i)?);
  }
  let (group, module) = choose_group(env, &values_in, &nm)?;
  crate::compile::pipeline::tier_up(&nm);
  let info = module.info();

  // Imports of a module that handles exceptions must throw what wasm's catch clauses see.
  let thrown: Option<catchable::Thrown> = crate::compile::catches::needed(&module).then(Default::default);
  let non_null = crate::compile::non_null::Positions::of(&module);
  let mut wasmer_instance = None;
  let mut instance_limits = None;
  let out = group.enter(|store| {
    group.keep(store, &module);
    // By position, as the spec links them: two imports of the same name stay two imports.
    let mut externs = Vec::with_capacity(values_in.len());
    // The host functions made here: (import index, type, JS value, an exported function of
    // another group?).
    let mut hosts = Vec::new();
    for (i, (imp, v)) in module.imports().zip(values_in.iter().copied()).enumerate() {
      let ext: Extern = match imp.ty() {
        ExternType::Function(ft) => match func_data::data_of(env, v) {
          Some(d) if Rc::ptr_eq(&d.group, &group) => {
            if singlepass_misroutes(group.compiler(), ft) {
              hosts.push((i, ft.clone(), v, true));
              host::forwarder(store, d.func.clone()).into()
            } else {
              d.func.clone().into()
            }
          }
          Some(d) => {
            if *d.params != *ft.params() || *d.results != *ft.results() {
              return Err(state::throw_link_error(
                env,
                &format!("WebAssembly.Instance(): imported function \"{}\".\"{}\" has the wrong signature", imp.module(), imp.name()),
              ));
            }
            hosts.push((i, ft.clone(), v, true));
            host::proxy(env, &group, store, v, &d, thrown.clone(), non_null.import_function(info, i).1)?.into()
          }
          // A wasiImport function or a builtin of lib/js-string.js links natively; anything else
          // calls JS.
          None => match wasi_import(env, &group, store, v, ft)?.or_else(|| string_builtins::function(env, &group, store, v, ft)) {
            Some(f) => f.into(),
            None => {
              hosts.push((i, ft.clone(), v, false));
              host::host_function(env, &group, store, v, ft.clone(), thrown.clone(), non_null.import_function(info, i).1)?.into()
            }
          },
        },
        ExternType::Memory(_) => match memory::data_of(env, v) {
          Some(m) => memory::for_import(env, &group, store, &m)?.into(),
          None => return Err(wrong_kind(env, &imp)),
        },
        ExternType::Table(_) => match table::data_of(env, v) {
          Some(t) => table::settle(env, &t, &group, Some(store))?.into(),
          None => return Err(wrong_kind(env, &imp)),
        },
        ExternType::Tag(_) => match tag::data_of(env, v) {
          Some(t) => tag::settle(env, &t, &group, store)?.into(),
          None => return Err(wrong_kind(env, &imp)),
        },
        ExternType::Global(gt) => match global::data_of(env, v) {
          Some(g) => global::settle(env, &g, &group, Some(store))?.into(),
          None => {
            if gt.ty == Type::FuncRef && func_data::data_of(env, v).is_none() && napi_raw::type_of(env, v)? != napi::sys::ValueType::napi_null {
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
    if let Some(thrown) = thrown.as_ref().filter(|_| !hosts.is_empty()) {
      let functions: Vec<(Function, FunctionType)> = hosts
        .iter()
        .map(|(i, ty, _, _)| match &externs[*i] {
          Extern::Function(f) => (f.clone(), ty.clone()),
          _ => unreachable!("a host import is a function"),
        })
        .collect();
      let calls = catchable::wrap(store, &functions, thrown).map_err(|e| napi_raw::throw_error(env, &format!("wasm-rt: could not link the imports: {e}")))?;
      for ((i, ..), call) in hosts.iter().zip(calls) {
        externs[*i] = call.into();
      }
    }
    // An exported function of another group comes out of this one as the same JS function.
    for (i, _, v, _) in hosts.iter().filter(|h| h.3) {
      if let Extern::Function(f) = &externs[*i] {
        group.cache_function(crate::runtime::group::function_key(store, f), *v)?;
      }
    }

    // The JS API's embedding limit on table size: allocating a bigger table fails (RangeError).
    if let Some((_, t)) = info.tables.iter().skip(info.num_imported_tables).find(|(_, t)| t.minimum > TABLE_SIZE_LIMIT) {
      return Err(napi_raw::throw_range_error(
        env,
        &format!("WebAssembly.Instance(): table of {} elements is above the limit of {TABLE_SIZE_LIMIT}", t.minimum),
      ));
    }
    check_caps(env, info, &options.caps)?;
    let instance = engine::with_caps(options.caps, || Instance::new_by_index(store, &module, &externs)).map_err(|e| match e {
      InstantiationError::Start(rt) => errors::throw_runtime(env, &group, store, rt),
      other => state::throw_link_error(env, &format!("WebAssembly.Instance(): {other}")),
    })?;
    let (settled, start) = limits::settle(store, &instance, &options);
    for (name, ext) in instance.exports.iter() {
      if let (true, Extern::Memory(m)) = (name.starts_with(limits::instrument::MEMORY_EXPORT_PREFIX), ext) {
        memory::watch_waits(store, m);
      }
    }
    instance_limits = Some(settled.clone());
    if let Some(start) = start {
      // The error is made inside the deadline's scope, which tells a deadline's trap apart.
      errors::with_deadline(env, options.timeout_ms, || start.call(store, &[]).map(drop).map_err(|rt| errors::throw_runtime(env, &group, store, rt)))?;
    }
    let defined: Vec<usize> = info.memories.iter().skip(info.num_imported_memories).map(|(_, ty)| ty.minimum.bytes().0).collect();
    group.note_instance(&defined);

    let mut out = vec![napi_raw::null(env), group.anchor()?];
    wasmer_instance = Some(instance.clone());
    let checked = nm.checks != engine::Checks::None;
    for (name, index) in info.exports.iter().filter(|(name, _)| !(checked && limits::is_hidden(name))) {
      let value = match (instance.exports.get_extern(name), index) {
        (Some(Extern::Function(f)), ExportIndex::Function(fi)) => {
          let leaf = nm.leaves.contains(fi.as_u32(), info.num_imported_functions);
          exported::wrapper(env, &group, store, f.clone(), Some(fi.as_u32()), non_null.function_at(info, fi.as_u32()).0, leaf)?
        }
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
  let limits = instance_limits.expect("set by a successful instantiation");
  napi_raw::wrap(env, handle, &TAG_INSTANCE, InstanceData { group, instance, limits })?;
  out[0] = handle;
  napi_raw::array_of(env, &out)
}

/// An instance that would define a memory or table bigger than its caps is refused at once.
fn check_caps(env: napi_env, info: &wasmer_types::ModuleInfo, caps: &Caps) -> JsResult<()> {
  if let Some(cap) = caps.memory_pages {
    if let Some((i, m)) = info.memories.iter().skip(info.num_imported_memories).find(|(_, m)| m.minimum.0 > cap) {
      return Err(napi_raw::throw_range_error(
        env,
        &format!("wasm-rt: memory {} of {} pages ({} bytes) is above the memoryLimit of {} pages", i.as_u32(), m.minimum.0, m.minimum.bytes().0, cap),
      ));
    }
  }
  if let Some(cap) = caps.table_elements {
    if let Some((i, t)) = info.tables.iter().skip(info.num_imported_tables).find(|(_, t)| t.minimum > cap) {
      return Err(napi_raw::throw_range_error(env, &format!("wasm-rt: table {} of {} elements is above the tableLimit of {cap}", i.as_u32(), t.minimum)));
    }
  }
  Ok(())
}

/// `instanceLimits(handle)` → `[timeout or undefined, fuel left or undefined]`.
pub fn get_limits(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let data = data_of(env, args[0]).ok_or_else(|| napi_raw::throw_type_error(env, "wasm-rt: not a WebAssembly.Instance"))?;
  let fuel = data.group.enter(|store| Ok(data.limits.fuel(store)))?;
  let timeout = match data.limits.timeout_ms.get() {
    Some(ms) => napi_raw::double(env, ms as f64)?,
    None => napi_raw::undefined(env),
  };
  let fuel = match fuel {
    Some(f) => napi_raw::double(env, f as f64)?,
    None => napi_raw::undefined(env),
  };
  napi_raw::array_of(env, &[timeout, fuel])
}

/// `setInstanceLimits(handle, { timeout, fuel })`: a new timeout (null for none) for later calls,
/// and the fuel left, for an instance of a module compiled to count it.
pub fn set_limits(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let data = data_of(env, args[0]).ok_or_else(|| napi_raw::throw_type_error(env, "wasm-rt: not a WebAssembly.Instance"))?;
  let timeout = napi_raw::get_named(env, args[1], c"timeout")?;
  match napi_raw::type_of(env, timeout)? {
    napi::sys::ValueType::napi_undefined => {}
    napi::sys::ValueType::napi_null => data.limits.timeout_ms.set(None),
    _ if !data.limits.stoppable => {
      return Err(napi_raw::throw_type_error(env, "wasm-rt: a timeout needs a module compiled to be stopped: compile(bytes, { limits: true })"));
    }
    _ => data.limits.timeout_ms.set(Some(napi_raw::get_f64(env, timeout)?.clamp(0.0, u32::MAX as f64) as u32)),
  }
  let fuel = napi_raw::get_named(env, args[1], c"fuel")?;
  if napi_raw::type_of(env, fuel)? != napi::sys::ValueType::napi_undefined {
    let n = napi_raw::get_f64(env, fuel)?.max(0.0) as u64;
    if !data.group.enter(|store| Ok(data.limits.set_fuel(store, n)))? {
      return Err(napi_raw::throw_type_error(env, "wasm-rt: fuel needs a module compiled to count it: compile(bytes, { fuel: true })"));
    }
  }
  Ok(napi_raw::undefined(env))
}
