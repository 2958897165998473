//! The preview1 `fd_*` and `path_*` functions, on host descriptors and the confined resolution
//! of sandbox.rs. Every function is synchronous on the calling thread, as in uvwasi.

use std::cell::RefCell;
use std::os::fd::{AsRawFd, RawFd};

use super::abi::{self, errno, fdflags, filetype, fstflags, last, oflags, rights, Errno, Mem, LOOKUP_SYMLINK_FOLLOW};
use super::fds::{self, Entry, Host, Table};
use super::{blocking, sandbox};

/// What one call works on: the descriptor table and the guest's memory.
pub struct Cx<'a> {
  pub fds: &'a RefCell<Table>,
  pub mem: Mem,
}

pub type R = Result<(), Errno>;

fn check(r: libc::c_int) -> R {
  if r == 0 {
    Ok(())
  } else {
    Err(last())
  }
}

fn ssize(r: isize) -> Result<usize, Errno> {
  if r < 0 {
    Err(last())
  } else {
    Ok(r as usize)
  }
}

/// Whether I/O on a descriptor of this type can wait for a peer (pipes, sockets, terminals):
/// it is then waited for first, where a deadline or termination can end the wait.
fn may_wait(e: &Entry) -> bool {
  e.filetype != filetype::REGULAR_FILE && e.filetype != filetype::DIRECTORY
}

fn io_slices(mem: &Mem, iovs: i32, n: i32) -> Result<Vec<libc::iovec>, Errno> {
  let list = mem.iovecs(iovs as u32, n as u32)?;
  let mut out = Vec::with_capacity(list.len());
  for (buf, len) in list {
    let b = mem.bytes_mut(buf, len)?;
    out.push(libc::iovec { iov_base: b.as_mut_ptr().cast(), iov_len: b.len() });
  }
  Ok(out)
}

fn is_stdio(e: &Entry) -> bool {
  matches!(e.host, Host::Borrowed(_))
}

/// Writes every byte of the iovecs; a stdio descriptor is written to the end, waiting out
/// EAGAIN, so output arrives whole and in order. `wait`: first wait until the descriptor takes
/// data (see `may_wait`).
fn write_all(fd: RawFd, vecs: &[libc::iovec], whole: bool, offset: Option<i64>, wait: bool) -> Result<usize, Errno> {
  if !whole {
    if wait {
      blocking::ready(fd, libc::POLLOUT)?;
    }
    // SAFETY: the iovecs point into guest memory, in bounds.
    let r = unsafe {
      match offset {
        Some(o) => libc::pwritev(fd, vecs.as_ptr(), vecs.len() as i32, o),
        None => libc::writev(fd, vecs.as_ptr(), vecs.len() as i32),
      }
    };
    return ssize(r);
  }
  let mut total = 0usize;
  for v in vecs {
    let mut done = 0usize;
    while done < v.iov_len {
      if wait {
        blocking::ready(fd, libc::POLLOUT)?;
      }
      // SAFETY: in bounds of the iovec.
      let r = unsafe { libc::write(fd, (v.iov_base as *const u8).add(done).cast(), v.iov_len - done) };
      if r < 0 {
        let e = std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO);
        match e {
          libc::EAGAIN => blocking::ready(fd, libc::POLLOUT)?,
          libc::EINTR => {}
          _ if total + done > 0 => return Ok(total + done),
          _ => return Err(abi::from_host(e)),
        }
        continue;
      }
      done += r as usize;
    }
    total += done;
  }
  Ok(total)
}

fn read_into(fd: RawFd, vecs: &[libc::iovec], offset: Option<i64>, wait: bool) -> Result<usize, Errno> {
  loop {
    if wait {
      blocking::ready(fd, libc::POLLIN)?;
    }
    // SAFETY: the iovecs point into guest memory, in bounds.
    let r = unsafe {
      match offset {
        Some(o) => libc::preadv(fd, vecs.as_ptr(), vecs.len() as i32, o),
        None => libc::readv(fd, vecs.as_ptr(), vecs.len() as i32),
      }
    };
    if r >= 0 {
      return Ok(r as usize);
    }
    match std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO) {
      libc::EAGAIN => blocking::ready(fd, libc::POLLIN)?,
      libc::EINTR => {}
      e => return Err(abi::from_host(e)),
    }
  }
}

pub fn fd_write(cx: &Cx, fd: i32, iovs: i32, n: i32, nwritten: i32) -> R {
  let t = cx.fds.borrow();
  let e = t.get(fd)?;
  let host = e.with(rights::FD_WRITE)?;
  let vecs = io_slices(&cx.mem, iovs, n)?;
  let w = write_all(host, &vecs, is_stdio(e), None, may_wait(e))?;
  cx.mem.put_u32(nwritten as u32, w as u32)
}

pub fn fd_pwrite(cx: &Cx, fd: i32, iovs: i32, n: i32, offset: i64, nwritten: i32) -> R {
  let t = cx.fds.borrow();
  let e = t.get(fd)?;
  let host = e.with(rights::FD_WRITE | rights::FD_SEEK)?;
  if e.filetype == filetype::DIRECTORY {
    return Err(errno::ISDIR);
  }
  let vecs = io_slices(&cx.mem, iovs, n)?;
  let w = write_all(host, &vecs, false, Some(offset), may_wait(e))?;
  cx.mem.put_u32(nwritten as u32, w as u32)
}

pub fn fd_read(cx: &Cx, fd: i32, iovs: i32, n: i32, nread: i32) -> R {
  let t = cx.fds.borrow();
  let e = t.get(fd)?;
  let host = e.with(rights::FD_READ)?;
  let vecs = io_slices(&cx.mem, iovs, n)?;
  let r = read_into(host, &vecs, None, may_wait(e))?;
  cx.mem.put_u32(nread as u32, r as u32)
}

pub fn fd_pread(cx: &Cx, fd: i32, iovs: i32, n: i32, offset: i64, nread: i32) -> R {
  let t = cx.fds.borrow();
  let e = t.get(fd)?;
  let host = e.with(rights::FD_READ | rights::FD_SEEK)?;
  if e.filetype == filetype::DIRECTORY {
    return Err(errno::ISDIR);
  }
  let vecs = io_slices(&cx.mem, iovs, n)?;
  let r = read_into(host, &vecs, Some(offset), may_wait(e))?;
  cx.mem.put_u32(nread as u32, r as u32)
}

pub fn fd_seek(cx: &Cx, fd: i32, offset: i64, whence: i32, newoffset: i32) -> R {
  let t = cx.fds.borrow();
  let needed = if offset == 0 && whence == 1 { rights::FD_TELL } else { rights::FD_SEEK | rights::FD_TELL };
  let e = t.get(fd)?;
  if e.base & needed == 0 {
    return Err(errno::NOTCAPABLE);
  }
  let how = match whence {
    0 => libc::SEEK_SET,
    1 => libc::SEEK_CUR,
    2 => libc::SEEK_END,
    _ => return Err(errno::INVAL),
  };
  // SAFETY: lseek on a descriptor.
  let r = unsafe { libc::lseek(e.fd(), offset, how) };
  if r < 0 {
    return Err(last());
  }
  cx.mem.put_u64(newoffset as u32, r as u64)
}

pub fn fd_tell(cx: &Cx, fd: i32, offset: i32) -> R {
  let t = cx.fds.borrow();
  let host = t.get(fd)?.with(rights::FD_TELL)?;
  // SAFETY: lseek on a descriptor.
  let r = unsafe { libc::lseek(host, 0, libc::SEEK_CUR) };
  if r < 0 {
    return Err(last());
  }
  cx.mem.put_u64(offset as u32, r as u64)
}

pub fn fd_close(cx: &Cx, fd: i32) -> R {
  // Dropping an owned entry closes its host descriptor; stdio stays open on the host.
  cx.fds.borrow_mut().remove(fd).map(drop)
}

pub fn fd_renumber(cx: &Cx, from: i32, to: i32) -> R {
  cx.fds.borrow_mut().renumber(from, to)
}

pub fn fd_sync(cx: &Cx, fd: i32) -> R {
  let t = cx.fds.borrow();
  let host = t.get(fd)?.with(rights::FD_SYNC)?;
  // SAFETY: fsync on a descriptor.
  check(unsafe { libc::fsync(host) })
}

pub fn fd_datasync(cx: &Cx, fd: i32) -> R {
  let t = cx.fds.borrow();
  let host = t.get(fd)?.with(rights::FD_DATASYNC)?;
  // SAFETY: fdatasync on a descriptor.
  check(unsafe { libc::fdatasync(host) })
}

pub fn fd_advise(cx: &Cx, fd: i32, offset: i64, len: i64, advice: i32) -> R {
  let t = cx.fds.borrow();
  let e = t.get(fd)?;
  let host = e.with(rights::FD_ADVISE)?;
  let how = match advice {
    0 => libc::POSIX_FADV_NORMAL,
    1 => libc::POSIX_FADV_SEQUENTIAL,
    2 => libc::POSIX_FADV_RANDOM,
    3 => libc::POSIX_FADV_WILLNEED,
    4 => libc::POSIX_FADV_DONTNEED,
    5 => libc::POSIX_FADV_NOREUSE,
    _ => return Err(errno::INVAL),
  };
  if e.filetype == filetype::DIRECTORY {
    return Err(errno::BADF);
  }
  // SAFETY: posix_fadvise on a descriptor; it returns the error number itself.
  match unsafe { libc::posix_fadvise(host, offset, len, how) } {
    0 => Ok(()),
    e => Err(abi::from_host(e)),
  }
}

pub fn fd_allocate(cx: &Cx, fd: i32, offset: i64, len: i64) -> R {
  let t = cx.fds.borrow();
  let e = t.get(fd)?;
  let host = e.with(rights::FD_ALLOCATE)?;
  if e.filetype == filetype::DIRECTORY {
    return Err(errno::BADF);
  }
  // As node:wasi does: the file grows sparsely to the end of the range, and no disk space is
  // reserved (posix_fallocate let a guest take a whole disk at once).
  let end = offset.checked_add(len).filter(|_| offset >= 0 && len > 0).ok_or(errno::INVAL)?;
  if sandbox::fstat(host)?.st_size < end {
    // SAFETY: ftruncate on a descriptor.
    check(unsafe { libc::ftruncate(host, end) })?;
  }
  Ok(())
}

fn host_fdflags(fd: RawFd) -> Result<u16, Errno> {
  // SAFETY: F_GETFL only reads the descriptor's flags.
  let fl = unsafe { libc::fcntl(fd, libc::F_GETFL) };
  if fl < 0 {
    return Err(last());
  }
  let mut f = 0;
  if fl & libc::O_APPEND != 0 {
    f |= fdflags::APPEND;
  }
  if fl & libc::O_DSYNC != 0 {
    f |= fdflags::DSYNC;
  }
  if fl & libc::O_NONBLOCK != 0 {
    f |= fdflags::NONBLOCK;
  }
  if fl & libc::O_SYNC == libc::O_SYNC {
    f |= fdflags::SYNC | fdflags::RSYNC;
  }
  Ok(f)
}

pub fn fd_fdstat_get(cx: &Cx, fd: i32, buf: i32) -> R {
  let t = cx.fds.borrow();
  let e = t.get(fd)?;
  let flags = host_fdflags(e.fd())?;
  let mut b = [0u8; 24];
  b[0] = e.filetype;
  b[2..4].copy_from_slice(&flags.to_le_bytes());
  b[8..16].copy_from_slice(&e.base.to_le_bytes());
  b[16..24].copy_from_slice(&e.inheriting.to_le_bytes());
  cx.mem.put(buf as u32, &b)
}

pub fn fd_fdstat_set_flags(cx: &Cx, fd: i32, flags: i32) -> R {
  let t = cx.fds.borrow();
  let host = t.get(fd)?.with(rights::FD_FDSTAT_SET_FLAGS)?;
  let flags = flags as u16;
  if flags & !(fdflags::APPEND | fdflags::DSYNC | fdflags::NONBLOCK | fdflags::RSYNC | fdflags::SYNC) != 0 {
    return Err(errno::INVAL);
  }
  // Linux cannot change the sync flags of an open descriptor.
  if flags & (fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC) != 0 {
    return Err(errno::NOTSUP);
  }
  // SAFETY: fcntl on a descriptor.
  let mut fl = unsafe { libc::fcntl(host, libc::F_GETFL) };
  if fl < 0 {
    return Err(last());
  }
  fl &= !(libc::O_APPEND | libc::O_NONBLOCK);
  if flags & fdflags::APPEND != 0 {
    fl |= libc::O_APPEND;
  }
  if flags & fdflags::NONBLOCK != 0 {
    fl |= libc::O_NONBLOCK;
  }
  // SAFETY: fcntl on a descriptor.
  check(unsafe { libc::fcntl(host, libc::F_SETFL, fl) })
}

pub fn fd_fdstat_set_rights(cx: &Cx, fd: i32, base: i64, inheriting: i64) -> R {
  let mut t = cx.fds.borrow_mut();
  let e = t.get_mut(fd)?;
  let (base, inheriting) = (base as u64, inheriting as u64);
  // Rights only narrow.
  if base & !e.base != 0 || inheriting & !e.inheriting != 0 {
    return Err(errno::NOTCAPABLE);
  }
  e.base = base;
  e.inheriting = inheriting;
  Ok(())
}

pub fn fd_filestat_get(cx: &Cx, fd: i32, buf: i32) -> R {
  let t = cx.fds.borrow();
  let host = t.get(fd)?.with(rights::FD_FILESTAT_GET)?;
  let st = sandbox::fstat(host)?;
  cx.mem.put(buf as u32, &abi::filestat_bytes(&st))
}

pub fn fd_filestat_set_size(cx: &Cx, fd: i32, size: i64) -> R {
  let t = cx.fds.borrow();
  let host = t.get(fd)?.with(rights::FD_FILESTAT_SET_SIZE)?;
  // SAFETY: ftruncate on a descriptor.
  check(unsafe { libc::ftruncate(host, size) })
}

fn times(atim: i64, mtim: i64, flags: i32) -> Result<[libc::timespec; 2], Errno> {
  let f = flags as u16;
  if f & !(fstflags::ATIM | fstflags::ATIM_NOW | fstflags::MTIM | fstflags::MTIM_NOW) != 0
    || (f & fstflags::ATIM != 0 && f & fstflags::ATIM_NOW != 0)
    || (f & fstflags::MTIM != 0 && f & fstflags::MTIM_NOW != 0)
  {
    return Err(errno::INVAL);
  }
  Ok([sandbox::timespec(f, fstflags::ATIM_NOW, fstflags::ATIM, atim as u64), sandbox::timespec(f, fstflags::MTIM_NOW, fstflags::MTIM, mtim as u64)])
}

pub fn fd_filestat_set_times(cx: &Cx, fd: i32, atim: i64, mtim: i64, flags: i32) -> R {
  let t = cx.fds.borrow();
  let host = t.get(fd)?.with(rights::FD_FILESTAT_SET_TIMES)?;
  let ts = times(atim, mtim, flags)?;
  // SAFETY: futimens on a descriptor with two timespecs.
  check(unsafe { libc::futimens(host, ts.as_ptr()) })
}

pub fn fd_prestat_get(cx: &Cx, fd: i32, buf: i32) -> R {
  let t = cx.fds.borrow();
  let name = t.get(fd)?.preopen.as_ref().ok_or(errno::BADF)?;
  let mut b = [0u8; 8];
  b[4..8].copy_from_slice(&(name.len() as u32).to_le_bytes());
  cx.mem.put(buf as u32, &b)
}

pub fn fd_prestat_dir_name(cx: &Cx, fd: i32, path: i32, len: i32) -> R {
  let t = cx.fds.borrow();
  let name = t.get(fd)?.preopen.as_ref().ok_or(errno::BADF)?;
  if (len as u32 as usize) < name.len() {
    return Err(errno::NAMETOOLONG);
  }
  cx.mem.put(path as u32, name)
}

/// One `dirent` (24 bytes) and its name.
fn dirent(next: u64, ino: u64, name: &[u8], ty: u8) -> Vec<u8> {
  let mut b = vec![0u8; 24];
  b[0..8].copy_from_slice(&next.to_le_bytes());
  b[8..16].copy_from_slice(&ino.to_le_bytes());
  b[16..20].copy_from_slice(&(name.len() as u32).to_le_bytes());
  b[20] = ty;
  b.extend_from_slice(name);
  b
}

fn dtype(t: u8) -> u8 {
  match t {
    libc::DT_BLK => filetype::BLOCK_DEVICE,
    libc::DT_CHR => filetype::CHARACTER_DEVICE,
    libc::DT_DIR => filetype::DIRECTORY,
    libc::DT_FIFO | libc::DT_SOCK => filetype::SOCKET_STREAM,
    libc::DT_LNK => filetype::SYMBOLIC_LINK,
    libc::DT_REG => filetype::REGULAR_FILE,
    _ => filetype::UNKNOWN,
  }
}

/// Reads a directory from position `cookie` (the kernel's `d_off`, 0 = the start) and fills
/// `buf` with dirents; the last one is cut off when the buffer is full, as the spec asks.
pub fn fd_readdir(cx: &Cx, fd: i32, buf: i32, buf_len: i32, cookie: i64, bufused: i32) -> R {
  let t = cx.fds.borrow();
  let e = t.get(fd)?;
  let host = e.dir(rights::FD_READDIR)?;
  let out = cx.mem.bytes_mut(buf as u32, buf_len as u32)?;
  // SAFETY: lseek on a directory descriptor positions getdents64.
  if unsafe { libc::lseek(host, cookie, libc::SEEK_SET) } < 0 {
    return Err(last());
  }
  let mut used = 0usize;
  let mut raw = vec![0u8; 32 * 1024];
  'fill: while used < out.len() {
    // SAFETY: getdents64 into a buffer of the given size.
    let n = unsafe { libc::syscall(libc::SYS_getdents64, host, raw.as_mut_ptr(), raw.len()) };
    if n < 0 {
      return Err(last());
    }
    if n == 0 {
      break;
    }
    let mut at = 0usize;
    while at < n as usize {
      let ino = u64::from_ne_bytes(raw[at..at + 8].try_into().expect("8 bytes"));
      let off = u64::from_ne_bytes(raw[at + 8..at + 16].try_into().expect("8 bytes"));
      let reclen = u16::from_ne_bytes([raw[at + 16], raw[at + 17]]) as usize;
      let ty = raw[at + 18];
      let name_bytes = &raw[at + 19..at + reclen];
      let name = &name_bytes[..name_bytes.iter().position(|&b| b == 0).unwrap_or(name_bytes.len())];
      at += reclen;
      let d = dirent(off, ino, name, dtype(ty));
      let take = d.len().min(out.len() - used);
      out[used..used + take].copy_from_slice(&d[..take]);
      used += take;
      if used == out.len() {
        break 'fill;
      }
    }
  }
  cx.mem.put_u32(bufused as u32, used as u32)
}

fn path_arg(cx: &Cx, path: i32, len: i32) -> Result<Vec<u8>, Errno> {
  cx.mem.path(path as u32, len as u32)
}

pub fn path_create_directory(cx: &Cx, fd: i32, path: i32, len: i32) -> R {
  let t = cx.fds.borrow();
  let dir = t.get(fd)?.dir(rights::PATH_CREATE_DIRECTORY)?;
  sandbox::mkdir(dir, &path_arg(cx, path, len)?)
}

pub fn path_remove_directory(cx: &Cx, fd: i32, path: i32, len: i32) -> R {
  let t = cx.fds.borrow();
  let dir = t.get(fd)?.dir(rights::PATH_REMOVE_DIRECTORY)?;
  sandbox::rmdir(dir, &path_arg(cx, path, len)?)
}

pub fn path_unlink_file(cx: &Cx, fd: i32, path: i32, len: i32) -> R {
  let t = cx.fds.borrow();
  let dir = t.get(fd)?.dir(rights::PATH_UNLINK_FILE)?;
  sandbox::unlink(dir, &path_arg(cx, path, len)?)
}

pub fn path_filestat_get(cx: &Cx, fd: i32, flags: i32, path: i32, len: i32, buf: i32) -> R {
  let t = cx.fds.borrow();
  let dir = t.get(fd)?.dir(rights::PATH_FILESTAT_GET)?;
  let st = sandbox::stat(dir, &path_arg(cx, path, len)?, flags as u32 & LOOKUP_SYMLINK_FOLLOW != 0)?;
  cx.mem.put(buf as u32, &abi::filestat_bytes(&st))
}

#[allow(clippy::too_many_arguments, reason = "preview1's signature")]
pub fn path_filestat_set_times(cx: &Cx, fd: i32, flags: i32, path: i32, len: i32, atim: i64, mtim: i64, fst: i32) -> R {
  let t = cx.fds.borrow();
  let dir = t.get(fd)?.dir(rights::PATH_FILESTAT_SET_TIMES)?;
  let ts = times(atim, mtim, fst)?;
  sandbox::set_times(dir, &path_arg(cx, path, len)?, flags as u32 & LOOKUP_SYMLINK_FOLLOW != 0, &ts)
}

pub fn path_rename(cx: &Cx, fd: i32, old: i32, old_len: i32, new_fd: i32, new: i32, new_len: i32) -> R {
  let t = cx.fds.borrow();
  let from = t.get(fd)?.dir(rights::PATH_RENAME_SOURCE)?;
  let to = t.get(new_fd)?.dir(rights::PATH_RENAME_TARGET)?;
  sandbox::rename(from, &path_arg(cx, old, old_len)?, to, &path_arg(cx, new, new_len)?)
}

#[allow(clippy::too_many_arguments, reason = "preview1's signature")]
pub fn path_link(cx: &Cx, fd: i32, flags: i32, old: i32, old_len: i32, new_fd: i32, new: i32, new_len: i32) -> R {
  let t = cx.fds.borrow();
  let from = t.get(fd)?.dir(rights::PATH_LINK_SOURCE)?;
  let to = t.get(new_fd)?.dir(rights::PATH_LINK_TARGET)?;
  let follow = flags as u32 & LOOKUP_SYMLINK_FOLLOW != 0;
  sandbox::link(from, &path_arg(cx, old, old_len)?, follow, to, &path_arg(cx, new, new_len)?)
}

pub fn path_symlink(cx: &Cx, old: i32, old_len: i32, fd: i32, new: i32, new_len: i32) -> R {
  let t = cx.fds.borrow();
  let dir = t.get(fd)?.dir(rights::PATH_SYMLINK)?;
  sandbox::symlink(&path_arg(cx, old, old_len)?, dir, &path_arg(cx, new, new_len)?)
}

pub fn path_readlink(cx: &Cx, fd: i32, path: i32, len: i32, buf: i32, buf_len: i32, bufused: i32) -> R {
  let t = cx.fds.borrow();
  let dir = t.get(fd)?.dir(rights::PATH_READLINK)?;
  let mut target = sandbox::readlink(dir, &path_arg(cx, path, len)?)?;
  if target.first() == Some(&b'/') {
    target = guest_path(&t, &target)?;
  }
  let n = target.len().min(buf_len as u32 as usize);
  cx.mem.put(buf as u32, &target[..n])?;
  cx.mem.put_u32(bufused as u32, n as u32)
}

/// Opens as `open(2)` would with `flags`, except that the wait for a FIFO's peer is one a
/// deadline or termination can end: the open itself never blocks (O_NONBLOCK), a FIFO opened to
/// write is retried until a reader comes, and the descriptor gets back the blocking mode asked
/// for (a read then waits for a writer's data in `read_into`).
fn open_waiting(dfd: RawFd, path: &[u8], flags: i32) -> Result<std::os::fd::OwnedFd, Errno> {
  loop {
    match sandbox::open_beneath(dfd, path, flags | libc::O_NONBLOCK, 0o666) {
      Ok(fd) => {
        if flags & libc::O_NONBLOCK == 0 {
          // SAFETY: F_GETFL/F_SETFL on a descriptor we own.
          unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) & !libc::O_NONBLOCK) };
        }
        return Ok(fd);
      }
      Err(errno::NXIO) if flags & libc::O_NONBLOCK == 0 && is_fifo(dfd, path, flags & libc::O_NOFOLLOW == 0) => blocking::sleep(10)?,
      Err(e) => return Err(e),
    }
  }
}

fn is_fifo(dfd: RawFd, path: &[u8], follow: bool) -> bool {
  sandbox::stat(dfd, path, follow).is_ok_and(|st| st.st_mode & libc::S_IFMT == libc::S_IFIFO)
}

/// An absolute link target is a host path, which the guest must not learn: one inside a
/// preopen reads as that path under the preopen's guest name; one outside them all is refused.
fn guest_path(t: &Table, host: &[u8]) -> Result<Vec<u8>, Errno> {
  let mut best: Option<(usize, Vec<u8>)> = None;
  for (name, fd) in t.preopens() {
    let Ok(root) = std::fs::read_link(format!("/proc/self/fd/{fd}")) else { continue };
    let root = std::os::unix::ffi::OsStrExt::as_bytes(root.as_os_str()).to_vec();
    let rest = match host.strip_prefix(root.as_slice()) {
      Some(rest) if rest.is_empty() || rest[0] == b'/' || root == b"/" => rest,
      _ => continue,
    };
    if best.as_ref().is_none_or(|(len, _)| root.len() > *len) {
      let mut guest = name.strip_suffix(b"/").unwrap_or(name).to_vec();
      if !rest.is_empty() && rest[0] != b'/' {
        guest.push(b'/');
      }
      guest.extend_from_slice(rest);
      best = Some((root.len(), guest));
    }
  }
  best.map(|(_, guest)| guest).ok_or(errno::NOTCAPABLE)
}

#[allow(clippy::too_many_arguments)]
pub fn path_open(cx: &Cx, fd: i32, dirflags: i32, path: i32, len: i32, of: i32, base: i64, inheriting: i64, fdf: i32, out: i32) -> R {
  let (of, fdf, base, inheriting) = (of as u16, fdf as u16, base as u64, inheriting as u64);
  let mut needed = rights::PATH_OPEN;
  if of & oflags::CREAT != 0 {
    needed |= rights::PATH_CREATE_FILE;
  }
  if of & oflags::TRUNC != 0 {
    needed |= rights::PATH_FILESTAT_SET_SIZE;
  }
  let host = {
    let t = cx.fds.borrow();
    let dir = t.get(fd)?;
    let dfd = dir.dir(needed)?;
    if (base | inheriting) & !dir.inheriting != 0 {
      return Err(errno::NOTCAPABLE);
    }
    let read = base & (rights::FD_READ | rights::FD_READDIR) != 0;
    let write = base & (rights::FD_DATASYNC | rights::FD_WRITE | rights::FD_ALLOCATE | rights::FD_FILESTAT_SET_SIZE) != 0;
    let mut flags = match (read, write) {
      (_, false) => libc::O_RDONLY,
      (false, true) => libc::O_WRONLY,
      (true, true) => libc::O_RDWR,
    };
    for (bit, f) in [(oflags::CREAT, libc::O_CREAT), (oflags::DIRECTORY, libc::O_DIRECTORY), (oflags::EXCL, libc::O_EXCL), (oflags::TRUNC, libc::O_TRUNC)] {
      if of & bit != 0 {
        flags |= f;
      }
    }
    for (bit, f) in [
      (fdflags::APPEND, libc::O_APPEND),
      (fdflags::DSYNC, libc::O_DSYNC),
      (fdflags::NONBLOCK, libc::O_NONBLOCK),
      (fdflags::RSYNC, libc::O_RSYNC),
      (fdflags::SYNC, libc::O_SYNC),
    ] {
      if fdf & bit != 0 {
        flags |= f;
      }
    }
    if dirflags as u32 & LOOKUP_SYMLINK_FOLLOW == 0 {
      flags |= libc::O_NOFOLLOW;
    }
    let p = path_arg(cx, path, len)?;
    open_waiting(dfd, &p, flags)?
  };
  let st = sandbox::fstat(host.as_raw_fd())?;
  let ft = abi::filetype_of(st.st_mode);
  let (max_base, max_inheriting) = fds::rights_for(ft, host.as_raw_fd(), fds::access_of(host.as_raw_fd()));
  let entry = Entry { host: Host::Owned(host), filetype: ft, base: base & max_base, inheriting: inheriting & max_inheriting, preopen: None };
  let new_fd = cx.fds.borrow_mut().insert(entry);
  cx.mem.put_u32(out as u32, new_fd as u32)
}
