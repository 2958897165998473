//! Clocks, signals and sockets: the preview1 functions that are neither files nor polling, and
//! that wasm-rt answers itself (see the README's WASI table for why each is not wasmer-wasix's).

use super::abi::{errno, filetype, rights};
use super::files::{Cx, R};

fn clock(id: i32) -> Result<libc::clockid_t, u16> {
  match id {
    0 => Ok(libc::CLOCK_REALTIME),
    1 => Ok(libc::CLOCK_MONOTONIC),
    2 => Ok(libc::CLOCK_PROCESS_CPUTIME_ID),
    3 => Ok(libc::CLOCK_THREAD_CPUTIME_ID),
    _ => Err(errno::INVAL),
  }
}

pub fn clock_time_get(cx: &Cx, id: i32, _precision: i64, time: i32) -> R {
  let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
  // SAFETY: clock_gettime fills one timespec.
  if unsafe { libc::clock_gettime(clock(id)?, &mut ts) } != 0 {
    return Err(super::abi::last());
  }
  cx.mem.put_u64(time as u32, ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
}

pub fn clock_res_get(cx: &Cx, id: i32, res: i32) -> R {
  let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
  // SAFETY: clock_getres fills one timespec.
  if unsafe { libc::clock_getres(clock(id)?, &mut ts) } != 0 {
    return Err(super::abi::last());
  }
  cx.mem.put_u64(res as u32, ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
}

/// node:wasi delivers the signal to the whole Node process (a guest could kill its host); a
/// sandbox does not, so the guest is told signals are not supported.
pub fn proc_raise(_cx: &Cx, _sig: i32) -> R {
  Err(errno::NOTSUP)
}

/// A socket descriptor of the guest (only stdio can be one in preview1).
fn socket(cx: &Cx, fd: i32, needed: u64) -> Result<i32, u16> {
  let t = cx.fds.borrow();
  let e = t.get(fd)?;
  if e.filetype != filetype::SOCKET_STREAM && e.filetype != filetype::SOCKET_DGRAM {
    return Err(errno::NOTSOCK);
  }
  e.with(needed)
}

pub fn sock_accept(cx: &Cx, fd: i32, _flags: i32, _out: i32) -> R {
  socket(cx, fd, rights::SOCK_ACCEPT)?;
  Err(errno::NOTSUP)
}

pub fn sock_recv(cx: &Cx, fd: i32, _data: i32, _len: i32, _flags: i32, _out_len: i32, _out_flags: i32) -> R {
  socket(cx, fd, rights::FD_READ)?;
  Err(errno::NOTSUP)
}

pub fn sock_send(cx: &Cx, fd: i32, _data: i32, _len: i32, _flags: i32, _out_len: i32) -> R {
  socket(cx, fd, rights::FD_WRITE)?;
  Err(errno::NOTSUP)
}

/// A guest's socket is one of its stdio descriptors, which belong to the host process: shutting
/// one down would cut the host's own connection. node:wasi does not implement it either.
pub fn sock_shutdown(cx: &Cx, fd: i32, how: i32) -> R {
  socket(cx, fd, rights::SOCK_SHUTDOWN)?;
  if !(1..=3).contains(&how) {
    return Err(errno::INVAL);
  }
  Err(errno::NOTSUP)
}
