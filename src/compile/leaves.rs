//! Exported functions that call nothing. wasm reaches a host function only through a call
//! instruction, and only a host function reads wasmer's store context, so a call from JS into
//! such a function need not install it (sys/vm.rs `raw_call`): a third of the call.
//!
//! Read from the bytes wasmer compiles, or from bytes whose rewrites (compile/mod.rs) add no call
//! to an existing function: the limits' instrumentation does, so a module compiled with checks
//! has no leaves here.

use wasmer_compiler::wasmparser::{ExternalKind, Operator, Parser, Payload, TypeRef};

/// The functions that a module defines and exports and whose bodies hold no call instruction.
#[derive(Default)]
pub struct Leaves {
  /// The function imports counted on the way, which number the defined functions.
  imported: u32,
  indices: Box<[u32]>,
}

impl Leaves {
  /// Read from `bytes`; none for bytes that do not parse. Only the exported bodies are read; the
  /// others are skipped by their size.
  pub fn of(bytes: &[u8]) -> Self {
    scan(bytes).unwrap_or_default()
  }

  /// Whether function `index` is one, for a module that wasmer says imports `imported`
  /// functions: if the count read here differs, the numbering does, and none is.
  pub fn contains(&self, index: u32, imported: usize) -> bool {
    self.imported as usize == imported && self.indices.binary_search(&index).is_ok()
  }
}

fn scan(bytes: &[u8]) -> Option<Leaves> {
  let mut imported = 0u32;
  let mut exports = Vec::new();
  let mut next = 0u32;
  let mut leaves = Vec::new();
  for payload in Parser::new(0).parse_all(bytes) {
    match payload.ok()? {
      Payload::ImportSection(reader) => {
        for import in reader.into_imports() {
          imported += matches!(import.ok()?.ty, TypeRef::Func(_) | TypeRef::FuncExact(_)) as u32;
        }
      }
      Payload::ExportSection(reader) => {
        for export in reader {
          let export = export.ok()?;
          if matches!(export.kind, ExternalKind::Func | ExternalKind::FuncExact) && export.index >= imported {
            exports.push(export.index);
          }
        }
        exports.sort_unstable();
        exports.dedup();
      }
      Payload::CodeSectionEntry(body) => {
        let index = imported + next;
        next += 1;
        if exports.binary_search(&index).is_ok() && calls_nothing(&body)? {
          leaves.push(index);
        }
      }
      _ => {}
    }
  }
  Some(Leaves { imported, indices: leaves.into() })
}

fn calls_nothing(body: &wasmer_compiler::wasmparser::FunctionBody<'_>) -> Option<bool> {
  let mut ops = body.get_operators_reader().ok()?;
  while !ops.eof() {
    let call = matches!(
      ops.read().ok()?,
      Operator::Call { .. }
        | Operator::CallIndirect { .. }
        | Operator::CallRef { .. }
        | Operator::ReturnCall { .. }
        | Operator::ReturnCallIndirect { .. }
        | Operator::ReturnCallRef { .. }
    );
    if call {
      return Some(false);
    }
  }
  Some(true)
}

#[cfg(test)]
mod tests {
  use super::Leaves;

  fn wat(text: &str) -> Vec<u8> {
    wat::parse_str(text).unwrap()
  }

  #[test]
  fn exported_functions_without_calls() {
    let bytes = wat(
      r#"(module
      (import "m" "f" (func $f (param i32) (result i32)))
      (type $t (func (param i32) (result i32)))
      (table 1 funcref)
      (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
      (func $calls (export "calls") (param i32) (result i32) (call $f (local.get 0)))
      (func $indirect (export "indirect") (param i32) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 0)))
      (func $tail (export "tail") (param i32) (result i32) (return_call $f (local.get 0)))
      (func $inner (param i32) (result i32) (local.get 0))
      (func $leaf2 (export "leaf2") (result i32) (i32.const 7))
      (export "again" (func $add))
      (export "import" (func $f)))"#,
    );
    // Indices: $f 0 (imported), $add 1, $calls 2, $indirect 3, $tail 4, $inner 5 (not exported), $leaf2 6.
    let leaves = Leaves::of(&bytes);
    assert_eq!((leaves.imported, &*leaves.indices), (1, &[1, 6][..]));
    assert!(leaves.contains(1, 1) && leaves.contains(6, 1));
    assert!(!leaves.contains(0, 1) && !leaves.contains(2, 1) && !leaves.contains(5, 1));
    // wasmer counting another number of imports: nothing is trusted.
    assert!(!leaves.contains(1, 2));
  }

  #[test]
  fn call_ref_and_its_tail_form_are_calls() {
    let bytes = wat(
      r#"(module
      (type $t (func (result i32)))
      (func $c (type $t) (i32.const 1))
      (elem declare func $c)
      (func (export "ref") (result i32) (call_ref $t (ref.func $c)))
      (func (export "tailref") (result i32) (return_call_ref $t (ref.func $c))))"#,
    );
    assert!(Leaves::of(&bytes).indices.is_empty());
  }

  #[test]
  fn bytes_that_do_not_parse_have_none() {
    let mut bytes = wat(r#"(module (func (export "a")))"#);
    assert!(Leaves::of(&bytes).contains(0, 0));
    bytes.truncate(bytes.len() - 2);
    assert!(!Leaves::of(&bytes).contains(0, 0));
  }
}
