//! The preview1 ABI as the guest sees it: errno values, rights, flags, the byte layout of the
//! structures written to guest memory, and bounds-checked access to that memory.

/// A preview1 errno (`wasi_snapshot_preview1.witx`). Functions return it as their i32 result.
pub type Errno = u16;

pub mod errno {
  use super::Errno;
  pub const SUCCESS: Errno = 0;
  pub const TOOBIG: Errno = 1;
  pub const ACCES: Errno = 2;
  pub const AGAIN: Errno = 6;
  pub const BADF: Errno = 8;
  pub const BUSY: Errno = 10;
  pub const EXIST: Errno = 20;
  pub const FAULT: Errno = 21;
  pub const FBIG: Errno = 22;
  pub const INTR: Errno = 27;
  pub const INVAL: Errno = 28;
  pub const IO: Errno = 29;
  pub const ISDIR: Errno = 31;
  pub const LOOP: Errno = 32;
  pub const MFILE: Errno = 33;
  pub const MLINK: Errno = 34;
  pub const NAMETOOLONG: Errno = 37;
  pub const NFILE: Errno = 41;
  pub const NODEV: Errno = 43;
  pub const NOENT: Errno = 44;
  pub const NOMEM: Errno = 48;
  pub const NOSPC: Errno = 51;
  pub const NOSYS: Errno = 52;
  pub const NOTDIR: Errno = 54;
  pub const NOTEMPTY: Errno = 55;
  pub const NOTSOCK: Errno = 57;
  pub const NOTSUP: Errno = 58;
  pub const NOTTY: Errno = 59;
  pub const NXIO: Errno = 60;
  pub const OVERFLOW: Errno = 61;
  pub const PERM: Errno = 63;
  pub const PIPE: Errno = 64;
  pub const ROFS: Errno = 69;
  pub const SPIPE: Errno = 70;
  pub const TXTBSY: Errno = 74;
  pub const NOTCAPABLE: Errno = 76;
}

/// The WASI errno for a host errno. uvwasi maps the same way (one to one by name), so the guest
/// sees what it would see under node:wasi.
pub fn from_host(e: i32) -> Errno {
  use errno::*;
  match e {
    libc::E2BIG => TOOBIG,
    libc::EACCES => ACCES,
    libc::EAGAIN => AGAIN,
    libc::EBADF => BADF,
    libc::EBUSY => BUSY,
    libc::EEXIST => EXIST,
    libc::EFAULT => FAULT,
    libc::EFBIG => FBIG,
    libc::EINTR => INTR,
    libc::EINVAL => INVAL,
    libc::EIO => IO,
    libc::EISDIR => ISDIR,
    libc::ELOOP => LOOP,
    libc::EMFILE => MFILE,
    libc::EMLINK => MLINK,
    libc::ENAMETOOLONG => NAMETOOLONG,
    libc::ENFILE => NFILE,
    libc::ENODEV => NODEV,
    libc::ENOENT => NOENT,
    libc::ENOMEM => NOMEM,
    libc::ENOSPC => NOSPC,
    libc::ENOSYS => NOSYS,
    libc::ENOTDIR => NOTDIR,
    libc::ENOTEMPTY => NOTEMPTY,
    libc::ENOTSOCK => NOTSOCK,
    libc::EOPNOTSUPP => NOTSUP,
    libc::ENOTTY => NOTTY,
    libc::ENXIO => NXIO,
    libc::EOVERFLOW => OVERFLOW,
    libc::EPERM => PERM,
    libc::EPIPE => PIPE,
    libc::EROFS => ROFS,
    libc::ESPIPE => SPIPE,
    libc::ETXTBSY => TXTBSY,
    // openat2's RESOLVE_BENEATH refuses a path that would leave the directory with EXDEV.
    libc::EXDEV => NOTCAPABLE,
    libc::EDQUOT => 19,
    _ => IO,
  }
}

/// The errno of the last failed libc call.
pub fn last() -> Errno {
  from_host(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO))
}

pub mod filetype {
  pub const UNKNOWN: u8 = 0;
  pub const BLOCK_DEVICE: u8 = 1;
  pub const CHARACTER_DEVICE: u8 = 2;
  pub const DIRECTORY: u8 = 3;
  pub const REGULAR_FILE: u8 = 4;
  pub const SOCKET_DGRAM: u8 = 5;
  pub const SOCKET_STREAM: u8 = 6;
  pub const SYMBOLIC_LINK: u8 = 7;
}

/// The filetype of a host `st_mode`, as uvwasi reports it (a FIFO is a stream socket).
pub fn filetype_of(mode: libc::mode_t) -> u8 {
  match mode & libc::S_IFMT {
    libc::S_IFBLK => filetype::BLOCK_DEVICE,
    libc::S_IFCHR => filetype::CHARACTER_DEVICE,
    libc::S_IFDIR => filetype::DIRECTORY,
    libc::S_IFIFO | libc::S_IFSOCK => filetype::SOCKET_STREAM,
    libc::S_IFLNK => filetype::SYMBOLIC_LINK,
    libc::S_IFREG => filetype::REGULAR_FILE,
    _ => filetype::UNKNOWN,
  }
}

pub mod fdflags {
  pub const APPEND: u16 = 1;
  pub const DSYNC: u16 = 2;
  pub const NONBLOCK: u16 = 4;
  pub const RSYNC: u16 = 8;
  pub const SYNC: u16 = 16;
}

pub mod oflags {
  pub const CREAT: u16 = 1;
  pub const DIRECTORY: u16 = 2;
  pub const EXCL: u16 = 4;
  pub const TRUNC: u16 = 8;
}

pub const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

pub mod fstflags {
  pub const ATIM: u16 = 1;
  pub const ATIM_NOW: u16 = 2;
  pub const MTIM: u16 = 4;
  pub const MTIM_NOW: u16 = 8;
}

pub mod rights {
  pub const FD_DATASYNC: u64 = 1 << 0;
  pub const FD_READ: u64 = 1 << 1;
  pub const FD_SEEK: u64 = 1 << 2;
  pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
  pub const FD_SYNC: u64 = 1 << 4;
  pub const FD_TELL: u64 = 1 << 5;
  pub const FD_WRITE: u64 = 1 << 6;
  pub const FD_ADVISE: u64 = 1 << 7;
  pub const FD_ALLOCATE: u64 = 1 << 8;
  pub const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
  pub const PATH_CREATE_FILE: u64 = 1 << 10;
  pub const PATH_LINK_SOURCE: u64 = 1 << 11;
  pub const PATH_LINK_TARGET: u64 = 1 << 12;
  pub const PATH_OPEN: u64 = 1 << 13;
  pub const FD_READDIR: u64 = 1 << 14;
  pub const PATH_READLINK: u64 = 1 << 15;
  pub const PATH_RENAME_SOURCE: u64 = 1 << 16;
  pub const PATH_RENAME_TARGET: u64 = 1 << 17;
  pub const PATH_FILESTAT_GET: u64 = 1 << 18;
  pub const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
  pub const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
  pub const FD_FILESTAT_GET: u64 = 1 << 21;
  pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
  pub const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
  pub const PATH_SYMLINK: u64 = 1 << 24;
  pub const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
  pub const PATH_UNLINK_FILE: u64 = 1 << 26;
  pub const POLL_FD_READWRITE: u64 = 1 << 27;
  pub const SOCK_SHUTDOWN: u64 = 1 << 28;
  pub const SOCK_ACCEPT: u64 = 1 << 29;
  pub const ALL: u64 = (1 << 30) - 1;

  // What each kind of descriptor can do at most; the same sets uvwasi gives.
  pub const REGULAR_FILE_BASE: u64 = FD_DATASYNC
    | FD_READ
    | FD_SEEK
    | FD_FDSTAT_SET_FLAGS
    | FD_SYNC
    | FD_TELL
    | FD_WRITE
    | FD_ADVISE
    | FD_ALLOCATE
    | FD_FILESTAT_GET
    | FD_FILESTAT_SET_SIZE
    | FD_FILESTAT_SET_TIMES
    | POLL_FD_READWRITE;
  pub const DIRECTORY_BASE: u64 = FD_FDSTAT_SET_FLAGS
    | FD_SYNC
    | FD_ADVISE
    | PATH_CREATE_DIRECTORY
    | PATH_CREATE_FILE
    | PATH_LINK_SOURCE
    | PATH_LINK_TARGET
    | PATH_OPEN
    | FD_READDIR
    | PATH_READLINK
    | PATH_RENAME_SOURCE
    | PATH_RENAME_TARGET
    | PATH_FILESTAT_GET
    | PATH_FILESTAT_SET_SIZE
    | PATH_FILESTAT_SET_TIMES
    | FD_FILESTAT_GET
    | FD_FILESTAT_SET_TIMES
    | PATH_SYMLINK
    | PATH_UNLINK_FILE
    | PATH_REMOVE_DIRECTORY
    | POLL_FD_READWRITE;
  pub const DIRECTORY_INHERITING: u64 = DIRECTORY_BASE | REGULAR_FILE_BASE;
  pub const TTY_BASE: u64 = FD_READ | FD_FDSTAT_SET_FLAGS | FD_WRITE | FD_FILESTAT_GET | POLL_FD_READWRITE;
  pub const SOCKET_BASE: u64 = TTY_BASE | SOCK_SHUTDOWN;
  pub const CHARACTER_DEVICE_BASE: u64 = ALL & !(FD_SEEK | FD_TELL);
}

/// Guest linear memory for the length of one call. WASI functions never grow memory, so base
/// and length read at entry stay valid until the call returns.
pub struct Mem {
  base: *mut u8,
  len: usize,
}

/// What an out-of-bounds pointer gets; uvwasi (node:wasi) answers EOVERFLOW too.
pub const OUT_OF_BOUNDS: Errno = errno::OVERFLOW;

impl Mem {
  /// # Safety
  /// `base..base+len` must be the guest's memory and stay mapped for the life of this value.
  pub unsafe fn new(base: *mut u8, len: usize) -> Self {
    Self { base, len }
  }

  fn range(&self, off: u32, len: usize) -> Result<usize, Errno> {
    let off = off as usize;
    match off.checked_add(len) {
      Some(end) if end <= self.len => Ok(off),
      _ => Err(OUT_OF_BOUNDS),
    }
  }

  pub fn bytes(&self, off: u32, len: u32) -> Result<&[u8], Errno> {
    let o = self.range(off, len as usize)?;
    // SAFETY: in bounds of the guest memory (see `new`).
    Ok(unsafe { std::slice::from_raw_parts(self.base.add(o), len as usize) })
  }

  #[allow(clippy::mut_from_ref)]
  pub fn bytes_mut(&self, off: u32, len: u32) -> Result<&mut [u8], Errno> {
    let o = self.range(off, len as usize)?;
    // SAFETY: in bounds; nothing else touches guest memory while a WASI function runs.
    Ok(unsafe { std::slice::from_raw_parts_mut(self.base.add(o), len as usize) })
  }

  pub fn u32(&self, off: u32) -> Result<u32, Errno> {
    let b = self.bytes(off, 4)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
  }

  pub fn put(&self, off: u32, data: &[u8]) -> Result<(), Errno> {
    self.bytes_mut(off, data.len() as u32)?.copy_from_slice(data);
    Ok(())
  }

  pub fn put_u32(&self, off: u32, v: u32) -> Result<(), Errno> {
    self.put(off, &v.to_le_bytes())
  }

  pub fn put_u64(&self, off: u32, v: u64) -> Result<(), Errno> {
    self.put(off, &v.to_le_bytes())
  }

  /// A path argument: its bytes, which may be any bytes but NUL (a NUL cannot reach the host).
  pub fn path(&self, off: u32, len: u32) -> Result<Vec<u8>, Errno> {
    let b = self.bytes(off, len)?;
    if b.contains(&0) {
      return Err(errno::INVAL);
    }
    Ok(b.to_vec())
  }

  /// The (buffer, length) pairs of an iovec array.
  pub fn iovecs(&self, iovs: u32, count: u32) -> Result<Vec<(u32, u32)>, Errno> {
    let mut out = Vec::with_capacity(count.min(1024) as usize);
    for i in 0..count {
      let at = iovs.checked_add(i.checked_mul(8).ok_or(OUT_OF_BOUNDS)?).ok_or(OUT_OF_BOUNDS)?;
      let (buf, len) = (self.u32(at)?, self.u32(at.checked_add(4).ok_or(OUT_OF_BOUNDS)?)?);
      self.range(buf, len as usize)?;
      out.push((buf, len));
    }
    Ok(out)
  }
}

/// `filestat` (64 bytes) from a host stat.
pub fn filestat_bytes(st: &libc::stat) -> [u8; 64] {
  let mut b = [0u8; 64];
  let ns = |s: i64, n: i64| (s as u64).wrapping_mul(1_000_000_000).wrapping_add(n as u64);
  b[0..8].copy_from_slice(&(st.st_dev).to_le_bytes());
  b[8..16].copy_from_slice(&(st.st_ino).to_le_bytes());
  b[16] = filetype_of(st.st_mode);
  b[24..32].copy_from_slice(&(st.st_nlink).to_le_bytes());
  b[32..40].copy_from_slice(&(st.st_size as u64).to_le_bytes());
  b[40..48].copy_from_slice(&ns(st.st_atime, st.st_atime_nsec).to_le_bytes());
  b[48..56].copy_from_slice(&ns(st.st_mtime, st.st_mtime_nsec).to_le_bytes());
  b[56..64].copy_from_slice(&ns(st.st_ctime, st.st_ctime_nsec).to_le_bytes());
  b
}
