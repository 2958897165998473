//! WASI preview1 for `require('wasm-rt').WASI` (lib/wasi.js holds Node's API). The functions
//! link into an instance as native wasmer functions of that instance's store; the same
//! functions, called from JS through `wasiImport`, take the JS path (`call`).
//!
//! Who answers what: wasmer-wasix gives args, environ, random and sched_yield (wasix.rs);
//! wasm-rt answers descriptors, files and paths (files.rs, on the confined resolution of
//! sandbox.rs), polling (poll.rs), clocks, signals, sockets and exit (process.rs, here). The
//! README's WASI table gives the reason for each.

mod abi;
mod blocking;
mod fds;
mod files;
mod poll;
mod process;
mod sandbox;
mod wasix;

use std::cell::{Cell, RefCell};
use std::ffi::CString;
use std::os::fd::{FromRawFd, OwnedFd};
use std::rc::{Rc, Weak};

use napi::sys::{napi_env, napi_ref, napi_value};
use wasmer::{AsStoreMut, Function, FunctionEnv, FunctionEnvMut, FunctionType, RuntimeError, StoreMut, Type, Value};

use self::abi::{errno, Mem};
use self::fds::{Entry, Host as HostFd, Table};
use self::files::Cx;
use crate::api::bridge::errors::pending_to_runtime;
use crate::api::memory::MemoryData;
use crate::runtime::group::Group;
use crate::sys::js_thread::JsThread;
use crate::sys::napi_raw::{self, JsResult, Pending};

pub const TAG_WASI: napi::sys::napi_type_tag = napi::sys::napi_type_tag { lower: 0x7761_736d_2d72_7409, upper: 0x7761_7369 };
pub const TAG_WASI_IMPORT: napi::sys::napi_type_tag = napi::sys::napi_type_tag { lower: 0x7761_736d_2d72_740a, upper: 0x7761_7369_6d70 };

/// Why a WASI function did not return an errno.
enum Stop {
  /// Called before `start`/`initialize` bound a memory: node:wasi's ERR_WASI_NOT_STARTED.
  NotStarted,
  /// `proc_exit` under `returnOnExit`: the exit marker unwinds to `start`.
  Exit,
  /// An error already recorded as a JS exception.
  Js(Pending),
  /// A wasm error from a wasmer-wasix function.
  Wasm(RuntimeError),
}

pub struct Wasi {
  env: napi_env,
  fds: RefCell<Table>,
  memory: RefCell<Option<Rc<MemoryData>>>,
  return_on_exit: bool,
  exit_code: Cell<i32>,
  /// `{ exitMarker, notStarted(), exit(code) }` from lib/wasi.js.
  hooks: napi_ref,
  wasix_env: wasmer_wasix::WasiEnv,
  wasix: RefCell<Option<wasix::Linked>>,
}

impl Drop for Wasi {
  fn drop(&mut self) {
    napi_raw::delete_ref(self.env, self.hooks);
  }
}

impl Wasi {
  fn hook(&self, name: &std::ffi::CStr) -> JsResult<napi_value> {
    let hooks = napi_raw::ref_value(self.env, self.hooks).ok_or_else(|| napi_raw::throw_error(self.env, "wasm-rt: WASI hooks were collected"))?;
    napi_raw::get_named(self.env, hooks, name)
  }

  /// Records the JS exception a stop stands for.
  fn to_pending(&self, stop: Stop) -> Pending {
    let env = self.env;
    match stop {
      Stop::Js(p) => p,
      Stop::Wasm(e) => napi_raw::throw_error(env, &e.message()),
      Stop::NotStarted => match self.hook(c"notStarted").and_then(|f| napi_raw::call(env, napi_raw::undefined(env), f, &[])) {
        Ok(err) => napi_raw::fail(err),
        Err(p) => p,
      },
      Stop::Exit => match self.hook(c"exitMarker") {
        Ok(marker) => napi_raw::fail(marker),
        Err(p) => p,
      },
    }
  }

  fn to_runtime(&self, stop: Stop) -> RuntimeError {
    match stop {
      Stop::Wasm(e) => e,
      other => {
        self.to_pending(other);
        pending_to_runtime(self.env)
      }
    }
  }

  fn run(&self, f: impl FnOnce(&Cx) -> files::R) -> Result<i32, Stop> {
    let (base, len) = self.memory.borrow().as_ref().map(|m| m.raw()).ok_or(Stop::NotStarted)?;
    // SAFETY: the bound memory stays alive (held here) and does not move or shrink during a call.
    let cx = Cx { fds: &self.fds, mem: unsafe { Mem::new(base, len) } };
    match f(&cx) {
      Ok(()) => Ok(0),
      Err(blocking::STOPPED) => {
        let message = crate::runtime::limits::watchdog::stop_message().unwrap_or_else(|| "wasm-rt: the call was stopped".into());
        Err(Stop::Wasm(RuntimeError::new(message)))
      }
      Err(e) => Ok(e as i32),
    }
  }

  fn proc_exit(&self, code: i32) -> Stop {
    self.exit_code.set(code);
    if self.return_on_exit {
      return Stop::Exit;
    }
    // node:wasi ends the process at once, without 'exit' events; so does process.reallyExit.
    let env = self.env;
    let r = self.hook(c"exit").and_then(|f| napi_raw::call(env, napi_raw::undefined(env), f, &[napi_raw::int32(env, code)?]));
    match r {
      Ok(_) => Stop::Exit,
      Err(p) => Stop::Js(p),
    }
  }

  /// A wasmer-wasix function, once start has told wasmer-wasix the instance.
  fn wasix_function(&self, name: &str) -> Result<(Rc<Group>, Function), Stop> {
    if self.memory.borrow().is_none() {
      return Err(Stop::NotStarted);
    }
    let linked = self.wasix.borrow();
    let l = linked.as_ref().filter(|l| l.initialized).ok_or(Stop::NotStarted)?;
    let group = l.group.upgrade().ok_or(Stop::NotStarted)?;
    Ok((group, l.function(name).ok_or(Stop::NotStarted)?))
  }

  fn wasix_call(&self, store: &mut StoreMut<'_>, name: &str, args: &[Value]) -> Result<i32, Stop> {
    let (_, f) = self.wasix_function(name)?;
    let r = f.call(store, args).map_err(Stop::Wasm)?;
    Ok(wasix::errno_of(&r))
  }
}

/// The FunctionEnv of WASI's host functions. Weak: the WASI object holds the memory, which holds
/// the store that holds these functions, and a strong reference would keep every started
/// program's store alive forever (measured: +20 MiB per 500 runs). The `wasiImport` function
/// linked (which holds the WASI object) is kept alive by the group's anchor instead, as long as
/// JS holds anything of the instance (see `import_for` and group.rs).
#[derive(Clone)]
struct Host(JsThread<Weak<Wasi>>);

impl Host {
  fn wasi(&self) -> Result<Rc<Wasi>, RuntimeError> {
    self.0.upgrade().ok_or_else(|| RuntimeError::new("wasm-rt: a WASI function was called after its WASI object was freed"))
  }
}

macro_rules! preview1 {
  ($( $via:ident $name:ident ( $($a:ident : $t:ident),* ) ),* $(,)?) => {
    /// Every preview1 function but proc_exit (no result): name and parameter types.
    const FUNCTIONS: &[(&str, &[Type])] = &[ $( (stringify!($name), &[ $( preview1!(@ty $t) ),* ]) ),* ];

    fn native(store: &mut StoreMut<'_>, fenv: &FunctionEnv<Host>, index: usize) -> Function {
      let mut i = 0usize;
      $(
        if i == index {
          return Function::new_typed_with_env(store, fenv, |fe: FunctionEnvMut<'_, Host>, $($a: $t),*| -> Result<i32, RuntimeError> {
            let h = fe.data().wasi()?;
            preview1!(@wasm $via $name h fe ($($a),*)).map_err(|s| h.to_runtime(s))
          });
        }
        i += 1;
      )*
      unreachable!("{i} functions; no index {index}")
    }

    fn from_js(w: &Rc<Wasi>, index: usize, args: &[i64]) -> Result<i32, Stop> {
      let mut i = 0usize;
      $(
        if i == index {
          let [$($a),*] = args else { return Ok(errno::INVAL as i32) };
          $( let $a = *$a as $t; )*
          return preview1!(@js $via $name w ($($a),*));
        }
        i += 1;
      )*
      unreachable!("{i} functions; no index {index}")
    }
  };
  (@ty i32) => { Type::I32 };
  (@ty i64) => { Type::I64 };
  (@wasm own $name:ident $h:ident $fe:ident ($($a:ident),*)) => { $h.run(|cx| calls::$name(cx, $($a),*)) };
  (@wasm wasix $name:ident $h:ident $fe:ident ($($a:ident),*)) => {
    {
      let mut fe = $fe;
      $h.wasix_call(&mut fe.as_store_mut(), stringify!($name), &[$(Value::from($a)),*])
    }
  };
  (@js own $name:ident $w:ident ($($a:ident),*)) => { $w.run(|cx| calls::$name(cx, $($a),*)) };
  (@js wasix $name:ident $w:ident ($($a:ident),*)) => {{
    let (group, f) = $w.wasix_function(stringify!($name))?;
    group
      .enter(|store| Ok(f.call(store, &[$(Value::from($a)),*])))
      .map_err(Stop::Js)?
      .map(|r| wasix::errno_of(&r))
      .map_err(Stop::Wasm)
  }};
}

mod calls {
  pub use super::files::*;
  pub use super::poll::*;
  pub use super::process::*;
}

preview1! {
  wasix args_get(argv: i32, buf: i32),
  wasix args_sizes_get(argc: i32, size: i32),
  own clock_res_get(id: i32, res: i32),
  own clock_time_get(id: i32, precision: i64, time: i32),
  wasix environ_get(environ: i32, buf: i32),
  wasix environ_sizes_get(count: i32, size: i32),
  own fd_advise(fd: i32, offset: i64, len: i64, advice: i32),
  own fd_allocate(fd: i32, offset: i64, len: i64),
  own fd_close(fd: i32),
  own fd_datasync(fd: i32),
  own fd_fdstat_get(fd: i32, buf: i32),
  own fd_fdstat_set_flags(fd: i32, flags: i32),
  own fd_fdstat_set_rights(fd: i32, base: i64, inheriting: i64),
  own fd_filestat_get(fd: i32, buf: i32),
  own fd_filestat_set_size(fd: i32, size: i64),
  own fd_filestat_set_times(fd: i32, atim: i64, mtim: i64, flags: i32),
  own fd_pread(fd: i32, iovs: i32, n: i32, offset: i64, nread: i32),
  own fd_prestat_get(fd: i32, buf: i32),
  own fd_prestat_dir_name(fd: i32, path: i32, len: i32),
  own fd_pwrite(fd: i32, iovs: i32, n: i32, offset: i64, nwritten: i32),
  own fd_read(fd: i32, iovs: i32, n: i32, nread: i32),
  own fd_readdir(fd: i32, buf: i32, len: i32, cookie: i64, used: i32),
  own fd_renumber(fd: i32, to: i32),
  own fd_seek(fd: i32, offset: i64, whence: i32, newoffset: i32),
  own fd_sync(fd: i32),
  own fd_tell(fd: i32, offset: i32),
  own fd_write(fd: i32, iovs: i32, n: i32, nwritten: i32),
  own path_create_directory(fd: i32, path: i32, len: i32),
  own path_filestat_get(fd: i32, flags: i32, path: i32, len: i32, buf: i32),
  own path_filestat_set_times(fd: i32, flags: i32, path: i32, len: i32, atim: i64, mtim: i64, fst: i32),
  own path_link(fd: i32, flags: i32, old: i32, old_len: i32, new_fd: i32, new: i32, new_len: i32),
  own path_open(fd: i32, dirflags: i32, path: i32, len: i32, oflags: i32, base: i64, inheriting: i64, fdflags: i32, out: i32),
  own path_readlink(fd: i32, path: i32, len: i32, buf: i32, buf_len: i32, used: i32),
  own path_remove_directory(fd: i32, path: i32, len: i32),
  own path_rename(fd: i32, old: i32, old_len: i32, new_fd: i32, new: i32, new_len: i32),
  own path_symlink(old: i32, old_len: i32, fd: i32, new: i32, new_len: i32),
  own path_unlink_file(fd: i32, path: i32, len: i32),
  own poll_oneoff(input: i32, output: i32, nsubs: i32, nevents: i32),
  own proc_raise(sig: i32),
  wasix random_get(buf: i32, len: i32),
  wasix sched_yield(),
  own sock_accept(fd: i32, flags: i32, out: i32),
  own sock_recv(fd: i32, data: i32, len: i32, flags: i32, out_len: i32, out_flags: i32),
  own sock_send(fd: i32, data: i32, len: i32, flags: i32, out_len: i32),
  own sock_shutdown(fd: i32, how: i32),
}

/// proc_exit's index: after every function of FUNCTIONS.
const PROC_EXIT: usize = FUNCTIONS.len();

fn signature(index: usize) -> FunctionType {
  if index == PROC_EXIT {
    FunctionType::new(vec![Type::I32], vec![])
  } else {
    FunctionType::new(FUNCTIONS[index].1.to_vec(), vec![Type::I32])
  }
}

fn name_of(index: usize) -> &'static str {
  if index == PROC_EXIT {
    "proc_exit"
  } else {
    FUNCTIONS[index].0
  }
}

/// `wasiFunctions()` → `[name, parameter types ('i'/'I'), ...]` for all 46, in index order.
pub fn functions(env: napi_env, _args: &[napi_value]) -> JsResult<napi_value> {
  let mut out = Vec::with_capacity(2 * (PROC_EXIT + 1));
  for i in 0..=PROC_EXIT {
    out.push(napi_raw::string(env, name_of(i))?);
    let sig: String = signature(i).params().iter().map(|t| if *t == Type::I64 { 'I' } else { 'i' }).collect();
    out.push(napi_raw::string(env, &sig)?);
  }
  napi_raw::array_of(env, &out)
}

fn strings(env: napi_env, list: napi_value) -> JsResult<Vec<String>> {
  let n = napi_raw::array_len(env, list)?;
  (0..n).map(|i| napi_raw::get_string(env, napi_raw::get_element(env, list, i)?)).collect()
}

/// An Error as node:wasi throws it when uvwasi_init fails (`code`, `errno`, `syscall`).
fn init_error(env: napi_env, code: &str, errno: u16) -> Pending {
  let make = || -> JsResult<napi_value> {
    let e = napi_raw::make_error(env, napi::sys::napi_create_error, &format!("{code}, uvwasi_init"));
    napi_raw::set_named(env, e, c"errno", napi_raw::int32(env, errno as i32)?)?;
    napi_raw::set_named(env, e, c"code", napi_raw::string(env, code)?)?;
    napi_raw::set_named(env, e, c"syscall", napi_raw::string(env, "uvwasi_init")?)?;
    Ok(e)
  };
  match make() {
    Ok(e) => napi_raw::fail(e),
    Err(p) => p,
  }
}

fn open_preopen(env: napi_env, host: &str) -> JsResult<OwnedFd> {
  let c = CString::new(host).map_err(|_| init_error(env, "UVWASI_EINVAL", errno::INVAL))?;
  // SAFETY: a valid C string; the descriptor is owned below.
  let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC) };
  if fd < 0 {
    let e = abi::last();
    let code = match e {
      errno::NOENT => "UVWASI_ENOENT",
      errno::NOTDIR => "UVWASI_ENOTDIR",
      errno::ACCES => "UVWASI_EACCES",
      _ => "UVWASI_EIO",
    };
    return Err(init_error(env, code, e));
  }
  // SAFETY: a fresh descriptor.
  Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn stdio_entry(fd: i32) -> Entry {
  let ft = sandbox::fstat(fd).map(|st| abi::filetype_of(st.st_mode)).unwrap_or(abi::filetype::UNKNOWN);
  let (base, inheriting) = fds::rights_for(ft, fd, fds::access_of(fd));
  Entry { host: HostFd::Borrowed(fd), filetype: ft, base, inheriting, preopen: None }
}

/// `wasiNew([args, env, preopens, stdio], returnOnExit, hooks, importFunctions)` → handle.
/// `env` holds "key=value" strings, `preopens` guest and host paths in turn, `stdio` three host
/// descriptors; each function of `importFunctions` (index order) is tagged as that WASI import.
pub fn create(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let lists = args[0];
  let guest_args = strings(env, napi_raw::get_element(env, lists, 0)?)?;
  let guest_env = strings(env, napi_raw::get_element(env, lists, 1)?)?;
  let preopens = strings(env, napi_raw::get_element(env, lists, 2)?)?;
  let stdio_list = napi_raw::get_element(env, lists, 3)?;
  if !sandbox::available() {
    return Err(napi_raw::throw_error(env, "wasm-rt: WASI needs openat2 (Linux 5.6 or later) to confine paths"));
  }
  let mut table = Table::default();
  for i in 0..3 {
    let fd = napi_raw::get_i32(env, napi_raw::get_element(env, stdio_list, i)?)?;
    table.insert(stdio_entry(fd));
  }
  for pair in preopens.chunks(2) {
    let [guest, host] = pair else { break };
    let fd = open_preopen(env, host)?;
    let (base, inheriting) = (abi::rights::DIRECTORY_BASE, abi::rights::DIRECTORY_INHERITING);
    table.insert(Entry { host: HostFd::Owned(fd), filetype: abi::filetype::DIRECTORY, base, inheriting, preopen: Some(guest.as_bytes().to_vec()) });
  }
  let wasix_env = wasix::build(&guest_args, &guest_env).map_err(|e| napi_raw::throw_error(env, &format!("wasm-rt: WASI environment: {e}")))?;
  let w = Rc::new(Wasi {
    env,
    fds: RefCell::new(table),
    memory: RefCell::new(None),
    return_on_exit: napi_raw::get_bool(env, args[1])?,
    exit_code: Cell::new(0),
    hooks: napi_raw::create_ref(env, args[2], 1)?,
    wasix_env,
    wasix: RefCell::new(None),
  });
  let imports = args[3];
  for i in 0..=PROC_EXIT {
    let f = napi_raw::get_element(env, imports, i as u32)?;
    napi_raw::wrap(env, f, &TAG_WASI_IMPORT, (w.clone(), i))?;
  }
  let handle = napi_raw::object(env)?;
  napi_raw::wrap_rc(env, handle, &TAG_WASI, w)?;
  Ok(handle)
}

fn unwrap_wasi(env: napi_env, v: napi_value) -> JsResult<Rc<Wasi>> {
  napi_raw::unwrap::<Wasi>(env, v, &TAG_WASI).ok_or_else(|| napi_raw::throw_type_error(env, "wasm-rt: not a WASI handle"))
}

/// `wasiBind(handle, memory, instanceHandle)`: what start/initialize do before calling the
/// guest. `memory` is a wasm-rt Memory (lib/wasi.js checked); wasmer-wasix learns the instance.
pub fn bind(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let w = unwrap_wasi(env, args[0])?;
  let memory = crate::api::memory::data_of(env, args[1])
    .ok_or_else(|| napi_raw::throw_type_error(env, "\"instance.exports.memory\" property must be a WebAssembly.Memory object"))?;
  *w.memory.borrow_mut() = Some(memory.clone());
  if let Some(instance) = crate::api::instance::data_of(env, args[2]) {
    let mut linked = w.wasix.borrow_mut();
    let current = linked.as_ref().and_then(|l| l.group.upgrade());
    // Unless another live instance holds them, wasmer-wasix's functions serve this instance,
    // also when it imports none of them (wasiImport's JS calls still reach them).
    if current.as_ref().is_none_or(|g| Rc::ptr_eq(g, &instance.group)) {
      instance.group.enter(|store| {
        let l = match linked.as_mut() {
          Some(l) if current.is_some() => l,
          _ => linked.insert(wasix::Linked::new(&instance.group, store, &w.wasix_env)),
        };
        l.initialize(store, &instance.instance).map_err(|e| napi_raw::throw_error(env, &format!("wasm-rt: WASI start: {e}")))
      })?;
    }
    return Ok(napi_raw::undefined(env));
  }
  // Not a wasm-rt Instance but something that stands for one (emnapi's worker threads give a
  // Proxy of theirs): wasmer-wasix needs only an instance that exports the memory, so one is made
  // for it, in the store its functions are linked into.
  let group = w.wasix.borrow().as_ref().and_then(|l| l.group.upgrade());
  if let Some(group) = group {
    let mut linked = w.wasix.borrow_mut();
    group.enter(|store| {
      let m = crate::api::memory::for_import(env, &group, store, &memory)?;
      let stub = wasix::memory_instance(store, m).map_err(|e| napi_raw::throw_error(env, &format!("wasm-rt: WASI start: {e}")))?;
      let l = linked.as_mut().expect("checked above");
      l.initialize(store, &stub).map_err(|e| napi_raw::throw_error(env, &format!("wasm-rt: WASI start: {e}")))
    })?;
  }
  Ok(napi_raw::undefined(env))
}

/// `wasiExitCode(handle)`: the code given to proc_exit.
pub fn exit_code(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  napi_raw::int32(env, unwrap_wasi(env, args[0])?.exit_code.get())
}

/// Converts node:wasi's JS arguments: i32 parameters take numbers, i64 ones BigInts; anything
/// else (or a wrong count) makes the call answer EINVAL, as node:wasi's does.
fn js_args(env: napi_env, sig: &FunctionType, list: napi_value) -> JsResult<Option<Vec<i64>>> {
  let n = napi_raw::array_len(env, list)?;
  if n as usize != sig.params().len() {
    return Ok(None);
  }
  let mut out = Vec::with_capacity(n as usize);
  for (i, t) in sig.params().iter().enumerate() {
    let v = napi_raw::get_element(env, list, i as u32)?;
    let ty = napi_raw::type_of(env, v)?;
    match (t, ty) {
      (Type::I32, napi::sys::ValueType::napi_number) => out.push(napi_raw::get_i32(env, v)? as i64),
      (Type::I64, napi::sys::ValueType::napi_bigint) => out.push(napi_raw::get_bigint_i64(env, v)?),
      _ => return Ok(None),
    }
  }
  Ok(Some(out))
}

/// `wasiCall(handle, index, args)`: a `wasiImport` function called from JS.
pub fn call(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let w = unwrap_wasi(env, args[0])?;
  let index = napi_raw::get_i32(env, args[1])? as u32 as usize;
  if index > PROC_EXIT {
    return Err(napi_raw::throw_range_error(env, "wasm-rt: no such WASI function"));
  }
  let Some(values) = js_args(env, &signature(index), args[2])? else {
    return napi_raw::int32(env, errno::INVAL as i32);
  };
  let r = if index == PROC_EXIT { Err(w.proc_exit(values[0] as i32)) } else { from_js(&w, index, &values) };
  match r {
    Ok(e) => napi_raw::int32(env, e),
    Err(stop) => Err(w.to_pending(stop)),
  }
}

/// The wasm function to link for `v` if it is a `wasiImport` function of this type; None when
/// the module declares another type, which then links as a JS function (as in node:wasi).
pub fn import_for(env: napi_env, group: &Rc<Group>, store: &mut StoreMut<'_>, v: napi_value, ty: &FunctionType) -> JsResult<Option<Function>> {
  let Some(import) = napi_raw::unwrap::<(Rc<Wasi>, usize)>(env, v, &TAG_WASI_IMPORT) else {
    return Ok(None);
  };
  let (w, index) = &*import;
  if signature(*index) != *ty {
    return Ok(None);
  }
  // The instance's JS wrappers keep the WASI object alive through this function (see `Host`).
  group.hold(v)?;
  let fenv = FunctionEnv::new(store, Host(JsThread::new(Rc::downgrade(w))));
  if *index == PROC_EXIT {
    return Ok(Some(Function::new_typed_with_env(store, &fenv, |fe: FunctionEnvMut<'_, Host>, code: i32| -> Result<(), RuntimeError> {
      let h = fe.data().wasi()?;
      Err(h.to_runtime(h.proc_exit(code)))
    })));
  }
  if wasix::NAMES.contains(&name_of(*index)) {
    let mut linked = w.wasix.borrow_mut();
    let current = linked.as_ref().and_then(|l| l.group.upgrade());
    match current {
      Some(g) if Rc::ptr_eq(&g, group) => {}
      Some(_) => {
        return Err(crate::runtime::state::throw_link_error(
          env,
          "wasm-rt: this WASI object's imports are already linked into another live instance; use one WASI object per instance",
        ))
      }
      None => *linked = Some(wasix::Linked::new(group, store, &w.wasix_env)),
    }
  }
  Ok(Some(native(store, &fenv, *index)))
}
