//! What a module compiled with checks (engine::Checks) carries so that running wasm can be
//! stopped: at each function entry and loop header, a check of a flag another thread may set,
//! which traps when set; and, for modules compiled for fuel, charges (`charges_before`) that trap
//! when the fuel is short.
//!
//! Done as a wasmer compiler middleware, with globals appended to the module (no index of the
//! module's own moves) and exported under hidden names that JS never sees (lib/ and instance.rs
//! skip them). A trap cannot be resumed, so the flag is set only to stop (watchdog.rs). A check
//! that could call the host instead (to ask whether to stop) was measured first and cost 3× on a
//! matrix multiply: cranelift keeps the loop's values out of registers around a call in the loop.
//!
//! The start function is taken out of the module and exported (hidden), so that the instance's
//! flag is registered, its fuel set and its deadline armed before any of its code runs.

use std::sync::Mutex;

use wasmer_compiler::wasmparser::{BlockType, Operator};
use wasmer_compiler::{FunctionMiddleware, MiddlewareReaderState, ModuleMiddleware};
use wasmer_types::{ExportIndex, FunctionIndex, GlobalInit, GlobalType, LocalFunctionIndex, MiddlewareError, ModuleInfo, Mutability, Type};

/// The prefix of hidden export names.
pub const HIDDEN_PREFIX: &str = "\0wasm-rt:";
pub const FLAG_EXPORT: &str = "\0wasm-rt:flag";
pub const FUEL_EXPORT: &str = "\0wasm-rt:fuel";
pub const FUEL_OUT_EXPORT: &str = "\0wasm-rt:fuel-out";
pub const START_EXPORT: &str = "\0wasm-rt:start";
/// One function the module defines: its context identifies the instance (limits/mod.rs), so that
/// a function of the instance that reaches JS by any path gets the instance's limits.
pub const FUNCTION_EXPORT: &str = "\0wasm-rt:function";
/// The shared memories the module defines, exported so that the watchdog can wake a thread
/// asleep in `memory.atomic.wait` on one of them (none of their code runs a check while asleep).
pub const MEMORY_EXPORT_PREFIX: &str = "\0wasm-rt:memory";

/// The globals of the module being compiled. Set by `transform_module_info` and read by each
/// function's middleware: wasmer compiles one module at a time per engine (under the engine's
/// lock), and each engine has its own `Instrument`.
#[derive(Debug, Clone, Copy)]
struct Indices {
  flag: u32,
  /// Written once per loop iteration, so that cranelift reads the flag again at each loop
  /// header: a loop without stores would otherwise reuse the value read at the function's entry
  /// (its redundant-load elimination), and never see the flag set.
  tick: u32,
  /// The fuel left, and the flag set when it ran short.
  fuel: Option<(u32, u32)>,
}

#[derive(Debug)]
pub struct Instrument {
  metered: bool,
  current: Mutex<Option<Indices>>,
}

impl Instrument {
  pub fn new(metered: bool) -> Self {
    Self { metered, current: Mutex::new(None) }
  }
}

impl ModuleMiddleware for Instrument {
  fn transform_module_info(&self, info: &mut ModuleInfo) -> Result<(), MiddlewareError> {
    if let Some(name) = info.exports.keys().find(|k| k.starts_with(HIDDEN_PREFIX)) {
      return Err(MiddlewareError::new("wasm-rt", format!("the export name {name:?} is reserved by wasm-rt")));
    }
    if let Some(start) = info.start_function.take() {
      info.exports.insert(START_EXPORT.into(), ExportIndex::Function(start));
    }
    let shared: Vec<_> = info.memories.iter().skip(info.num_imported_memories).filter(|(_, m)| m.shared).map(|(i, _)| i).collect();
    for index in shared {
      info.exports.insert(format!("{MEMORY_EXPORT_PREFIX}{}", index.as_u32()), ExportIndex::Memory(index));
    }
    if info.functions.len() > info.num_imported_functions {
      info.exports.insert(FUNCTION_EXPORT.into(), ExportIndex::Function(FunctionIndex::from_u32(info.num_imported_functions as u32)));
    }
    let mut global = |ty: Type, init: GlobalInit, export: &str| -> u32 {
      let index = info.globals.push(GlobalType::new(ty, Mutability::Var));
      info.global_initializers.push(init);
      info.exports.insert(export.into(), ExportIndex::Global(index));
      index.as_u32()
    };
    let flag = global(Type::I32, GlobalInit::I32Const(0), FLAG_EXPORT);
    let fuel = self.metered.then(|| (global(Type::I64, GlobalInit::I64Const(0), FUEL_EXPORT), global(Type::I32, GlobalInit::I32Const(0), FUEL_OUT_EXPORT)));
    let tick = info.globals.push(GlobalType::new(Type::I32, Mutability::Var)).as_u32();
    info.global_initializers.push(GlobalInit::I32Const(0));
    *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(Indices { flag, tick, fuel });
    Ok(())
  }

  fn generate_function_middleware<'a>(&self, _: LocalFunctionIndex) -> Box<dyn FunctionMiddleware<'a> + 'a> {
    let indices = self.current.lock().unwrap_or_else(|e| e.into_inner()).expect("transform_module_info runs first");
    Box::new(FunctionInstrument { indices, entered: false, cost: 0, blocks: Vec::new() })
  }
}

#[derive(Debug)]
struct FunctionInstrument {
  indices: Indices,
  entered: bool,
  /// Operators since the last fuel charge.
  cost: u64,
  /// The enclosing blocks, innermost last: whether each is a loop.
  blocks: Vec<bool>,
}

impl FunctionInstrument {
  fn check_flag<'a>(&self, state: &mut MiddlewareReaderState<'a>) {
    state.extend([Operator::GlobalGet { global_index: self.indices.flag }, Operator::If { blockty: BlockType::Empty }, Operator::Unreachable, Operator::End]);
  }

  fn check_flag_in_loop<'a>(&self, state: &mut MiddlewareReaderState<'a>) {
    self.check_flag(state);
    state.extend([Operator::I32Const { value: 0 }, Operator::GlobalSet { global_index: self.indices.tick }]);
  }

  /// Charges the operators since the last charge; short of fuel, sets `out` and traps.
  fn charge<'a>(&mut self, state: &mut MiddlewareReaderState<'a>) {
    let Some((fuel, out)) = self.indices.fuel else { return };
    if self.cost == 0 {
      return;
    }
    let cost = self.cost as i64;
    self.cost = 0;
    state.extend([
      Operator::GlobalGet { global_index: fuel },
      Operator::I64Const { value: cost },
      Operator::I64LtU,
      Operator::If { blockty: BlockType::Empty },
      Operator::I32Const { value: 1 },
      Operator::GlobalSet { global_index: out },
      Operator::Unreachable,
      Operator::End,
      Operator::GlobalGet { global_index: fuel },
      Operator::I64Const { value: cost },
      Operator::I64Sub,
      Operator::GlobalSet { global_index: fuel },
    ]);
  }
}

/// Whether fuel is charged before `op`: at each back edge (a branch to a loop), call, throw and
/// return, and at the function's end. Every cycle of control passes one, so fuel bounds the work;
/// each charge is the operators since the previous one in the code's order (both arms of an
/// `if` count), which makes the count deterministic at about one check per loop iteration and
/// call (charging each basic block exactly cost 3.5× on an interpreter's dispatch loop).
fn charges_before(op: &Operator, loops: &[bool]) -> bool {
  use Operator::*;
  let to_loop = |depth: u32| loops.len().checked_sub(1 + depth as usize).is_some_and(|i| loops[i]);
  match op {
    Br { relative_depth } | BrIf { relative_depth } | BrOnNull { relative_depth } | BrOnNonNull { relative_depth } => to_loop(*relative_depth),
    BrTable { targets } => to_loop(targets.default()) || targets.targets().any(|t| t.is_ok_and(to_loop)),
    Return | Call { .. } | CallIndirect { .. } | CallRef { .. } | ReturnCall { .. } | ReturnCallIndirect { .. } | ReturnCallRef { .. } => true,
    Throw { .. } | ThrowRef | Rethrow { .. } | Delegate { .. } => true,
    End => loops.is_empty(),
    _ => false,
  }
}

impl<'a> FunctionMiddleware<'a> for FunctionInstrument {
  fn feed(&mut self, op: Operator<'a>, state: &mut MiddlewareReaderState<'a>) -> Result<(), MiddlewareError> {
    if !self.entered {
      self.entered = true;
      self.check_flag(state);
    }
    if self.indices.fuel.is_some() {
      self.cost += 1;
      if charges_before(&op, &self.blocks) {
        self.charge(state);
      }
      match op {
        Operator::Block { .. } | Operator::If { .. } | Operator::Try { .. } | Operator::TryTable { .. } => self.blocks.push(false),
        Operator::Loop { .. } => self.blocks.push(true),
        Operator::End => {
          self.blocks.pop();
        }
        _ => {}
      }
    }
    let is_loop = matches!(op, Operator::Loop { .. });
    state.push_operator(op);
    if is_loop {
      self.check_flag_in_loop(state);
    }
    Ok(())
  }
}
