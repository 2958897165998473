//! `poll_oneoff`: clock subscriptions (relative or absolute, realtime or monotonic) and
//! descriptor subscriptions, waited on with one `ppoll` on the calling thread.

use super::abi::{errno, filetype, rights, Errno};
use super::blocking;
use super::files::{Cx, R};

const EVENT_CLOCK: u8 = 0;
const EVENT_FD_READ: u8 = 1;
const EVENT_FD_WRITE: u8 = 2;
const SUBCLOCK_ABSTIME: u16 = 1;
const EVENT_HANGUP: u16 = 1;

fn now(clock: libc::clockid_t) -> u64 {
  let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
  // SAFETY: clock_gettime fills one timespec.
  unsafe { libc::clock_gettime(clock, &mut ts) };
  ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

struct Event {
  userdata: u64,
  error: Errno,
  kind: u8,
  nbytes: u64,
  flags: u16,
}

impl Event {
  fn bytes(&self) -> [u8; 32] {
    let mut b = [0u8; 32];
    b[0..8].copy_from_slice(&self.userdata.to_le_bytes());
    b[8..10].copy_from_slice(&self.error.to_le_bytes());
    b[10] = self.kind;
    b[16..24].copy_from_slice(&self.nbytes.to_le_bytes());
    b[24..26].copy_from_slice(&self.flags.to_le_bytes());
    b
  }
}

enum Waiting {
  /// A clock subscription: its userdata and its monotonic deadline.
  Clock(u64, u64),
  /// A descriptor subscription: userdata, kind, the index of its pollfd.
  Fd(u64, u8, usize),
}

pub fn poll_oneoff(cx: &Cx, input: i32, output: i32, nsubs: i32, nevents: i32) -> R {
  let n = nsubs as u32;
  if n == 0 {
    return Err(errno::INVAL);
  }
  let mut ready: Vec<Event> = Vec::new();
  let mut waiting: Vec<Waiting> = Vec::new();
  let mut pollfds: Vec<libc::pollfd> = Vec::new();
  let start = now(libc::CLOCK_MONOTONIC);
  {
    let t = cx.fds.borrow();
    for i in 0..n {
      let at = (input as u32).checked_add(i.checked_mul(48).ok_or(errno::OVERFLOW)?).ok_or(errno::OVERFLOW)?;
      let s = cx.mem.bytes(at, 48)?;
      let userdata = u64::from_le_bytes(s[0..8].try_into().expect("8 bytes"));
      let tag = s[8];
      match tag {
        EVENT_CLOCK => {
          let id = u32::from_le_bytes(s[16..20].try_into().expect("4 bytes"));
          let timeout = u64::from_le_bytes(s[24..32].try_into().expect("8 bytes"));
          let flags = u16::from_le_bytes([s[40], s[41]]);
          let deadline = match (id, flags & SUBCLOCK_ABSTIME != 0) {
            (0 | 1, false) => start.saturating_add(timeout),
            (1, true) => timeout,
            (0, true) => start.saturating_add(timeout.saturating_sub(now(libc::CLOCK_REALTIME))),
            _ => {
              ready.push(Event { userdata, error: errno::INVAL, kind: EVENT_CLOCK, nbytes: 0, flags: 0 });
              continue;
            }
          };
          waiting.push(Waiting::Clock(userdata, deadline));
        }
        EVENT_FD_READ | EVENT_FD_WRITE => {
          let fd = i32::from_le_bytes(s[16..20].try_into().expect("4 bytes"));
          let entry = match t.get(fd).and_then(|e| e.with(rights::POLL_FD_READWRITE).map(|h| (e, h))) {
            Ok(x) => x,
            Err(error) => {
              ready.push(Event { userdata, error, kind: tag, nbytes: 0, flags: 0 });
              continue;
            }
          };
          let (e, host) = entry;
          if e.filetype == filetype::REGULAR_FILE || e.filetype == filetype::DIRECTORY {
            // Files are always ready; a read reports the bytes left after the position.
            let nbytes = if tag == EVENT_FD_READ { bytes_left(host) } else { 0 };
            ready.push(Event { userdata, error: errno::SUCCESS, kind: tag, nbytes, flags: 0 });
            continue;
          }
          let events = if tag == EVENT_FD_READ { libc::POLLIN } else { libc::POLLOUT };
          pollfds.push(libc::pollfd { fd: host, events, revents: 0 });
          waiting.push(Waiting::Fd(userdata, tag, pollfds.len() - 1));
        }
        _ => return Err(errno::INVAL),
      }
    }
  }

  let deadline = waiting.iter().filter_map(|w| if let Waiting::Clock(_, d) = w { Some(*d) } else { None }).min();
  if ready.is_empty() && !waiting.is_empty() {
    let wait = deadline.map(|d| d.saturating_sub(now(libc::CLOCK_MONOTONIC)));
    let ts = wait.map(|w| libc::timespec { tv_sec: (w / 1_000_000_000) as i64, tv_nsec: (w % 1_000_000_000) as i64 });
    // The wait also ends when the thread's wasm is to stop (a deadline, a termination).
    pollfds.push(libc::pollfd { fd: -1, events: 0, revents: 0 });
    blocking::poll(&mut pollfds, ts.as_ref())?;
    pollfds.pop();
  } else if !pollfds.is_empty() {
    // Something is ready already: only look, do not wait.
    // SAFETY: as above, with a zero timeout.
    unsafe { libc::poll(pollfds.as_mut_ptr(), pollfds.len() as libc::nfds_t, 0) };
  }

  let t_now = now(libc::CLOCK_MONOTONIC);
  for w in &waiting {
    match *w {
      Waiting::Clock(userdata, d) if d <= t_now => ready.push(Event { userdata, error: errno::SUCCESS, kind: EVENT_CLOCK, nbytes: 0, flags: 0 }),
      Waiting::Fd(userdata, kind, i) if pollfds[i].revents != 0 => {
        let p = pollfds[i];
        let hangup = p.revents & libc::POLLHUP != 0;
        let error = if p.revents & libc::POLLNVAL != 0 { errno::BADF } else { errno::SUCCESS };
        let nbytes = if kind == EVENT_FD_READ { pending_bytes(p.fd) } else { 0 };
        ready.push(Event { userdata, error, kind, nbytes, flags: if hangup { EVENT_HANGUP } else { 0 } });
      }
      _ => {}
    }
  }
  for (i, e) in ready.iter().enumerate() {
    cx.mem.put((output as u32).wrapping_add(i as u32 * 32), &e.bytes())?;
  }
  cx.mem.put_u32(nevents as u32, ready.len() as u32)
}

fn bytes_left(fd: i32) -> u64 {
  // SAFETY: lseek and fstat on a descriptor.
  let pos = unsafe { libc::lseek(fd, 0, libc::SEEK_CUR) };
  match super::sandbox::fstat(fd) {
    Ok(st) if pos >= 0 => (st.st_size as u64).saturating_sub(pos as u64),
    _ => 0,
  }
}

fn pending_bytes(fd: i32) -> u64 {
  let mut n: libc::c_int = 0;
  // SAFETY: FIONREAD writes one int.
  if unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) } == 0 {
    n.max(0) as u64
  } else {
    0
  }
}
