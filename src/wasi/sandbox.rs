//! Confined path resolution: every guest path is resolved by the kernel beneath the directory
//! descriptor it is relative to (`openat2` with `RESOLVE_BENEATH`), so `..`, absolute paths and
//! symlinks — the host's, the guest's, relative, absolute or swapped in while the program runs —
//! cannot lead out of it. Operations on a final component (unlink, rename, stat without
//! following, ...) run on a confined parent descriptor with a plain name, never on a path string.

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use super::abi::{errno, last, Errno};

const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
const RESOLVE_BENEATH: u64 = 0x08;

#[repr(C)]
struct OpenHow {
  flags: u64,
  mode: u64,
  resolve: u64,
}

/// `openat2(dir, path, flags, mode)` confined beneath `dir`.
pub fn open_beneath(dir: RawFd, path: &[u8], flags: i32, mode: u32) -> Result<OwnedFd, Errno> {
  if path.is_empty() {
    return Err(errno::NOENT);
  }
  let c = CString::new(path).map_err(|_| errno::INVAL)?;
  // openat2 refuses a mode without O_CREAT.
  let mode = if flags & libc::O_CREAT != 0 { mode } else { 0 };
  let how = OpenHow { flags: (flags | libc::O_CLOEXEC) as u64, mode: mode as u64, resolve: RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
  loop {
    // SAFETY: a valid C string and a properly sized open_how.
    let r = unsafe { libc::syscall(libc::SYS_openat2, dir, c.as_ptr(), &how as *const OpenHow, std::mem::size_of::<OpenHow>()) };
    if r >= 0 {
      // SAFETY: a fresh descriptor the kernel just returned.
      return Ok(unsafe { OwnedFd::from_raw_fd(r as RawFd) });
    }
    let e = std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO);
    // EAGAIN: a rename raced the lookup; the kernel asks to retry.
    if e != libc::EAGAIN && e != libc::EINTR {
      return Err(if e == libc::ENOSYS { errno::NOSYS } else { super::abi::from_host(e) });
    }
  }
}

/// Whether this kernel confines lookups (openat2 exists: Linux 5.6).
pub fn available() -> bool {
  match open_beneath(libc::AT_FDCWD, b".", libc::O_PATH | libc::O_DIRECTORY, 0) {
    Ok(_) => true,
    Err(e) => e != errno::NOSYS,
  }
}

/// Where a path's last component lives.
pub enum Target {
  /// A directory entry: a confined descriptor of its parent and the entry's name (no `/`).
  Entry { parent: OwnedFd, name: CString, trailing_slash: bool },
  /// The path names a directory itself (`.`, `..`, `a/..`): opened, confined.
  Dir(OwnedFd),
}

/// Splits `path` into a confined parent descriptor and a last component.
pub fn target(dir: RawFd, path: &[u8]) -> Result<Target, Errno> {
  if path.is_empty() {
    return Err(errno::NOENT);
  }
  let mut end = path.len();
  while end > 1 && path[end - 1] == b'/' {
    end -= 1;
  }
  let trailing_slash = end < path.len();
  let trimmed = &path[..end];
  let (parent_path, name): (&[u8], &[u8]) = match trimmed.iter().rposition(|&b| b == b'/') {
    Some(0) => (b"/", &trimmed[1..]),
    Some(i) => (&trimmed[..i], &trimmed[i + 1..]),
    None => (b".", trimmed),
  };
  if name.is_empty() || name == b"." || name == b".." {
    return open_beneath(dir, trimmed, libc::O_PATH | libc::O_DIRECTORY, 0).map(Target::Dir);
  }
  let parent = open_beneath(dir, parent_path, libc::O_PATH | libc::O_DIRECTORY, 0)?;
  Ok(Target::Entry { parent, name: CString::new(name).map_err(|_| errno::INVAL)?, trailing_slash })
}

pub fn lstat_at(parent: &OwnedFd, name: &CString) -> Result<libc::stat, Errno> {
  let mut st: libc::stat = unsafe { std::mem::zeroed() };
  // SAFETY: a valid descriptor, C string and stat buffer.
  if unsafe { libc::fstatat(parent.as_raw_fd(), name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) } != 0 {
    return Err(last());
  }
  Ok(st)
}

pub fn fstat(fd: RawFd) -> Result<libc::stat, Errno> {
  let mut st: libc::stat = unsafe { std::mem::zeroed() };
  // SAFETY: a stat buffer of the right size.
  if unsafe { libc::fstat(fd, &mut st) } != 0 {
    return Err(last());
  }
  Ok(st)
}

fn is_dir(st: &libc::stat) -> bool {
  st.st_mode & libc::S_IFMT == libc::S_IFDIR
}

/// An entry named with a trailing slash must be a directory (a symlink is not followed here).
fn check_trailing(parent: &OwnedFd, name: &CString, trailing_slash: bool) -> Result<(), Errno> {
  if trailing_slash && !is_dir(&lstat_at(parent, name)?) {
    return Err(errno::NOTDIR);
  }
  Ok(())
}

/// stat of what `path` names, following a final symlink or not.
pub fn stat(dir: RawFd, path: &[u8], follow: bool) -> Result<libc::stat, Errno> {
  // A plain name in `dir` needs no resolution: one fstatat that follows nothing, unless it
  // finds a symlink to follow.
  if !path.contains(&b'/') && path != b"." && path != b".." && !path.is_empty() {
    let name = CString::new(path).map_err(|_| errno::INVAL)?;
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: a valid descriptor, C string and stat buffer.
    if unsafe { libc::fstatat(dir, name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) } != 0 {
      return Err(last());
    }
    if !follow || st.st_mode & libc::S_IFMT != libc::S_IFLNK {
      return Ok(st);
    }
  }
  if follow {
    let fd = open_beneath(dir, path, libc::O_PATH, 0)?;
    return fstat(fd.as_raw_fd());
  }
  match target(dir, path)? {
    Target::Dir(fd) => fstat(fd.as_raw_fd()),
    Target::Entry { parent, name, trailing_slash } => {
      let st = lstat_at(&parent, &name)?;
      if trailing_slash && !is_dir(&st) {
        // A trailing slash asks for a directory: follow a symlink (confined) to see if it is one.
        let fd = open_beneath(dir, path, libc::O_PATH | libc::O_DIRECTORY, 0)?;
        return fstat(fd.as_raw_fd());
      }
      Ok(st)
    }
  }
}

fn ok(r: libc::c_int) -> Result<(), Errno> {
  if r == 0 {
    Ok(())
  } else {
    Err(last())
  }
}

pub fn mkdir(dir: RawFd, path: &[u8]) -> Result<(), Errno> {
  match target(dir, path)? {
    Target::Dir(_) => Err(errno::EXIST),
    // SAFETY (each libc call below): valid descriptors and C strings.
    Target::Entry { parent, name, .. } => ok(unsafe { libc::mkdirat(parent.as_raw_fd(), name.as_ptr(), 0o777) }),
  }
}

pub fn rmdir(dir: RawFd, path: &[u8]) -> Result<(), Errno> {
  match target(dir, path)? {
    Target::Dir(_) => Err(if path.ends_with(b"..") { errno::NOTEMPTY } else { errno::INVAL }),
    Target::Entry { parent, name, trailing_slash } => {
      check_trailing(&parent, &name, trailing_slash)?;
      ok(unsafe { libc::unlinkat(parent.as_raw_fd(), name.as_ptr(), libc::AT_REMOVEDIR) })
    }
  }
}

pub fn unlink(dir: RawFd, path: &[u8]) -> Result<(), Errno> {
  match target(dir, path)? {
    Target::Dir(_) => Err(errno::ISDIR),
    Target::Entry { parent, name, trailing_slash } => {
      if trailing_slash {
        let st = lstat_at(&parent, &name)?;
        return Err(if is_dir(&st) { errno::ISDIR } else { errno::NOTDIR });
      }
      ok(unsafe { libc::unlinkat(parent.as_raw_fd(), name.as_ptr(), 0) })
    }
  }
}

pub fn rename(old_dir: RawFd, old: &[u8], new_dir: RawFd, new: &[u8]) -> Result<(), Errno> {
  let (Target::Entry { parent: op, name: on, trailing_slash: ot }, Target::Entry { parent: np, name: nn, trailing_slash: nt }) =
    (target(old_dir, old)?, target(new_dir, new)?)
  else {
    return Err(errno::BUSY);
  };
  let src = lstat_at(&op, &on)?;
  if (ot || nt) && !is_dir(&src) {
    return Err(errno::NOTDIR);
  }
  // rename(2) on confined parents: atomic, never follows a symlink, EXDEV across file systems.
  ok(unsafe { libc::renameat(op.as_raw_fd(), on.as_ptr(), np.as_raw_fd(), nn.as_ptr()) })
}

/// How deep `path`'s parent lies below the directory it is relative to, if it stays beneath.
fn parent_depth(path: &[u8]) -> Option<usize> {
  let mut parts: Vec<&[u8]> = path.split(|&b| b == b'/').filter(|c| !c.is_empty()).collect();
  parts.pop();
  parts.into_iter().try_fold(0usize, |depth, c| match c {
    b"." => Some(depth),
    b".." => depth.checked_sub(1),
    _ => Some(depth + 1),
  })
}

/// Creates a symlink. Its target is only text that the guest can never follow out (lookups are
/// confined), but host programs would: a target that is absolute or climbs above the
/// directory descriptor is refused, as node:wasi refuses it.
pub fn symlink(target_text: &[u8], dir: RawFd, path: &[u8]) -> Result<(), Errno> {
  let depth = parent_depth(path).ok_or(errno::NOTCAPABLE)?;
  let climbs_out = target_text.split(|&b| b == b'/').filter(|c| !c.is_empty()).try_fold(depth, |d, c| match c {
    b"." => Some(d),
    b".." => d.checked_sub(1),
    _ => Some(d + 1),
  });
  if target_text.first() == Some(&b'/') || climbs_out.is_none() {
    return Err(errno::NOTCAPABLE);
  }
  let t = CString::new(target_text).map_err(|_| errno::INVAL)?;
  match target(dir, path)? {
    Target::Dir(_) => Err(errno::EXIST),
    Target::Entry { parent, name, trailing_slash } => {
      if trailing_slash {
        return Err(match lstat_at(&parent, &name) {
          Ok(_) => errno::EXIST,
          Err(_) => errno::NOENT,
        });
      }
      ok(unsafe { libc::symlinkat(t.as_ptr(), parent.as_raw_fd(), name.as_ptr()) })
    }
  }
}

pub fn link(old_dir: RawFd, old: &[u8], follow: bool, new_dir: RawFd, new: &[u8]) -> Result<(), Errno> {
  let Target::Entry { parent: np, name: nn, trailing_slash: nt } = target(new_dir, new)? else {
    return Err(errno::EXIST);
  };
  if follow {
    // The kernel must not follow the link itself (it could lead out): resolve it confined, then
    // link the inode through its /proc handle.
    let fd = open_beneath(old_dir, old, libc::O_PATH, 0)?;
    if is_dir(&fstat(fd.as_raw_fd())?) {
      return Err(errno::PERM);
    }
    let proc = CString::new(format!("/proc/self/fd/{}", fd.as_raw_fd())).map_err(|_| errno::INVAL)?;
    return ok(unsafe { libc::linkat(libc::AT_FDCWD, proc.as_ptr(), np.as_raw_fd(), nn.as_ptr(), libc::AT_SYMLINK_FOLLOW) });
  }
  let Target::Entry { parent: op, name: on, trailing_slash: ot } = target(old_dir, old)? else {
    return Err(errno::PERM);
  };
  let src = lstat_at(&op, &on)?;
  if is_dir(&src) {
    return Err(errno::PERM);
  }
  if ot {
    return Err(errno::NOTDIR);
  }
  if nt {
    // A new name with a trailing slash asks for a directory that does not exist yet.
    return Err(if lstat_at(&np, &nn).is_ok() { errno::EXIST } else { errno::NOENT });
  }
  ok(unsafe { libc::linkat(op.as_raw_fd(), on.as_ptr(), np.as_raw_fd(), nn.as_ptr(), 0) })
}

pub fn readlink(dir: RawFd, path: &[u8]) -> Result<Vec<u8>, Errno> {
  let Target::Entry { parent, name, trailing_slash } = target(dir, path)? else {
    return Err(errno::INVAL);
  };
  if trailing_slash {
    return Err(errno::NOTDIR);
  }
  let mut buf = vec![0u8; 4096];
  let n = unsafe { libc::readlinkat(parent.as_raw_fd(), name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
  if n < 0 {
    return Err(last());
  }
  buf.truncate(n as usize);
  Ok(buf)
}

pub fn timespec(flags: u16, now: u16, set: u16, t: u64) -> libc::timespec {
  if flags & now != 0 {
    libc::timespec { tv_sec: 0, tv_nsec: libc::UTIME_NOW }
  } else if flags & set != 0 {
    libc::timespec { tv_sec: (t / 1_000_000_000) as i64, tv_nsec: (t % 1_000_000_000) as i64 }
  } else {
    libc::timespec { tv_sec: 0, tv_nsec: libc::UTIME_OMIT }
  }
}

/// Sets the times of what `path` names; a symlink itself when not following.
pub fn set_times(dir: RawFd, path: &[u8], follow: bool, times: &[libc::timespec; 2]) -> Result<(), Errno> {
  if follow {
    let fd = open_beneath(dir, path, libc::O_PATH, 0)?;
    let proc = CString::new(format!("/proc/self/fd/{}", fd.as_raw_fd())).map_err(|_| errno::INVAL)?;
    return ok(unsafe { libc::utimensat(libc::AT_FDCWD, proc.as_ptr(), times.as_ptr(), 0) });
  }
  match target(dir, path)? {
    Target::Dir(fd) => {
      let proc = CString::new(format!("/proc/self/fd/{}", fd.as_raw_fd())).map_err(|_| errno::INVAL)?;
      ok(unsafe { libc::utimensat(libc::AT_FDCWD, proc.as_ptr(), times.as_ptr(), 0) })
    }
    Target::Entry { parent, name, trailing_slash } => {
      check_trailing(&parent, &name, trailing_slash)?;
      ok(unsafe { libc::utimensat(parent.as_raw_fd(), name.as_ptr(), times.as_ptr(), libc::AT_SYMLINK_NOFOLLOW) })
    }
  }
}
