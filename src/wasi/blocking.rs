//! The waits of WASI calls that can block: reading an empty pipe, writing a full one, polling,
//! opening a FIFO no peer has opened. Each also waits on the thread's wake-up descriptor
//! (limits/watchdog.rs), so that a deadline or a worker's termination ends the call, which then
//! fails with `STOPPED` (the limit's error, in wasm's place).

use std::os::fd::RawFd;

use super::abi::{last, Errno};
use crate::runtime::limits::watchdog;

/// Not a preview1 errno: the call was ended because the thread's wasm is being stopped
/// (mod.rs turns it into the limit's error).
pub const STOPPED: Errno = u16::MAX;

/// Polls `fds` (whose last entry is left for the wake-up descriptor) for up to `timeout_ms`
/// (-1: no limit); the number of ready descriptors, or STOPPED.
pub fn poll(fds: &mut [libc::pollfd], timeout: Option<&libc::timespec>) -> Result<usize, Errno> {
  let (last_slot, _) = fds.split_last_mut().expect("a slot for the wake-up descriptor");
  *last_slot = libc::pollfd { fd: watchdog::wake_fd().unwrap_or(-1), events: libc::POLLIN, revents: 0 };
  loop {
    if watchdog::stopping() {
      return Err(STOPPED);
    }
    let ts = timeout.map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: a valid array of pollfds; `ts` (if any) lives across the call. A descriptor of -1
    // is ignored by the kernel.
    let r = unsafe { libc::ppoll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ts, std::ptr::null()) };
    if r >= 0 {
      if watchdog::stopping() {
        return Err(STOPPED);
      }
      return Ok(r as usize);
    }
    if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
      return Err(last());
    }
  }
}

/// Waits until `fd` is ready for `events`.
pub fn ready(fd: RawFd, events: libc::c_short) -> Result<(), Errno> {
  let mut fds = [libc::pollfd { fd, events, revents: 0 }, libc::pollfd { fd: -1, events: 0, revents: 0 }];
  poll(&mut fds, None).map(drop)
}

/// Sleeps `ms` milliseconds, or until the thread's wasm is being stopped.
pub fn sleep(ms: u32) -> Result<(), Errno> {
  let ts = libc::timespec { tv_sec: (ms / 1000) as i64, tv_nsec: (ms % 1000) as i64 * 1_000_000 };
  let mut fds = [libc::pollfd { fd: -1, events: 0, revents: 0 }];
  poll(&mut fds, Some(&ts)).map(drop)
}
