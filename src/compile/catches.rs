//! Which modules handle exceptions (bridge/catchable.rs links their JS imports through wasm
//! wrappers): a module with a tag, or one whose code has a catch, which the scan below marks with
//! a custom section before cranelift compiles it, so that the code cache keeps the answer.

use wasmer::Module;

/// The custom section that marks a module without tags whose code catches. JS reads custom
/// sections from the module's own bytes, so it never sees this one.
const MARKER: &str = "wasm-rt:catches";

/// Whether the JS imports of `module`'s instances must be linked through the wrapper.
pub fn needed(module: &Module) -> bool {
  !module.info().tags.is_empty() || module.custom_sections(MARKER).next().is_some()
}

/// `bytes` with the marker appended, for a module with no tag whose code has a catch.
pub fn mark(bytes: &[u8]) -> Option<Vec<u8>> {
  use wasmer_compiler::wasmparser::{Operator, Parser, Payload, TypeRef};
  let mut catches = false;
  for payload in Parser::new(0).parse_all(bytes) {
    match payload.ok()? {
      Payload::TagSection(_) => return None,
      Payload::ImportSection(reader) if reader.clone().into_imports().flatten().any(|i| matches!(i.ty, TypeRef::Tag(_))) => return None,
      Payload::CodeSectionEntry(body) => {
        let mut ops = body.get_operators_reader().ok()?;
        while !ops.eof() {
          if matches!(ops.read().ok()?, Operator::TryTable { .. } | Operator::Try { .. } | Operator::CatchAll | Operator::Catch { .. }) {
            catches = true;
            break;
          }
        }
        if catches {
          break;
        }
      }
      _ => {}
    }
  }
  if !catches {
    return None;
  }
  let mut out = bytes.to_vec();
  out.extend_from_slice(&[0, 1 + MARKER.len() as u8, MARKER.len() as u8]);
  out.extend_from_slice(MARKER.as_bytes());
  Some(out)
}
