//! Generated modules for `wasm-rt fuzz`: wasm-smith turns a seed into a valid module that uses only
//! what the V8 of the run and wasmer's cranelift both run, imports what JS gives it (lib/cli/
//! fuzz-boundary.js builds the import object), ends (a fuel counter), and canonicalises NaNs (the
//! spec lets their bits differ between engines).

use arbitrary::Unstructured;
use napi::sys::{napi_env, napi_value};
use wasm_smith::{Config, Module};
use wasmer_compiler::wasmparser::{CompositeInnerType, ExternalKind, Parser, Payload, ValType};

use crate::sys::napi_raw::{self, JsResult};

/// What a generated module may use beyond the core both engines always run: imports (the JS
/// boundary, `wasm-rt fuzz`'s default), exnref exceptions (where the V8 in the run has them), and
/// the proposals every engine of a `--engines` run has.
#[derive(Clone, Copy)]
struct Features {
  imports: bool,
  exceptions: bool,
  /// The proposals `wasm-rt fuzz --engines` turns on when every engine in the run has them
  /// (lib/cli/fuzz-engines.js probes them); SIMD is on unless one lacks it.
  simd: bool,
  /// Imports that return several values (singlepass cannot compile a module that has them).
  multi_result_imports: bool,
  tail_call: bool,
  extended_const: bool,
  multi_memory: bool,
}

/// What a generated module may import (wasm-smith picks from these): functions of the
/// signatures both engines share — each number type, i64 as BigInt, externref and funcref both
/// ways, multi-value — globals of each type, mutable and not, a table of each kind, a memory, and
/// with exceptions a tag.
fn import_universe(exceptions: bool, multi_result: bool) -> Vec<u8> {
  let (f6, f9) = if multi_result { ("(result i32 i64)", "(result i32 externref)") } else { ("(result i32)", "(result i32)") };
  let tag = if exceptions { r#"(import "env" "e0" (tag (param i32))) (import "env" "e1" (tag (param f64 externref)))"# } else { "" };
  let text = format!(
    r#"(module
      (import "env" "f0" (func))
      (import "env" "f1" (func (param i32) (result i32)))
      (import "env" "f2" (func (param i64) (result i64)))
      (import "env" "f3" (func (param f32 f64) (result f64)))
      (import "env" "f4" (func (param externref) (result externref)))
      (import "env" "f5" (func (param funcref) (result funcref)))
      (import "env" "f6" (func (param i32 i64 f32 f64) {f6}))
      (import "env" "f7" (func (result f32)))
      (import "env" "f8" (func (param i32 i32 i32)))
      (import "env" "f9" (func (param externref i32) {f9}))
      (import "env" "g0" (global i32))
      (import "env" "g1" (global (mut i64)))
      (import "env" "g2" (global f64))
      (import "env" "g3" (global (mut externref)))
      (import "env" "g4" (global funcref))
      (import "env" "g5" (global (mut f32)))
      (import "env" "t0" (table 4 funcref))
      (import "env" "t1" (table 2 8 externref))
      (import "env" "m0" (memory 1 4))
      {tag})"#
  );
  wat::parse_str(text).expect("the import universe is valid text")
}

fn config(f: Features) -> Config {
  Config {
    available_imports: f.imports.then(|| import_universe(f.exceptions, f.multi_result_imports)),
    // Off unless asked for: what one of the engines lacks (tail calls, multi-memory, memory64 and
    // GC in wasm-rt, exnref-style exceptions in V8 11.3, threads' shared memory in wasm-rt).
    tail_call_enabled: f.tail_call,
    simd_enabled: f.simd,
    gc_enabled: false,
    memory64_enabled: false,
    exceptions_enabled: f.exceptions,
    relaxed_simd_enabled: false,
    threads_enabled: false,
    wide_arithmetic_enabled: false,
    custom_page_sizes_enabled: false,
    extended_const_enabled: f.extended_const,
    compact_imports_enabled: false,
    max_memories: if f.multi_memory { 2 } else { 1 },
    max_imports: if f.imports { 12 } else { 0 },
    max_tags: if f.exceptions { 4 } else { 0 },
    export_everything: true,
    canonicalize_nans: true,
    min_funcs: 2,
    max_funcs: 20,
    max_instructions: 200,
    // Bounded, as wasmtime's differential fuzzer bounds them: a case is about semantics, and
    // hashing gigabytes of memory after every case would cost the run its speed.
    max_memory32_bytes: 16 << 16,
    max_table_elements: 1000,
    ..Config::default()
  }
}

/// Loop iterations and calls a generated function may make before it traps (`unreachable`):
/// low enough that recursion ends well before either engine's stack does, since where a stack
/// runs out is each engine's own limit, not a difference.
const FUEL: u32 = 1000;

/// Bytes from a seed (splitmix64), for wasm-smith's Unstructured.
fn entropy(seed: u64, len: usize) -> Vec<u8> {
  let mut x = seed;
  let mut out = Vec::with_capacity(len + 8);
  while out.len() < len {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
  }
  out.truncate(len);
  out
}

/// A value type as the JS side of the fuzzer names it: 'i', 'I', 'f', 'F', 'v', 'r' (funcref),
/// 'e' (externref), 'x' (any other reference).
fn code(t: &ValType) -> char {
  match t {
    ValType::I32 => 'i',
    ValType::I64 => 'I',
    ValType::F32 => 'f',
    ValType::F64 => 'F',
    ValType::V128 => 'v',
    ValType::Ref(r) if r.is_func_ref() => 'r',
    ValType::Ref(r) if r.is_extern_ref() => 'e',
    ValType::Ref(_) => 'x',
  }
}

/// Each exported function's name and parameter and result types (`code`).
fn exported_signatures(bytes: &[u8]) -> Vec<(String, String, String)> {
  let mut types = Vec::new();
  let mut funcs = Vec::new();
  let mut out = Vec::new();
  for payload in Parser::new(0).parse_all(bytes).flatten() {
    match payload {
      Payload::TypeSection(r) => {
        for group in r.into_iter().flatten() {
          for ty in group.types() {
            types.push(match &ty.composite_type.inner {
              CompositeInnerType::Func(f) => (f.params().iter().map(code).collect(), f.results().iter().map(code).collect()),
              _ => (String::new(), String::new()),
            });
          }
        }
      }
      Payload::FunctionSection(r) => funcs.extend(r.into_iter().flatten()),
      Payload::ExportSection(r) => {
        for e in r.into_iter().flatten() {
          if e.kind == ExternalKind::Func {
            if let Some((p, res)) = funcs.get(e.index as usize).and_then(|t| types.get(*t as usize)) {
              out.push((e.name.to_string(), p.clone(), res.clone()));
            }
          }
        }
      }
      _ => {}
    }
  }
  out
}

/// `fuzzSignatures(bytes)` → `[name, params, results, ...]` for each exported function.
pub fn signatures(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let bytes = napi_raw::uint8array_bytes(env, args[0])?;
  let mut out = Vec::new();
  for (name, params, results) in exported_signatures(&bytes) {
    out.push(napi_raw::string(env, &name)?);
    out.push(napi_raw::string(env, &params)?);
    out.push(napi_raw::string(env, &results)?);
  }
  napi_raw::array_of(env, &out)
}

/// `fuzzShrink(bytes, isInteresting, attempts)` → the smallest module wasm-shrink finds for which
/// `isInteresting(candidate)` (a JS function) is still true; a throw counts as false.
pub fn shrink(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let bytes = napi_raw::uint8array_bytes(env, args[0])?;
  let predicate = args[1];
  let attempts = napi_raw::get_f64(env, args[2])? as u32;
  let interesting = |candidate: &[u8]| -> anyhow::Result<bool> {
    let answer = napi_raw::uint8array(env, candidate)
      .and_then(|c| napi_raw::call(env, napi_raw::undefined(env), predicate, &[c]))
      .and_then(|v| napi_raw::get_bool(env, v));
    // A throwing predicate leaves its exception recorded; drop it, the candidate is just dull.
    Ok(
      answer
        .inspect_err(|_| {
          napi_raw::take_error(env);
        })
        .unwrap_or(false),
    )
  };
  let reduced = wasm_shrink::WasmShrink::default().attempts(attempts).run(bytes.clone(), interesting).map(|info| info.output).unwrap_or(bytes);
  napi_raw::uint8array(env, &reduced)
}

/// `fuzzModule(seed, { imports, exceptions, simd, multiResultImports, tailCall, extendedConst, multiMemory,
/// terminate })`
/// → `[bytes, name, params, results, ...]`
/// (each exported function), or null when the seed's entropy does not make a module. Modules end
/// (a fuel counter) unless `terminate` is false.
pub fn module(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let seed = napi_raw::get_f64(env, args[0])? as u64;
  let flag = |name: &std::ffi::CStr, default: bool| -> JsResult<bool> {
    if napi_raw::type_of(env, args[1])? != napi::sys::ValueType::napi_object {
      return Ok(default);
    }
    let v = napi_raw::get_named(env, args[1], name)?;
    if napi_raw::type_of(env, v)? == napi::sys::ValueType::napi_undefined {
      return Ok(default);
    }
    napi_raw::get_bool(env, v)
  };
  let features = Features {
    imports: flag(c"imports", false)?,
    exceptions: flag(c"exceptions", false)?,
    simd: flag(c"simd", true)?,
    multi_result_imports: flag(c"multiResultImports", true)?,
    tail_call: flag(c"tailCall", false)?,
    extended_const: flag(c"extendedConst", false)?,
    multi_memory: flag(c"multiMemory", false)?,
  };
  let data = entropy(seed, 8192);
  let mut u = Unstructured::new(&data);
  let Ok(mut m) = Module::new(config(features), &mut u) else { return Ok(napi_raw::null(env)) };
  if flag(c"terminate", true)? && m.ensure_termination(FUEL).is_err() {
    return Ok(napi_raw::null(env));
  }
  let bytes = m.to_bytes();
  let mut out = vec![napi_raw::uint8array(env, &bytes)?];
  for (name, params, results) in exported_signatures(&bytes) {
    out.push(napi_raw::string(env, &name)?);
    out.push(napi_raw::string(env, &params)?);
    out.push(napi_raw::string(env, &results)?);
  }
  napi_raw::array_of(env, &out)
}

/// `fuzzImports(bytes)` → `[module, name, kind, type, ...]` for each import, in order: the type
/// as the JS side builds a value for it — a function's `params:results` in type letters, a
/// global's `mut?letter`, a table's `letter min max?`, a memory's `min max?`, a tag's params.
pub fn imports(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  use wasmer_compiler::wasmparser::TypeRef;
  let bytes = napi_raw::uint8array_bytes(env, args[0])?;
  let mut funcs: Vec<String> = Vec::new();
  let mut out = Vec::new();
  for payload in Parser::new(0).parse_all(&bytes).flatten() {
    match payload {
      Payload::TypeSection(r) => {
        for group in r.into_iter().flatten() {
          for ty in group.types() {
            funcs.push(match &ty.composite_type.inner {
              CompositeInnerType::Func(f) => {
                format!("{}:{}", f.params().iter().map(code).collect::<String>(), f.results().iter().map(code).collect::<String>())
              }
              _ => String::new(),
            });
          }
        }
      }
      Payload::ImportSection(r) => {
        for group in r.into_iter().flatten() {
          for (_, import) in group.into_iter().flatten() {
            let (kind, ty) = match import.ty {
              TypeRef::Func(i) => ("function", funcs.get(i as usize).cloned().unwrap_or_default()),
              TypeRef::Global(g) => ("global", format!("{}{}", if g.mutable { "mut " } else { "" }, code(&g.content_type))),
              TypeRef::Table(t) => {
                ("table", format!("{} {}{}", code(&ValType::Ref(t.element_type)), t.initial, t.maximum.map(|m| format!(" {m}")).unwrap_or_default()))
              }
              TypeRef::Memory(m) => ("memory", format!("{}{}", m.initial, m.maximum.map(|x| format!(" {x}")).unwrap_or_default())),
              TypeRef::Tag(t) => ("tag", funcs.get(t.func_type_idx as usize).cloned().unwrap_or_default()),
              _ => ("unknown", String::new()),
            };
            out.push(napi_raw::string(env, import.module)?);
            out.push(napi_raw::string(env, import.name)?);
            out.push(napi_raw::string(env, kind)?);
            out.push(napi_raw::string(env, &ty)?);
          }
        }
      }
      _ => {}
    }
  }
  napi_raw::array_of(env, &out)
}
