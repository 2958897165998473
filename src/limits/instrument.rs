//! What every compiled module carries so that running wasm can be stopped: a check at each
//! function entry and loop header of a flag another thread may set, which calls the host when
//! set; and, for modules compiled for fuel, a charge per straight-line run of operators.
//!
//! Done as a wasmer compiler middleware. The host call needs a function to call, and a
//! middleware cannot add a function body, so the module gets one more *import*, placed after its
//! own imports, and every function index from there on moves up by one (`Shift`). Everything
//! else it adds is appended (a signature, globals, hidden exports), so no other index moves. JS
//! never sees any of it: lib/ and instance.rs skip the last import and the hidden exports, and
//! exported functions keep the names of their original indices.
//!
//! The start function is taken out of the module and exported (hidden), so that the instance is
//! linked to its poll function, its fuel set and its deadline armed before any of its code runs.

use std::sync::Mutex;

use wasmer_compiler::wasmparser::{BlockType, Operator};
use wasmer_types::entity::packed_option::ReservedValue;
use wasmer_compiler::{FunctionMiddleware, MiddlewareReaderState, ModuleMiddleware};
use wasmer_types::{
  ExportIndex, FunctionIndex, FunctionType, GlobalIndex, GlobalInit, GlobalType, ImportIndex, ImportKey, LocalFunctionIndex, MiddlewareError,
  ModuleInfo, Mutability, SignatureHash, Type,
};

/// The import module of the poll function, and the prefix of hidden export names.
pub const POLL_MODULE: &str = "\0wasm-rt";
pub const POLL_FIELD: &str = "poll";
pub const HIDDEN_PREFIX: &str = "\0wasm-rt:";
pub const FLAG_EXPORT: &str = "\0wasm-rt:flag";
pub const FUEL_EXPORT: &str = "\0wasm-rt:fuel";
pub const START_EXPORT: &str = "\0wasm-rt:start";

/// What the poll function is told, as its one i32 argument.
pub const POLL_FLAG: i32 = 0;
pub const POLL_FUEL: i32 = 1;

/// Where the instrumentation of the module being compiled lives. Set by `transform_module_info`
/// and read by each function's middleware: wasmer compiles one module at a time per engine
/// (under the engine's lock), and each engine has its own `Instrument`.
#[derive(Debug, Clone, Copy)]
struct Indices {
  /// The first function index that moved up: the poll import's.
  poll: u32,
  flag: u32,
  fuel: Option<u32>,
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

fn shift(poll: u32) -> impl Fn(FunctionIndex) -> FunctionIndex {
  move |f| if f != FunctionIndex::reserved_value() && f.as_u32() >= poll { FunctionIndex::from_u32(f.as_u32() + 1) } else { f }
}

impl ModuleMiddleware for Instrument {
  fn transform_module_info(&self, info: &mut ModuleInfo) -> Result<(), MiddlewareError> {
    if let Some(name) = info.exports.keys().find(|k| k.starts_with(HIDDEN_PREFIX)) {
      return Err(MiddlewareError::new("wasm-rt", format!("the export name {name:?} is reserved by wasm-rt")));
    }
    let poll_type = FunctionType::new([Type::I32], []);
    let signature = match info.signatures.iter().find(|(_, t)| **t == poll_type) {
      Some((i, _)) => i,
      None => {
        info.signature_hashes.push(SignatureHash::new(poll_type.signature_hash()));
        info.signatures.push(poll_type)
      }
    };
    let poll = info.num_imported_functions as u32;
    let shift = shift(poll);

    let mut functions = wasmer_types::entity::PrimaryMap::with_capacity(info.functions.len() + 1);
    for (i, sig) in info.functions.iter() {
      if i.as_u32() == poll {
        functions.push(signature);
      }
      functions.push(*sig);
    }
    if functions.len() == info.functions.len() {
      functions.push(signature);
    }
    info.functions = functions;
    info.num_imported_functions += 1;
    let import_idx = info.imports.len() as u32;
    info.imports.insert(
      ImportKey { module: POLL_MODULE.into(), field: POLL_FIELD.into(), import_idx },
      ImportIndex::Function(FunctionIndex::from_u32(poll)),
    );

    for index in info.exports.values_mut() {
      if let ExportIndex::Function(f) = index {
        *f = shift(*f);
      }
    }
    for init in &mut info.table_initializers {
      init.elements.iter_mut().for_each(|f| *f = shift(*f));
    }
    for elements in info.passive_elements.values_mut() {
      elements.iter_mut().for_each(|f| *f = shift(*f));
    }
    for init in info.global_initializers.values_mut() {
      if let GlobalInit::RefFunc(f) = init {
        *f = shift(*f);
      }
    }
    info.function_names = std::mem::take(&mut info.function_names).into_iter().map(|(f, n)| (shift(f), n)).collect();
    if let Some(start) = info.start_function.take() {
      info.exports.insert(START_EXPORT.into(), ExportIndex::Function(shift(start)));
    }

    let mut global = |ty: Type, init: GlobalInit, export: &str| -> u32 {
      let index: GlobalIndex = info.globals.push(GlobalType::new(ty, Mutability::Var));
      info.global_initializers.push(init);
      info.exports.insert(export.into(), ExportIndex::Global(index));
      index.as_u32()
    };
    let flag = global(Type::I32, GlobalInit::I32Const(0), FLAG_EXPORT);
    let fuel = self.metered.then(|| global(Type::I64, GlobalInit::I64Const(0), FUEL_EXPORT));
    *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(Indices { poll, flag, fuel });
    Ok(())
  }

  fn generate_function_middleware<'a>(&self, _: LocalFunctionIndex) -> Box<dyn FunctionMiddleware<'a> + 'a> {
    let indices = self.current.lock().unwrap_or_else(|e| e.into_inner()).expect("transform_module_info runs first");
    Box::new(FunctionInstrument { indices, entered: false, cost: 0 })
  }
}

#[derive(Debug)]
struct FunctionInstrument {
  indices: Indices,
  entered: bool,
  /// Operators since the last fuel charge.
  cost: u64,
}

impl FunctionInstrument {
  fn check_flag<'a>(&self, state: &mut MiddlewareReaderState<'a>) {
    let Indices { poll, flag, .. } = self.indices;
    state.extend([
      Operator::GlobalGet { global_index: flag },
      Operator::If { blockty: BlockType::Empty },
      Operator::I32Const { value: POLL_FLAG },
      Operator::Call { function_index: poll },
      Operator::End,
    ]);
  }

  /// Charges the operators run since the last charge; out of fuel, the poll call traps.
  fn charge<'a>(&mut self, state: &mut MiddlewareReaderState<'a>) {
    let Some(fuel) = self.indices.fuel else { return };
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
      Operator::I32Const { value: POLL_FUEL },
      Operator::Call { function_index: self.indices.poll },
      Operator::End,
      Operator::GlobalGet { global_index: fuel },
      Operator::I64Const { value: cost },
      Operator::I64Sub,
      Operator::GlobalSet { global_index: fuel },
    ]);
  }
}

/// Operators after which control may go elsewhere: fuel is charged before them.
fn ends_run(op: &Operator) -> bool {
  use Operator::*;
  matches!(
    op,
    Loop { .. }
      | Block { .. }
      | If { .. }
      | Else
      | End
      | Br { .. }
      | BrIf { .. }
      | BrTable { .. }
      | BrOnNull { .. }
      | BrOnNonNull { .. }
      | Return
      | Unreachable
      | Call { .. }
      | CallIndirect { .. }
      | CallRef { .. }
      | ReturnCall { .. }
      | ReturnCallIndirect { .. }
      | ReturnCallRef { .. }
      | Throw { .. }
      | ThrowRef
      | Rethrow { .. }
      | Delegate { .. }
      | Try { .. }
      | TryTable { .. }
      | Catch { .. }
      | CatchAll
  )
}

impl<'a> FunctionMiddleware<'a> for FunctionInstrument {
  fn feed(&mut self, op: Operator<'a>, state: &mut MiddlewareReaderState<'a>) -> Result<(), MiddlewareError> {
    if !self.entered {
      self.entered = true;
      self.check_flag(state);
    }
    self.cost += 1;
    if ends_run(&op) {
      self.charge(state);
    }
    let poll = self.indices.poll;
    let moved = |f: u32| if f >= poll { f + 1 } else { f };
    let is_loop = matches!(op, Operator::Loop { .. });
    state.push_operator(match op {
      Operator::Call { function_index } => Operator::Call { function_index: moved(function_index) },
      Operator::ReturnCall { function_index } => Operator::ReturnCall { function_index: moved(function_index) },
      Operator::RefFunc { function_index } => Operator::RefFunc { function_index: moved(function_index) },
      other => other,
    });
    if is_loop {
      self.check_flag(state);
    }
    Ok(())
  }
}
