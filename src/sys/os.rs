//! The operating-system calls of the layers above (libc, a file mapping), each behind a safe
//! signature; where a contract remains that the compiler cannot check, the doc comment states it.

use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::Arc;

pub fn effective_uid() -> u32 {
  // SAFETY: geteuid takes nothing and cannot fail.
  unsafe { libc::geteuid() }
}

pub fn random_u64() -> u64 {
  let mut b = [0u8; 8];
  // SAFETY: getrandom writes at most `b.len()` bytes into the buffer it is given.
  unsafe { libc::getrandom(b.as_mut_ptr().cast(), b.len(), 0) };
  u64::from_ne_bytes(b)
}

/// Runs `f` once when the process exits normally.
pub fn at_exit(f: extern "C" fn()) {
  // SAFETY: registers a plain function with no arguments.
  unsafe { libc::atexit(f) };
}

/// A fresh non-blocking eventfd, or None when the process is out of descriptors.
pub fn eventfd() -> Option<OwnedFd> {
  // SAFETY: eventfd makes a fresh descriptor or fails.
  let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
  // SAFETY: a fresh descriptor the kernel just returned, owned by nothing else.
  (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Adds one to an eventfd's counter, making it readable.
pub fn eventfd_signal(fd: &OwnedFd) {
  // SAFETY: writes one 8-byte counter increment from a live local.
  unsafe { libc::write(fd.as_raw_fd(), (&1u64 as *const u64).cast(), 8) };
}

/// Resets a non-blocking eventfd's counter (nothing to read is fine).
pub fn eventfd_drain(fd: &OwnedFd) {
  let mut n = 0u64;
  // SAFETY: reads one 8-byte counter into a live local.
  unsafe { libc::read(fd.as_raw_fd(), (&mut n as *mut u64).cast(), 8) };
}

/// A read-only private mapping of a file, shared by its clones (and by the module whose bytes it
/// holds).
///
/// Contract: the file is never written in place while mapped (compile/cache.rs replaces an entry
/// by rename and evicts by unlink), so the bytes do not change under their readers.
#[derive(Clone)]
pub struct FileMap(Arc<memmap2::Mmap>);

impl FileMap {
  pub fn open(file: &File) -> Option<Self> {
    // SAFETY: see the type's contract: the file's bytes do not change while mapped.
    unsafe { memmap2::Mmap::map(file) }.ok().map(|m| Self(Arc::new(m)))
  }

  /// Drops the mapping's pages from this process's memory; any page read later faults the file's
  /// contents in again.
  pub fn release_pages(&self) {
    // SAFETY: DONTNEED on a read-only private file mapping only makes later reads fault the file
    // in again; it cannot change what they read.
    let _ = unsafe { self.0.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
  }

  /// Drops the pages of `range` of the mapping (widened to whole pages), as `release_pages`.
  pub fn release_range(&self, range: std::ops::Range<usize>) {
    // SAFETY: as in `release_pages`; memmap2 aligns the start to its page.
    let _ = unsafe { self.0.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, range.start, range.len()) };
  }
}

impl AsRef<[u8]> for FileMap {
  fn as_ref(&self) -> &[u8] {
    &self.0
  }
}
