//! One wasmer engine per compiler, shared by every store of the process.

use std::sync::OnceLock;

use wasmer::sys::{CompilerConfig, Cranelift, EngineBuilder, Singlepass};
use wasmer::Engine;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compiler {
  Cranelift,
  Singlepass,
}

impl Compiler {
  pub fn parse(name: &str) -> Option<Self> {
    match name {
      "cranelift" => Some(Self::Cranelift),
      "singlepass" => Some(Self::Singlepass),
      _ => None,
    }
  }
}

/// Each compiler gets every wasm feature it supports on this target, so that a module using
/// one it lacks fails to compile with a CompileError naming that feature.
fn build(compiler: Compiler) -> Engine {
  fn with<C: CompilerConfig + 'static>(config: C) -> Engine {
    let target = wasmer::sys::Target::default();
    let features = config.supported_features_for_target(&target);
    EngineBuilder::new(config).set_features(Some(features)).engine().into()
  }
  match compiler {
    Compiler::Cranelift => with(Cranelift::new()),
    Compiler::Singlepass => with(Singlepass::new()),
  }
}

pub fn engine(compiler: Compiler) -> &'static Engine {
  static CRANELIFT: OnceLock<Engine> = OnceLock::new();
  static SINGLEPASS: OnceLock<Engine> = OnceLock::new();
  let cell = match compiler {
    Compiler::Cranelift => &CRANELIFT,
    Compiler::Singlepass => &SINGLEPASS,
  };
  cell.get_or_init(|| build(compiler))
}
