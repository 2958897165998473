//! `wasm-rt wast`'s native half: a `.wast` script read with the `wast` crate and turned into
//! commands that lib/cli/wast.js runs through an engine's `WebAssembly` JS API, and `wat(text)`.
//!
//! An action (`invoke`, `get`) becomes a small *wrapper module* that imports the export and
//! returns 1 when its results match the expectation: the call and the comparison happen in wasm,
//! so values JS cannot carry (v128, NaN payloads, exact f32 bits) are checked bit for bit, on
//! both engines alike.

use std::collections::HashMap;

use napi::sys::{napi_env, napi_value};
use wasm_encoder::{
  CodeSection, EntityType, ExportKind, ExportSection, Function, FunctionSection, GlobalType, HeapType, ImportSection, Instruction, Module, RefType,
  TypeSection, ValType,
};
use wast::core::{HeapType as WastHeap, NanPattern, V128Const, V128Pattern, WastArgCore, WastRetCore};
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet};

use crate::sys::napi_raw::{self, JsResult};

/// `wat(text)` → the module's bytes; a SyntaxError-like Error naming the line for bad text.
pub fn wat(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let text = napi_raw::get_string(env, args[0])?;
  match ::wat::parse_str(&text) {
    Ok(bytes) => napi_raw::uint8array(env, &bytes),
    Err(e) => Err(napi_raw::throw_error(env, &format!("wasm-rt wat(): {e}"))),
  }
}

/// What an export of a module is, as far as a wrapper needs to know.
#[derive(Clone)]
enum Export {
  Func(Vec<ValType>, Vec<ValType>),
  Global(ValType, bool),
  Other,
}

/// The exports of a module's bytes, by name; None for a module wasmparser cannot read or with
/// types a wrapper cannot restate (concrete reference types).
fn exports_of(bytes: &[u8]) -> Option<HashMap<String, Export>> {
  use wasmparser::{CompositeInnerType, ExternalKind, Parser, Payload, TypeRef};
  let mut types: Vec<Option<(Vec<ValType>, Vec<ValType>)>> = Vec::new();
  let mut funcs: Vec<u32> = Vec::new();
  let mut globals: Vec<(ValType, bool)> = Vec::new();
  let mut out = HashMap::new();
  let val = |v: wasmparser::ValType| -> Option<ValType> {
    Some(match v {
      wasmparser::ValType::I32 => ValType::I32,
      wasmparser::ValType::I64 => ValType::I64,
      wasmparser::ValType::F32 => ValType::F32,
      wasmparser::ValType::F64 => ValType::F64,
      wasmparser::ValType::V128 => ValType::V128,
      wasmparser::ValType::Ref(r) if r.is_func_ref() => ValType::Ref(RefType { nullable: r.is_nullable(), heap_type: HeapType::FUNC }),
      wasmparser::ValType::Ref(r) if r.is_extern_ref() => ValType::Ref(RefType { nullable: r.is_nullable(), heap_type: HeapType::EXTERN }),
      wasmparser::ValType::Ref(_) => return None,
    })
  };
  for payload in Parser::new(0).parse_all(bytes) {
    match payload.ok()? {
      Payload::TypeSection(r) => {
        for group in r {
          for ty in group.ok()?.types() {
            types.push(match &ty.composite_type.inner {
              CompositeInnerType::Func(f) => {
                let p: Option<Vec<_>> = f.params().iter().map(|v| val(*v)).collect();
                let r: Option<Vec<_>> = f.results().iter().map(|v| val(*v)).collect();
                p.zip(r)
              }
              _ => None,
            });
          }
        }
      }
      Payload::ImportSection(r) => {
        for import in r.into_imports() {
          match import.ok()?.ty {
            TypeRef::Func(t) => funcs.push(t),
            TypeRef::Global(g) => globals.push((val(g.content_type).unwrap_or(ValType::I32), g.mutable)),
            _ => {}
          }
        }
      }
      Payload::FunctionSection(r) => {
        for t in r {
          funcs.push(t.ok()?);
        }
      }
      Payload::GlobalSection(r) => {
        for g in r {
          let g = g.ok()?;
          globals.push((val(g.ty.content_type).unwrap_or(ValType::I32), g.ty.mutable));
        }
      }
      Payload::ExportSection(r) => {
        for e in r {
          let e = e.ok()?;
          let export = match e.kind {
            ExternalKind::Func => match funcs.get(e.index as usize).and_then(|t| types.get(*t as usize)).cloned().flatten() {
              Some((p, r)) => Export::Func(p, r),
              None => Export::Other,
            },
            ExternalKind::Global => globals.get(e.index as usize).map_or(Export::Other, |(t, m)| Export::Global(*t, *m)),
            _ => Export::Other,
          };
          out.insert(e.name.to_string(), export);
        }
      }
      _ => {}
    }
  }
  Some(out)
}

/// Why a command is not run: counted apart, never as a pass or a failure.
struct Skip(String);

fn heap(h: &WastHeap) -> Result<HeapType, Skip> {
  match h {
    WastHeap::Abstract { ty: wast::core::AbstractHeapType::Func, .. } => Ok(HeapType::FUNC),
    WastHeap::Abstract { ty: wast::core::AbstractHeapType::Extern, .. } => Ok(HeapType::EXTERN),
    WastHeap::Abstract { ty: wast::core::AbstractHeapType::Exn, .. } => Ok(HeapType::Abstract { shared: false, ty: wasm_encoder::AbstractHeapType::Exn }),
    _ => Err(Skip("a GC reference type".into())),
  }
}

fn v128_bytes(v: &V128Const) -> [u8; 16] {
  v.to_le_bytes()
}

fn arg(insns: &mut Vec<Instruction<'static>>, a: &WastArg) -> Result<(), Skip> {
  let WastArg::Core(a) = a else { return Err(Skip("a component value".into())) };
  insns.push(match a {
    WastArgCore::I32(v) => Instruction::I32Const(*v),
    WastArgCore::I64(v) => Instruction::I64Const(*v),
    WastArgCore::F32(v) => Instruction::F32Const(f32::from_bits(v.bits).into()),
    WastArgCore::F64(v) => Instruction::F64Const(f64::from_bits(v.bits).into()),
    WastArgCore::V128(v) => Instruction::V128Const(i128::from_le_bytes(v128_bytes(v))),
    WastArgCore::RefNull(h) => Instruction::RefNull(heap(h)?),
    _ => return Err(Skip("a host reference (ref.extern, ref.host) as an argument".into())),
  });
  Ok(())
}

/// Instructions that turn the f32 on the stack into an i32: whether its bits match `p` (exactly,
/// or as a canonical or arithmetic NaN).
fn f32_matches(p: &NanPattern<wast::token::F32>) -> Vec<Instruction<'static>> {
  use Instruction as I;
  let (mask, want) = match p {
    NanPattern::Value(v) => (-1, v.bits as i32),
    NanPattern::CanonicalNan => (0x7fff_ffff, 0x7fc0_0000),
    NanPattern::ArithmeticNan => (0x7fc0_0000, 0x7fc0_0000),
  };
  vec![I::I32ReinterpretF32, I::I32Const(mask), I::I32And, I::I32Const(want), I::I32Eq]
}

/// `f32_matches` for an f64.
fn f64_matches(p: &NanPattern<wast::token::F64>) -> Vec<Instruction<'static>> {
  use Instruction as I;
  let (mask, want) = match p {
    NanPattern::Value(v) => (-1, v.bits as i64),
    NanPattern::CanonicalNan => (0x7fff_ffff_ffff_ffff, 0x7ff8_0000_0000_0000),
    NanPattern::ArithmeticNan => (0x7ff8_0000_0000_0000, 0x7ff8_0000_0000_0000),
  };
  vec![I::I64ReinterpretF64, I::I64Const(mask), I::I64And, I::I64Const(want), I::I64Eq]
}

/// Instructions that leave an i32 on the stack: whether local `at` (of type `ty`) matches `r`.
fn check(insns: &mut Vec<Instruction<'static>>, at: u32, ty: &ValType, r: &WastRetCore) -> Result<(), Skip> {
  use Instruction as I;
  let get = I::LocalGet(at);
  match (ty, r) {
    (ValType::I32, WastRetCore::I32(v)) => insns.extend([get, I::I32Const(*v), I::I32Eq]),
    (ValType::I64, WastRetCore::I64(v)) => insns.extend([get, I::I64Const(*v), I::I64Eq]),
    (ValType::F32, WastRetCore::F32(p)) => {
      insns.push(get);
      insns.extend(f32_matches(p));
    }
    (ValType::F64, WastRetCore::F64(p)) => {
      insns.push(get);
      insns.extend(f64_matches(p));
    }
    (ValType::V128, WastRetCore::V128(p)) => {
      insns.push(I::I32Const(1));
      let lane = |insns: &mut Vec<Instruction<'static>>, extract: Instruction<'static>, tail: Vec<Instruction<'static>>| {
        insns.push(I::LocalGet(at));
        insns.push(extract);
        insns.extend(tail);
        insns.push(I::I32And);
      };
      match p {
        V128Pattern::I8x16(v) => {
          v.iter().enumerate().for_each(|(i, x)| lane(insns, I::I8x16ExtractLaneU(i as u8), vec![I::I32Const(*x as u8 as i32), I::I32Eq]))
        }
        V128Pattern::I16x8(v) => {
          v.iter().enumerate().for_each(|(i, x)| lane(insns, I::I16x8ExtractLaneU(i as u8), vec![I::I32Const(*x as u16 as i32), I::I32Eq]))
        }
        V128Pattern::I32x4(v) => v.iter().enumerate().for_each(|(i, x)| lane(insns, I::I32x4ExtractLane(i as u8), vec![I::I32Const(*x), I::I32Eq])),
        V128Pattern::I64x2(v) => v.iter().enumerate().for_each(|(i, x)| lane(insns, I::I64x2ExtractLane(i as u8), vec![I::I64Const(*x), I::I64Eq])),
        V128Pattern::F32x4(v) => v.iter().enumerate().for_each(|(i, p)| lane(insns, I::F32x4ExtractLane(i as u8), f32_matches(p))),
        V128Pattern::F64x2(v) => v.iter().enumerate().for_each(|(i, p)| lane(insns, I::F64x2ExtractLane(i as u8), f64_matches(p))),
      }
    }
    (ValType::Ref(_), WastRetCore::RefNull(_)) => insns.extend([get, I::RefIsNull]),
    (ValType::Ref(_), WastRetCore::RefFunc(None)) => insns.extend([get, I::RefIsNull, I::I32Eqz]),
    (_, WastRetCore::Either(options)) => {
      insns.push(I::I32Const(0));
      for o in options {
        check(insns, at, ty, o)?;
        insns.push(I::I32Or);
      }
    }
    (ValType::Ref(_), _) => return Err(Skip("a host or GC reference in an expected result".into())),
    _ => insns.push(I::I32Const(0)),
  }
  Ok(())
}

/// The wrapper of one action: `run() -> i32`, 1 when the results match `expect` (always 1 when
/// there is nothing to match). The target is imported as "t" "x".
fn wrapper(target: &Export, args: &[WastArg], expect: Option<&[WastRet]>) -> Result<Vec<u8>, Skip> {
  let mut types = TypeSection::new();
  let mut imports = ImportSection::new();
  let mut body: Vec<Instruction<'static>> = Vec::new();
  let mut locals: Vec<ValType> = Vec::new();
  let results = match target {
    Export::Func(params, results) => {
      if params.len() != args.len() {
        return Err(Skip("an invocation with the wrong number of arguments".into()));
      }
      types.ty().function(params.iter().copied(), results.iter().copied());
      imports.import("t", "x", EntityType::Function(0));
      for a in args {
        arg(&mut body, a)?;
      }
      body.push(Instruction::Call(0));
      results.clone()
    }
    Export::Global(ty, mutable) => {
      imports.import("t", "x", EntityType::Global(GlobalType { val_type: *ty, mutable: *mutable, shared: false }));
      body.push(Instruction::GlobalGet(0));
      vec![*ty]
    }
    Export::Other => return Err(Skip("an export this runner cannot wrap".into())),
  };
  // The results, last on top of the stack, into locals.
  for (i, ty) in results.iter().enumerate().rev() {
    locals.push(*ty);
    body.push(Instruction::LocalSet(i as u32));
  }
  locals.reverse();
  match expect {
    None => body.push(Instruction::I32Const(1)),
    Some(expect) => {
      if expect.len() != results.len() {
        body.push(Instruction::I32Const(0));
      } else {
        body.push(Instruction::I32Const(1));
        for (i, (ty, r)) in results.iter().zip(expect).enumerate() {
          let WastRet::Core(r) = r else { return Err(Skip("a component value".into())) };
          check(&mut body, i as u32, ty, r)?;
          body.push(Instruction::I32And);
        }
      }
    }
  }
  body.push(Instruction::End);
  let run_type = types.len();
  types.ty().function([], [ValType::I32]);
  let mut functions = FunctionSection::new();
  functions.function(run_type);
  let mut exports = ExportSection::new();
  // `run` follows the imported function, if the target is one.
  let run_index = if matches!(target, Export::Func(..)) { 1 } else { 0 };
  exports.export("run", ExportKind::Func, run_index);
  let mut code = CodeSection::new();
  let mut f = Function::new(locals.iter().map(|t| (1, *t)));
  for i in &body {
    f.instruction(i);
  }
  code.function(&f);
  let mut m = Module::new();
  m.section(&types).section(&imports).section(&functions).section(&exports).section(&code);
  Ok(m.finish())
}

/// One command of a script, for lib/cli/wast.js.
enum Command {
  /// Compile `bytes`; instantiate it as `id` (and the last instance) unless `define` only.
  Module {
    id: Option<String>,
    bytes: Vec<u8>,
    define: bool,
  },
  Instance {
    id: Option<String>,
    module: Option<String>,
  },
  Register {
    name: String,
    id: Option<String>,
  },
  /// Run the wrapper, which imports export `field` of instance `id` (the last one if None).
  Action {
    assert: &'static str,
    id: Option<String>,
    field: String,
    wrapper: Vec<u8>,
    message: String,
  },
  /// A module that must fail: "invalid", "malformed", "unlinkable", "uninstantiable".
  ModuleAssert {
    assert: &'static str,
    bytes: Vec<u8>,
    message: String,
  },
  Skip {
    reason: String,
    text: bool,
  },
}

fn id(i: &Option<wast::token::Id>) -> Option<String> {
  i.map(|i| i.name().to_string())
}

/// The commands of a script; a script that does not parse is an error naming its line.
fn commands(text: &str) -> Result<Vec<(usize, Command)>, String> {
  // The spec's names.wast exports names with bidirectional-override characters on purpose.
  let mut lexer = wast::lexer::Lexer::new(text);
  lexer.allow_confusing_unicode(true);
  let buf = ParseBuffer::new_with_lexer(lexer).map_err(|e| e.to_string())?;
  let script = parser::parse::<Wast>(&buf).map_err(|e| {
    let mut e = e;
    e.set_text(text);
    e.to_string()
  })?;
  let mut out = Vec::new();
  // The exports of named instances and definitions, and of the last instance.
  let mut instances: HashMap<String, HashMap<String, Export>> = HashMap::new();
  let mut definitions: HashMap<String, HashMap<String, Export>> = HashMap::new();
  let mut last: HashMap<String, Export> = HashMap::new();
  for directive in script.directives {
    let line = directive.span().linecol_in(text).0 + 1;
    let command = match directive {
      WastDirective::Module(mut m) | WastDirective::ModuleDefinition(mut m) if matches!(m, QuoteWat::QuoteComponent(..)) => {
        let _ = m.encode();
        Command::Skip { reason: "a component".into(), text: false }
      }
      WastDirective::Module(mut m) => {
        let name = module_name(&m);
        match m.encode() {
          Ok(bytes) => {
            let exports = exports_of(&bytes).unwrap_or_default();
            if let Some(n) = &name {
              instances.insert(n.clone(), exports.clone());
            }
            last = exports;
            Command::Module { id: name, bytes, define: false }
          }
          Err(e) => Command::Skip { reason: format!("the module cannot be encoded: {}", first_line(&e.to_string())), text: false },
        }
      }
      WastDirective::ModuleDefinition(mut m) => {
        let name = module_name(&m);
        match m.encode() {
          Ok(bytes) => {
            if let Some(n) = &name {
              definitions.insert(n.clone(), exports_of(&bytes).unwrap_or_default());
            }
            Command::Module { id: name, bytes, define: true }
          }
          Err(e) => Command::Skip { reason: format!("the module cannot be encoded: {}", first_line(&e.to_string())), text: false },
        }
      }
      WastDirective::ModuleInstance { instance, module, .. } => {
        let exports = id(&module).and_then(|m| definitions.get(&m).cloned()).unwrap_or_default();
        if let Some(n) = id(&instance) {
          instances.insert(n, exports.clone());
        }
        last = exports;
        Command::Instance { id: id(&instance), module: id(&module) }
      }
      WastDirective::Register { name, module, .. } => Command::Register { name: name.to_string(), id: id(&module) },
      WastDirective::Invoke(i) => action("none", &i, None, "", &instances, &last),
      WastDirective::AssertReturn { exec: WastExecute::Invoke(i), results, .. } => action("return", &i, Some(&results), "", &instances, &last),
      WastDirective::AssertReturn { exec: WastExecute::Get { module, global, .. }, results, .. } => get(&module, global, &results, &instances, &last),
      WastDirective::AssertTrap { exec: WastExecute::Invoke(i), message, .. } => action("trap", &i, None, message, &instances, &last),
      WastDirective::AssertTrap { exec: WastExecute::Wat(mut w), message, .. } => match w.encode() {
        Ok(bytes) => Command::ModuleAssert { assert: "uninstantiable", bytes, message: message.into() },
        Err(e) => Command::Skip { reason: format!("the module cannot be encoded: {}", first_line(&e.to_string())), text: false },
      },
      WastDirective::AssertExhaustion { call, message, .. } => action("exhaustion", &call, None, message, &instances, &last),
      WastDirective::AssertException { exec: WastExecute::Invoke(i), .. } => action("exception", &i, None, "", &instances, &last),
      WastDirective::AssertInvalid { module, message, .. } => module_assert("invalid", module, message),
      WastDirective::AssertMalformed { module, message, .. } => module_assert("malformed", module, message),
      WastDirective::AssertUnlinkable { mut module, message, .. } => match module.encode() {
        Ok(bytes) => Command::ModuleAssert { assert: "unlinkable", bytes, message: message.into() },
        Err(e) => Command::Skip { reason: format!("the module cannot be encoded: {}", first_line(&e.to_string())), text: false },
      },
      WastDirective::Thread(_) | WastDirective::Wait { .. } => Command::Skip { reason: "threads (a script's own threads)".into(), text: false },
      _ => Command::Skip { reason: "a command this runner does not run".into(), text: false },
    };
    out.push((line, command));
  }
  Ok(out)
}

fn first_line(s: &str) -> &str {
  s.lines().next().unwrap_or(s)
}

fn module_name(m: &QuoteWat) -> Option<String> {
  match m {
    QuoteWat::Wat(wast::Wat::Module(m)) => m.id.map(|i| i.name().to_string()),
    _ => None,
  }
}

fn module_assert(assert: &'static str, mut module: QuoteWat, message: &str) -> Command {
  // A module given as text quotes tests the text parser, not the engine.
  if matches!(module, QuoteWat::QuoteModule(..)) {
    return Command::Skip { reason: "text format".into(), text: true };
  }
  if let QuoteWat::Wat(wast::Wat::Module(m)) = &module {
    if !matches!(m.kind, wast::core::ModuleKind::Binary(_)) && assert == "malformed" {
      return Command::Skip { reason: "text format".into(), text: true };
    }
  }
  match module.encode() {
    Ok(bytes) => Command::ModuleAssert { assert, bytes, message: message.into() },
    // Text the encoder refuses is a text-format check too.
    Err(_) => Command::Skip { reason: "text format".into(), text: true },
  }
}

fn target<'a>(
  module: &Option<wast::token::Id>,
  instances: &'a HashMap<String, HashMap<String, Export>>,
  last: &'a HashMap<String, Export>,
) -> &'a HashMap<String, Export> {
  match id(module) {
    Some(m) => instances.get(&m).unwrap_or(last),
    None => last,
  }
}

fn action(
  assert: &'static str,
  i: &WastInvoke,
  expect: Option<&[WastRet]>,
  message: &str,
  instances: &HashMap<String, HashMap<String, Export>>,
  last: &HashMap<String, Export>,
) -> Command {
  let Some(export) = target(&i.module, instances, last).get(i.name) else {
    return Command::Skip { reason: format!("no export \"{}\" is known", i.name), text: false };
  };
  match wrapper(export, &i.args, expect) {
    Ok(wrapper) => Command::Action { assert, id: id(&i.module), field: i.name.to_string(), wrapper, message: message.into() },
    Err(Skip(reason)) => Command::Skip { reason, text: false },
  }
}

fn get(
  module: &Option<wast::token::Id>,
  global: &str,
  results: &[WastRet],
  instances: &HashMap<String, HashMap<String, Export>>,
  last: &HashMap<String, Export>,
) -> Command {
  let Some(export) = target(module, instances, last).get(global) else {
    return Command::Skip { reason: format!("no export \"{global}\" is known"), text: false };
  };
  match wrapper(export, &[], Some(results)) {
    Ok(wrapper) => Command::Action { assert: "return", id: id(module), field: global.to_string(), wrapper, message: String::new() },
    Err(Skip(reason)) => Command::Skip { reason, text: false },
  }
}

fn optional(env: napi_env, s: &Option<String>) -> JsResult<napi_value> {
  match s {
    Some(s) => napi_raw::string(env, s),
    None => Ok(napi_raw::null(env)),
  }
}

/// `wastCommands(text)` → `[{ line, type, ... }]` (see `Command`); throws for a script that does
/// not parse.
pub fn script(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let text = napi_raw::get_string(env, args[0])?;
  let commands = commands(&text).map_err(|e| napi_raw::throw_error(env, &format!("wasm-rt wast: {e}")))?;
  let mut rows = Vec::with_capacity(commands.len());
  for (line, c) in commands {
    let o = napi_raw::object(env)?;
    napi_raw::set_named(env, o, c"line", napi_raw::int32(env, line as i32)?)?;
    let kind = |k: &str| napi_raw::string(env, k);
    match c {
      Command::Module { id, bytes, define } => {
        napi_raw::set_named(env, o, c"type", kind("module")?)?;
        napi_raw::set_named(env, o, c"id", optional(env, &id)?)?;
        napi_raw::set_named(env, o, c"bytes", napi_raw::uint8array(env, &bytes)?)?;
        napi_raw::set_named(env, o, c"define", napi_raw::boolean(env, define)?)?;
      }
      Command::Instance { id, module } => {
        napi_raw::set_named(env, o, c"type", kind("instance")?)?;
        napi_raw::set_named(env, o, c"id", optional(env, &id)?)?;
        napi_raw::set_named(env, o, c"module", optional(env, &module)?)?;
      }
      Command::Register { name, id } => {
        napi_raw::set_named(env, o, c"type", kind("register")?)?;
        napi_raw::set_named(env, o, c"name", napi_raw::string(env, &name)?)?;
        napi_raw::set_named(env, o, c"id", optional(env, &id)?)?;
      }
      Command::Action { assert, id, field, wrapper, message } => {
        napi_raw::set_named(env, o, c"type", kind("action")?)?;
        napi_raw::set_named(env, o, c"assert", kind(assert)?)?;
        napi_raw::set_named(env, o, c"id", optional(env, &id)?)?;
        napi_raw::set_named(env, o, c"field", napi_raw::string(env, &field)?)?;
        napi_raw::set_named(env, o, c"wrapper", napi_raw::uint8array(env, &wrapper)?)?;
        napi_raw::set_named(env, o, c"message", napi_raw::string(env, &message)?)?;
      }
      Command::ModuleAssert { assert, bytes, message } => {
        napi_raw::set_named(env, o, c"type", kind("module-assert")?)?;
        napi_raw::set_named(env, o, c"assert", kind(assert)?)?;
        napi_raw::set_named(env, o, c"bytes", napi_raw::uint8array(env, &bytes)?)?;
        napi_raw::set_named(env, o, c"message", napi_raw::string(env, &message)?)?;
      }
      Command::Skip { reason, text } => {
        napi_raw::set_named(env, o, c"type", kind("skip")?)?;
        napi_raw::set_named(env, o, c"reason", napi_raw::string(env, &reason)?)?;
        napi_raw::set_named(env, o, c"text", napi_raw::boolean(env, text)?)?;
      }
    }
    rows.push(o);
  }
  napi_raw::array_of(env, &rows)
}
