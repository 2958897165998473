//! An Exported Function's native data: the wasm function behind the JS function that
//! exported.rs makes, found again from that JS function (a funcref value, a proxy to link).

use std::rc::Rc;

use napi::sys::{napi_env, napi_value};
use wasmer::{Function, Type};

use super::raw_call::Raw;
use crate::runtime::group::Group;
use crate::runtime::limits::InstanceLimits;
use crate::sys::napi_raw::{self, TAG_FUNCTION};

pub struct FuncData {
  pub group: Rc<Group>,
  pub func: Function,
  pub params: Box<[Type]>,
  pub results: Box<[Type]>,
  /// The raw path, for numeric signatures; its entry is valid while `group` (its store) lives.
  pub raw: Option<Raw>,
  pub key: usize,
  /// The limits of the instance that defines this function (its deadline).
  pub limits: Option<Rc<InstanceLimits>>,
}

impl Drop for FuncData {
  fn drop(&mut self) {
    self.group.forget_function(self.key);
  }
}

/// The native data of an exported function, if `v` is one.
pub fn data_of(env: napi_env, v: napi_value) -> Option<Rc<FuncData>> {
  napi_raw::unwrap::<FuncData>(env, v, &TAG_FUNCTION)
}

/// The group of `v` if it is an exported wasm function.
pub fn group_of(env: napi_env, v: napi_value) -> Option<Rc<Group>> {
  data_of(env, v).map(|d| d.group.clone())
}
