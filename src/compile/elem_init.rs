//! Active element segments whose items are `global.get` (a funcref global), which wasmer 7.4.2
//! cannot compile: it keeps a segment as a list of function indices ("unsupported init expr in
//! element section: Global", the spec's elem.wast). Such a module is rewritten before compiling:
//! those items become `ref.null func` in the segment (which keeps its length, so its bounds are
//! still checked when the segment is applied), and a function appended to the module writes
//! them with `table.set` and then calls the module's own start function; it becomes the start.
//! No index of the module moves. The items are written after the data segments instead of
//! before, which only a trapping data segment could tell apart.

use std::borrow::Cow;

use wasm_encoder::reencode::{utils, Error, Reencode};
use wasm_encoder::{
  CodeSection, ConstExpr, ElementSection, Elements, Function, FunctionSection, HeapType, Instruction, Module, RefType, SectionId, StartSection, TypeSection,
};
use wasmparser::{ElementItems, ElementKind, Operator, Parser, Payload};

/// One item to write at start: table, the segment's offset expression, the item's position, and
/// the global to read.
struct Item {
  table: u32,
  offset: Vec<Instruction<'static>>,
  at: u32,
  global: u32,
}

/// The rewritten module, or None when there is nothing to rewrite (or something this rewrite
/// does not handle: the compiler then reports it as before).
pub fn rewrite(bytes: &[u8]) -> Option<Vec<u8>> {
  let mut items = Vec::new();
  let (mut types, mut functions, mut start) = (0u32, 0u32, None);
  let (mut has_function_section, mut has_code) = (false, false);
  for payload in Parser::new(0).parse_all(bytes) {
    match payload.ok()? {
      Payload::TypeSection(r) => types = r.count(),
      Payload::ImportSection(r) => {
        for import in r.into_imports() {
          if matches!(import.ok()?.ty, wasmparser::TypeRef::Func(_)) {
            functions += 1;
          }
        }
      }
      Payload::FunctionSection(r) => {
        has_function_section = true;
        functions += r.count();
      }
      Payload::StartSection { func, .. } => start = Some(func),
      // Everything this needs comes before the code: stop rather than walk every body.
      Payload::CodeSectionStart { .. } if items.is_empty() => return None,
      Payload::CodeSectionStart { .. } => {
        has_code = true;
        break;
      }
      Payload::ElementSection(r) => {
        for element in r {
          let element = element.ok()?;
          let (ElementKind::Active { table_index, offset_expr }, ElementItems::Expressions(_, exprs)) = (&element.kind, &element.items) else { continue };
          for (at, expr) in exprs.clone().into_iter().enumerate() {
            if let Ok(Operator::GlobalGet { global_index }) = expr.ok()?.get_operators_reader().read() {
              items.push(Item { table: table_index.unwrap_or(0), offset: offset_instructions(offset_expr)?, at: at as u32, global: global_index });
            }
          }
        }
      }
      _ => {}
    }
  }
  // A module without a type, function or code section is left as it is (none in the spec tests).
  if items.is_empty() || types == 0 || !has_function_section || !has_code {
    return None;
  }
  let mut r = Rewrite { items, init_type: types, init_function: functions, start, start_written: false };
  let mut module = Module::new();
  r.parse_core_module(&mut module, Parser::new(0), bytes).ok()?;
  Some(module.finish())
}

/// A constant offset expression as the instructions that compute it.
fn offset_instructions(expr: &wasmparser::ConstExpr) -> Option<Vec<Instruction<'static>>> {
  let mut out = Vec::new();
  for op in expr.get_operators_reader() {
    out.push(match op.ok()? {
      Operator::I32Const { value } => Instruction::I32Const(value),
      Operator::GlobalGet { global_index } => Instruction::GlobalGet(global_index),
      Operator::I32Add => Instruction::I32Add,
      Operator::I32Sub => Instruction::I32Sub,
      Operator::I32Mul => Instruction::I32Mul,
      Operator::End => continue,
      _ => return None,
    });
  }
  Some(out)
}

struct Rewrite {
  items: Vec<Item>,
  init_type: u32,
  init_function: u32,
  start: Option<u32>,
  start_written: bool,
}

impl Reencode for Rewrite {
  type Error = std::convert::Infallible;

  fn parse_type_section(&mut self, types: &mut TypeSection, section: wasmparser::TypeSectionReader<'_>) -> Result<(), Error> {
    utils::parse_type_section(self, types, section)?;
    types.ty().function([], []);
    Ok(())
  }

  fn parse_function_section(&mut self, functions: &mut FunctionSection, section: wasmparser::FunctionSectionReader<'_>) -> Result<(), Error> {
    utils::parse_function_section(self, functions, section)?;
    functions.function(self.init_type);
    Ok(())
  }

  fn start_section(&mut self, _start: u32) -> Result<u32, Error> {
    self.start_written = true;
    Ok(self.init_function)
  }

  fn intersperse_section_hook(&mut self, module: &mut Module, _after: Option<SectionId>, before: Option<SectionId>) -> Result<(), Error> {
    let past_start = matches!(before, None | Some(SectionId::Element | SectionId::DataCount | SectionId::Code | SectionId::Data));
    if past_start && !self.start_written {
      self.start_written = true;
      module.section(&StartSection { function_index: self.init_function });
    }
    Ok(())
  }

  fn parse_element(&mut self, elements: &mut ElementSection, element: wasmparser::Element<'_>) -> Result<(), Error> {
    let (ElementKind::Active { table_index, offset_expr }, ElementItems::Expressions(ty, exprs)) = (&element.kind, &element.items) else {
      return utils::parse_element(self, elements, element);
    };
    let mut items = Vec::new();
    for expr in exprs.clone() {
      let expr = expr?;
      let is_global = matches!(expr.get_operators_reader().read(), Ok(Operator::GlobalGet { .. }));
      items.push(if is_global { ConstExpr::ref_null(HeapType::FUNC) } else { self.const_expr(expr)? });
    }
    let ty: RefType = self.ref_type(*ty)?;
    let offset = self.const_expr(offset_expr.clone())?;
    elements.active(*table_index, &offset, Elements::Expressions(ty, Cow::Owned(items)));
    Ok(())
  }

  fn parse_code_section(&mut self, code: &mut CodeSection, section: wasmparser::CodeSectionReader<'_>) -> Result<(), Error> {
    utils::parse_code_section(self, code, section)?;
    let mut f = Function::new([]);
    for item in &self.items {
      for i in &item.offset {
        f.instruction(i);
      }
      f.instruction(&Instruction::I32Const(item.at as i32));
      f.instruction(&Instruction::I32Add);
      f.instruction(&Instruction::GlobalGet(item.global));
      f.instruction(&Instruction::TableSet(item.table));
    }
    if let Some(start) = self.start {
      f.instruction(&Instruction::Call(start));
    }
    f.instruction(&Instruction::End);
    code.function(&f);
    Ok(())
  }
}
