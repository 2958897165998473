//! Non-nullable abstract reference types — `(ref extern)`, `(ref func)`, `(ref exn)`, from the
//! typed function references proposal — which wasmer 7.4.2's validator refuses. A module that
//! uses them but none of that proposal's instructions (`call_ref`, `ref.as_non_null`,
//! `br_on_null`, `br_on_non_null`, which wasmer cannot compile) is validated by wasmparser with
//! the proposal enabled, then compiled with the nullable types in their place: validation has
//! already made sure that wasm never puts a null where one is refused. Null can still come in from
//! JS, so the positions that were non-null are kept in a custom section (which the code cache
//! keeps with the module) for the checks at the boundary: an imported global's value
//! (lib/instance.js), an exported function's arguments (lib/functions.js) and an imported
//! function's results (bridge/host.rs), where null is a TypeError.

use std::collections::{HashMap, HashSet};

use wasm_encoder::reencode::{utils, Error, Reencode};
use wasmer::{CompileError, Module};
use wasmer_types::{FunctionIndex, ImportIndex, ModuleInfo};
use wasmparser::{AbstractHeapType, CompositeInnerType, HeapType, Operator, Parser, Payload, RefType, TypeRef, ValType, Validator, WasmFeatures};

const MARKER: &str = "wasm-rt:non-null";

/// Whether wasmer refused the module for a non-nullable reference type, which `lower` may mend.
pub fn refused(e: &CompileError) -> bool {
  e.to_string().contains("function references required for non-nullable types")
}

fn lowerable(r: &RefType) -> bool {
  !r.is_nullable()
    && matches!(r.heap_type(), HeapType::Abstract { shared: false, ty: AbstractHeapType::Extern | AbstractHeapType::Func | AbstractHeapType::Exn })
}

fn non_null(v: &ValType) -> bool {
  matches!(v, ValType::Ref(r) if lowerable(r))
}

/// The bits of the non-null types in `types` (the first 64).
fn mask(types: &[ValType]) -> u64 {
  types.iter().take(64).enumerate().filter(|(_, t)| non_null(t)).fold(0, |m, (i, _)| m | 1 << i)
}

struct Lower;

impl Reencode for Lower {
  type Error = std::convert::Infallible;

  fn ref_type(&mut self, r: RefType) -> Result<wasm_encoder::RefType, Error<Self::Error>> {
    let r = if lowerable(&r) { RefType::new(true, r.heap_type()).expect("an abstract heap type") } else { r };
    utils::ref_type(self, r)
  }
}

/// The module with its non-nullable abstract reference types made nullable and the marker
/// section appended; None when it is invalid, or uses what wasmer cannot compile anyway.
pub fn lower(bytes: &[u8]) -> Option<Vec<u8>> {
  Validator::new_with_features(WasmFeatures::default() | WasmFeatures::FUNCTION_REFERENCES).validate_all(bytes).ok()?;
  let mut marker = String::new();
  let mut imports = 0u32;
  for payload in Parser::new(0).parse_all(bytes) {
    match payload.ok()? {
      Payload::TypeSection(reader) => {
        let mut index = 0u32;
        for group in reader {
          for ty in group.ok()?.types() {
            if let CompositeInnerType::Func(f) = &ty.composite_type.inner {
              let (p, r) = (mask(f.params()), mask(f.results()));
              if p | r != 0 {
                marker.push_str(&format!("type {index} {p} {r}\n"));
              }
            }
            index += 1;
          }
        }
      }
      Payload::ImportSection(reader) => {
        for import in reader.into_imports() {
          if let TypeRef::Global(g) = import.ok()?.ty {
            if non_null(&g.content_type) {
              marker.push_str(&format!("global {imports}\n"));
            }
          }
          imports += 1;
        }
      }
      Payload::CodeSectionEntry(body) => {
        let mut ops = body.get_operators_reader().ok()?;
        while !ops.eof() {
          if matches!(
            ops.read().ok()?,
            Operator::CallRef { .. } | Operator::ReturnCallRef { .. } | Operator::RefAsNonNull | Operator::BrOnNull { .. } | Operator::BrOnNonNull { .. }
          ) {
            return None;
          }
        }
      }
      _ => {}
    }
  }
  let mut module = wasm_encoder::Module::new();
  Lower.parse_core_module(&mut module, Parser::new(0), bytes).ok()?;
  module.section(&wasm_encoder::CustomSection { name: MARKER.into(), data: marker.as_bytes().into() });
  Some(module.finish())
}

/// The non-null positions recorded for a lowered module (nothing for any other).
#[derive(Default)]
pub struct Positions {
  /// By type index: the bits of the non-null parameters and results.
  types: HashMap<u32, (u64, u64)>,
  /// Imports (by index) of non-null globals.
  globals: HashSet<u32>,
}

impl Positions {
  pub fn of(module: &Module) -> Self {
    let mut p = Self::default();
    for section in module.custom_sections(MARKER) {
      for line in String::from_utf8_lossy(&section).lines() {
        let words: Vec<&str> = line.split(' ').collect();
        match words.as_slice() {
          ["type", i, params, results] => {
            if let (Ok(i), Ok(params), Ok(results)) = (i.parse(), params.parse(), results.parse()) {
              p.types.insert(i, (params, results));
            }
          }
          ["global", i] => {
            if let Ok(i) = i.parse() {
              p.globals.insert(i);
            }
          }
          _ => {}
        }
      }
    }
    p
  }

  /// The non-null bits of a function's parameters and results, by its type index.
  pub fn function(&self, type_index: u32) -> (u64, u64) {
    self.types.get(&type_index).copied().unwrap_or((0, 0))
  }

  pub fn global_import(&self, import_index: usize) -> bool {
    self.globals.contains(&(import_index as u32))
  }

  /// The bits of import `i` (in module order) if it is a function.
  pub fn import_function(&self, info: &ModuleInfo, i: usize) -> (u64, u64) {
    match info.imports.get_index(i) {
      Some((_, ImportIndex::Function(f))) => self.function(info.functions[*f].as_u32()),
      _ => (0, 0),
    }
  }

  /// The bits of function `index` of the module.
  pub fn function_at(&self, info: &ModuleInfo, index: u32) -> (u64, u64) {
    info.functions.get(FunctionIndex::from_u32(index)).map_or((0, 0), |sig| self.function(sig.as_u32()))
  }
}

/// `signature` (bridge/values.rs's letters) with the non-null positions in capitals: E for
/// (ref extern), R for (ref func).
pub fn mark_signature(signature: &str, (params, results): (u64, u64)) -> String {
  let (p, r) = signature.split_once(':').unwrap_or((signature, ""));
  let mark = |letters: &str, bits: u64| -> String {
    letters.chars().enumerate().map(|(i, c)| if i < 64 && bits >> i & 1 == 1 { c.to_ascii_uppercase() } else { c }).collect()
  };
  format!("{}:{}", mark(p, params), mark(r, results))
}

#[cfg(test)]
mod tests {
  use super::mark_signature;

  #[test]
  fn marks_non_null_positions_in_capitals() {
    assert_eq!(mark_signature("er:r", (0b01, 0b1)), "Er:R");
    assert_eq!(mark_signature("ie:", (0b10, 0)), "iE:");
    assert_eq!(mark_signature("", (0, 0)), ":");
  }

  #[test]
  fn lowered_modules_need_no_typed_function_references() {
    use wasmparser::{Validator, WasmFeatures};
    let without = WasmFeatures::default() - WasmFeatures::FUNCTION_REFERENCES - WasmFeatures::GC;
    let strict = wat::parse_str("(module (func (export \"f\") (param (ref extern)) (result (ref extern)) local.get 0))").unwrap();
    assert!(Validator::new_with_features(without).validate_all(&strict).is_err(), "the strict module needs them");
    let lowered = super::lower(&strict).expect("lowered");
    Validator::new_with_features(without).validate_all(&lowered).expect("the lowered module does not");
  }
}
