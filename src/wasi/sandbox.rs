//! Confined path resolution: every guest path is resolved by the kernel beneath the directory
//! descriptor it is relative to (`openat2` with `RESOLVE_BENEATH`), so `..`, absolute paths and
//! symlinks — the host's, the guest's, relative, absolute or swapped in while the program runs —
//! cannot lead out of it. Operations on a final component (unlink, rename, stat without
//! following, ...) run on a confined parent descriptor with a plain name, never on a path string.

use std::ffi::{CStr, CString};
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

pub fn lstat_at(parent: &OwnedFd, name: &CStr) -> Result<libc::stat, Errno> {
  lstat_raw(parent.as_raw_fd(), name)
}

fn lstat_raw(parent: RawFd, name: &CStr) -> Result<libc::stat, Errno> {
  // SAFETY: `libc::stat` is plain data, valid when all zero.
  let mut st: libc::stat = unsafe { std::mem::zeroed() };
  // SAFETY: a valid descriptor, C string and stat buffer.
  if unsafe { libc::fstatat(parent, name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) } != 0 {
    return Err(last());
  }
  Ok(st)
}

pub fn fstat(fd: RawFd) -> Result<libc::stat, Errno> {
  // SAFETY: `libc::stat` is plain data, valid when all zero.
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
    // SAFETY: `libc::stat` is plain data, valid when all zero.
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
    Target::Entry { parent, name, .. } => {
      // SAFETY: a descriptor and a C string that outlive the call.
      ok(unsafe { libc::mkdirat(parent.as_raw_fd(), name.as_ptr(), 0o777) })
    }
  }
}

pub fn rmdir(dir: RawFd, path: &[u8]) -> Result<(), Errno> {
  match target(dir, path)? {
    Target::Dir(_) => Err(if path.ends_with(b"..") { errno::NOTEMPTY } else { errno::INVAL }),
    Target::Entry { parent, name, trailing_slash } => {
      check_trailing(&parent, &name, trailing_slash)?;
      // SAFETY: a descriptor and a C string that outlive the call.
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
      // SAFETY: a descriptor and a C string that outlive the call.
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
  check_moved(&src, (old_dir, &op, &on), (new_dir, &np))?;
  // rename(2) on confined parents: atomic, never follows a symlink, EXDEV across file systems.
  // SAFETY: descriptors and C strings that outlive the call.
  ok(unsafe { libc::renameat(op.as_raw_fd(), on.as_ptr(), np.as_raw_fd(), nn.as_ptr()) })
}

/// How many directories lie between `dir` and `inner`, a directory beneath it, counted on the
/// real tree (by walking `..` up to `dir`'s inode): the guest's path to `inner` may pass
/// through links and say nothing of it. None if `inner` is not beneath `dir` after all.
fn depth_below(dir: RawFd, inner: RawFd) -> Result<Option<usize>, Errno> {
  let root = fstat(dir)?;
  let mut st = fstat(inner)?;
  let mut here: Option<OwnedFd> = None;
  for depth in 0..4096 {
    if st.st_dev == root.st_dev && st.st_ino == root.st_ino {
      return Ok(Some(depth));
    }
    let at = here.as_ref().map_or(inner, AsRawFd::as_raw_fd);
    // SAFETY: a valid descriptor and C string.
    let up = unsafe { libc::openat(at, c"..".as_ptr(), libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC) };
    if up < 0 {
      return Err(last());
    }
    // SAFETY: a fresh descriptor the kernel just returned.
    let up = unsafe { OwnedFd::from_raw_fd(up) };
    let parent = fstat(up.as_raw_fd())?;
    if parent.st_dev == st.st_dev && parent.st_ino == st.st_ino {
      // The file system's root, and `dir` was not met on the way.
      return Ok(None);
    }
    st = parent;
    here = Some(up);
  }
  Ok(None)
}

/// Whether a symlink to `target_text` in a directory `depth` levels below the confining
/// directory leads only beneath it, however it is followed, by the guest or by a program on the
/// host: relative, its `..` components all first (names only after them, so that no link it
/// passes through can turn a later `..` into a climb), and no more of them than `depth`.
fn stays_beneath(target_text: &[u8], depth: usize) -> bool {
  let mut ups = 0usize;
  let mut named = false;
  for c in target_text.split(|&b| b == b'/').filter(|c| !c.is_empty() && *c != b".") {
    match (c, named) {
      (b"..", false) => ups += 1,
      (b"..", true) => return false,
      _ => named = true,
    }
  }
  target_text.first() != Some(&b'/') && ups <= depth
}

/// Refuses a symlink about to appear in `parent` (beneath `dir`) whose target could lead out.
fn check_link_target(target_text: &[u8], dir: RawFd, parent: RawFd) -> Result<(), Errno> {
  match depth_below(dir, parent)? {
    Some(depth) if stays_beneath(target_text, depth) => Ok(()),
    _ => Err(errno::NOTCAPABLE),
  }
}

fn read_link_at(parent: RawFd, name: &CStr) -> Result<Vec<u8>, Errno> {
  let mut buf = vec![0u8; libc::PATH_MAX as usize];
  // SAFETY: a valid descriptor, C string and buffer of the given length.
  let n = unsafe { libc::readlinkat(parent, name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
  if n < 0 {
    return Err(last());
  }
  buf.truncate(n as usize);
  Ok(buf)
}

/// The most entries a rename looks through for links (see `check_moved_links`).
const MOVED_ENTRIES_LIMIT: usize = 1 << 20;

/// Checks every symlink inside directory `moved` as if `moved` lay `depth` levels below the
/// confining directory: a directory moved closer to the top takes its links' `..` with it.
fn check_moved_links(moved: RawFd, depth: usize, budget: &mut usize) -> Result<(), Errno> {
  struct Dir(*mut libc::DIR);
  impl Drop for Dir {
    fn drop(&mut self) {
      // SAFETY: a stream from fdopendir, closed once (with its descriptor).
      unsafe { libc::closedir(self.0) };
    }
  }
  // SAFETY: a valid descriptor and C string.
  let fd = unsafe { libc::openat(moved, c".".as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC) };
  if fd < 0 {
    return Err(last());
  }
  // SAFETY: a directory descriptor we own, handed to the stream.
  let stream = unsafe { libc::fdopendir(fd) };
  if stream.is_null() {
    let e = last();
    // SAFETY: fdopendir failed, so the descriptor is still ours.
    unsafe { libc::close(fd) };
    return Err(e);
  }
  let stream = Dir(stream);
  loop {
    // SAFETY: a valid stream; the entry is used before the next readdir.
    let entry = unsafe { libc::readdir(stream.0) };
    if entry.is_null() {
      return Ok(());
    }
    *budget = budget.checked_sub(1).ok_or(errno::NOTCAPABLE)?;
    // SAFETY: readdir returned a valid entry with a NUL-terminated name.
    let (name, kind) = unsafe { (CStr::from_ptr((*entry).d_name.as_ptr()), (*entry).d_type) };
    if name.to_bytes() == b"." || name.to_bytes() == b".." {
      continue;
    }
    let mode = match kind {
      libc::DT_LNK => libc::S_IFLNK,
      libc::DT_DIR => libc::S_IFDIR,
      libc::DT_UNKNOWN => lstat_raw(fd, name)?.st_mode & libc::S_IFMT,
      _ => 0,
    };
    if mode == libc::S_IFLNK && !stays_beneath(&read_link_at(fd, name)?, depth) {
      return Err(errno::NOTCAPABLE);
    }
    if mode == libc::S_IFDIR {
      // SAFETY: a valid descriptor and C string.
      let sub = unsafe { libc::openat(fd, name.as_ptr(), libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC) };
      if sub < 0 {
        return Err(last());
      }
      // SAFETY: a fresh descriptor the kernel just returned.
      let sub = unsafe { OwnedFd::from_raw_fd(sub) };
      check_moved_links(sub.as_raw_fd(), depth + 1, budget)?;
    }
  }
}

/// Creates a symlink. The guest itself can never follow one out (lookups are confined), but a
/// program on the host would: a target that could lead out of `dir` is refused (see
/// `stays_beneath`), as node:wasi refuses an absolute one.
pub fn symlink(target_text: &[u8], dir: RawFd, path: &[u8]) -> Result<(), Errno> {
  if target_text.first() == Some(&b'/') {
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
      check_link_target(target_text, dir, parent.as_raw_fd())?;
      // SAFETY: descriptors and C strings that outlive the call.
      ok(unsafe { libc::symlinkat(t.as_ptr(), parent.as_raw_fd(), name.as_ptr()) })
    }
  }
}

/// A link or directory about to move (or get a second name) from `from`'s parent to the
/// directory `to` must still lead only beneath `to`'s confining directory there.
fn check_moved(src: &libc::stat, from: (RawFd, &OwnedFd, &CString), to: (RawFd, &OwnedFd)) -> Result<(), Errno> {
  let (old_dir, old_parent, name) = from;
  let (new_dir, new_parent) = to;
  match src.st_mode & libc::S_IFMT {
    libc::S_IFLNK => check_link_target(&read_link_at(old_parent.as_raw_fd(), name)?, new_dir, new_parent.as_raw_fd()),
    libc::S_IFDIR => {
      let new_depth = depth_below(new_dir, new_parent.as_raw_fd())?.ok_or(errno::NOTCAPABLE)?;
      // Moving deeper, or as deep, below the same confining directory only makes links safer.
      if same_file(old_dir, new_dir)? && depth_below(old_dir, old_parent.as_raw_fd())?.is_some_and(|d| d <= new_depth) {
        return Ok(());
      }
      let moved = open_beneath(old_parent.as_raw_fd(), name.as_bytes(), libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW, 0)?;
      let mut budget = MOVED_ENTRIES_LIMIT;
      check_moved_links(moved.as_raw_fd(), new_depth + 1, &mut budget)
    }
    _ => Ok(()),
  }
}

fn same_file(a: RawFd, b: RawFd) -> Result<bool, Errno> {
  let (a, b) = (fstat(a)?, fstat(b)?);
  Ok(a.st_dev == b.st_dev && a.st_ino == b.st_ino)
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
    // SAFETY: descriptors and C strings that outlive the call.
    return ok(unsafe { libc::linkat(libc::AT_FDCWD, proc.as_ptr(), np.as_raw_fd(), nn.as_ptr(), libc::AT_SYMLINK_FOLLOW) });
  }
  let Target::Entry { parent: op, name: on, trailing_slash: ot } = target(old_dir, old)? else {
    return Err(errno::PERM);
  };
  let src = lstat_at(&op, &on)?;
  if is_dir(&src) {
    return Err(errno::PERM);
  }
  // A second name for a symlink is a symlink in another place.
  check_moved(&src, (old_dir, &op, &on), (new_dir, &np))?;
  if ot {
    return Err(errno::NOTDIR);
  }
  if nt {
    // A new name with a trailing slash asks for a directory that does not exist yet.
    return Err(if lstat_at(&np, &nn).is_ok() { errno::EXIST } else { errno::NOENT });
  }
  // SAFETY: descriptors and C strings that outlive the call.
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
  // SAFETY: a descriptor and a C string that outlive the call; `buf` holds `buf.len()` bytes.
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
    // SAFETY: a C string and an array of two timespecs that outlive the call.
    return ok(unsafe { libc::utimensat(libc::AT_FDCWD, proc.as_ptr(), times.as_ptr(), 0) });
  }
  match target(dir, path)? {
    Target::Dir(fd) => {
      let proc = CString::new(format!("/proc/self/fd/{}", fd.as_raw_fd())).map_err(|_| errno::INVAL)?;
      // SAFETY: a C string and an array of two timespecs that outlive the call.
      ok(unsafe { libc::utimensat(libc::AT_FDCWD, proc.as_ptr(), times.as_ptr(), 0) })
    }
    Target::Entry { parent, name, trailing_slash } => {
      check_trailing(&parent, &name, trailing_slash)?;
      // SAFETY: a descriptor, a C string and an array of two timespecs that outlive the call.
      ok(unsafe { libc::utimensat(parent.as_raw_fd(), name.as_ptr(), times.as_ptr(), libc::AT_SYMLINK_NOFOLLOW) })
    }
  }
}

#[cfg(test)]
mod tests {
  use super::stays_beneath;

  #[test]
  fn a_link_stays_beneath_only_with_leading_ups_within_its_depth() {
    assert!(stays_beneath(b"file.txt", 0));
    assert!(stays_beneath(b"./a/./b", 0));
    assert!(stays_beneath(b"../x", 1));
    assert!(stays_beneath(b"../../x/y", 2));
    assert!(!stays_beneath(b"../x", 0), "one level above the preopen");
    assert!(!stays_beneath(b"../../x", 1));
    assert!(!stays_beneath(b"/etc/passwd", 5), "absolute");
    assert!(!stays_beneath(b"a/../../x", 3), "a `..` after a name may climb through a link");
    assert!(!stays_beneath(b"a/..", 3));
    assert!(stays_beneath(b"..//./../a", 2), "empty and `.` components count for nothing");
  }

  #[test]
  fn timespec_now_set_or_omit() {
    let (now, set) = (1, 2);
    assert_eq!(super::timespec(now, now, set, 5).tv_nsec, libc::UTIME_NOW);
    let t = super::timespec(set, now, set, 3_000_000_007);
    assert_eq!((t.tv_sec, t.tv_nsec), (3, 7));
    assert_eq!(super::timespec(0, now, set, 5).tv_nsec, libc::UTIME_OMIT);
  }
}
