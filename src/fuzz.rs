//! Generated modules for `wasm-rt fuzz`: wasm-smith turns a seed into a valid module that uses only
//! what V8 (Node 20) and wasmer's cranelift both run, always terminates (a fuel counter), and
//! canonicalises NaNs (the spec lets their bits differ between engines).

use arbitrary::Unstructured;
use napi::sys::{napi_env, napi_value};
use wasm_smith::{Config, Module};
use wasmer_compiler::wasmparser::{CompositeInnerType, ExternalKind, Parser, Payload, ValType};

use crate::napi_raw::{self, JsResult};

fn config() -> Config {
  Config {
    // Off: what one of the two engines lacks (tail calls, multi-memory, memory64 and GC in both,
    // exnref-style exceptions and relaxed SIMD in V8 11.3, threads' shared memory in wasm-rt).
    tail_call_enabled: false,
    gc_enabled: false,
    memory64_enabled: false,
    exceptions_enabled: false,
    relaxed_simd_enabled: false,
    threads_enabled: false,
    wide_arithmetic_enabled: false,
    custom_page_sizes_enabled: false,
    extended_const_enabled: false,
    max_memories: 1,
    max_imports: 0,
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

/// Each exported function's name and parameter and result types ('i', 'I', 'f', 'F', 'v', 'r').
fn exported_signatures(bytes: &[u8]) -> Vec<(String, String, String)> {
  let code = |t: &ValType| match t {
    ValType::I32 => 'i',
    ValType::I64 => 'I',
    ValType::F32 => 'f',
    ValType::F64 => 'F',
    ValType::V128 => 'v',
    ValType::Ref(_) => 'r',
  };
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
    let answer = napi_raw::uint8array(env, candidate).and_then(|c| napi_raw::call(env, napi_raw::undefined(env), predicate, &[c])).and_then(|v| napi_raw::get_bool(env, v));
    // A throwing predicate leaves its exception recorded; drop it, the candidate is just dull.
    Ok(answer.inspect_err(|_| {
      napi_raw::take_error(env);
    })
    .unwrap_or(false))
  };
  let reduced = wasm_shrink::WasmShrink::default().attempts(attempts).run(bytes.clone(), interesting).map(|info| info.output).unwrap_or(bytes);
  napi_raw::uint8array(env, &reduced)
}

/// `fuzzModule(seed)` → `[bytes, name, params, results, name, params, results, ...]`, or null
/// when the seed's entropy does not make a module.
pub fn module(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let seed = napi_raw::get_f64(env, args[0])? as u64;
  let data = entropy(seed, 8192);
  let mut u = Unstructured::new(&data);
  let Ok(mut m) = Module::new(config(), &mut u) else { return Ok(napi_raw::null(env)) };
  if m.ensure_termination(FUEL).is_err() {
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
