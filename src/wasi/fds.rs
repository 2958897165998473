//! The guest's descriptor table, numbered as node:wasi numbers it: 0–2 are the host
//! descriptors given as stdin/stdout/stderr, the preopens follow from 3 in the order given.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::abi::{errno, filetype, rights, Errno};

pub enum Host {
  /// Opened by this WASI instance; closed when the entry goes.
  Owned(OwnedFd),
  /// A descriptor of the process (stdio) that the guest may use but never closes on the host.
  Borrowed(RawFd),
}

pub struct Entry {
  pub host: Host,
  pub filetype: u8,
  pub base: u64,
  pub inheriting: u64,
  /// The guest name of a preopened directory, as given.
  pub preopen: Option<Vec<u8>>,
}

impl Entry {
  pub fn fd(&self) -> RawFd {
    match &self.host {
      Host::Owned(fd) => fd.as_raw_fd(),
      Host::Borrowed(fd) => *fd,
    }
  }

  /// The entry's host descriptor if it holds `needed` rights, else ENOTCAPABLE.
  pub fn with(&self, needed: u64) -> Result<RawFd, Errno> {
    if self.base & needed != needed {
      return Err(errno::NOTCAPABLE);
    }
    Ok(self.fd())
  }

  /// A directory descriptor holding `needed` rights.
  pub fn dir(&self, needed: u64) -> Result<RawFd, Errno> {
    if self.filetype != filetype::DIRECTORY {
      return Err(errno::NOTDIR);
    }
    self.with(needed)
  }
}

/// The rights a descriptor of this type and access mode can have, as uvwasi computes them.
pub fn rights_for(ft: u8, fd: RawFd, access: i32) -> (u64, u64) {
  let (mut base, inheriting) = match ft {
    filetype::REGULAR_FILE => (rights::REGULAR_FILE_BASE, 0),
    filetype::DIRECTORY => (rights::DIRECTORY_BASE, rights::DIRECTORY_INHERITING),
    filetype::SOCKET_STREAM | filetype::SOCKET_DGRAM => (rights::SOCKET_BASE, rights::ALL),
    // SAFETY: isatty only inspects the descriptor.
    filetype::CHARACTER_DEVICE if unsafe { libc::isatty(fd) } == 1 => (rights::TTY_BASE, 0),
    filetype::CHARACTER_DEVICE => (rights::CHARACTER_DEVICE_BASE, rights::ALL),
    filetype::BLOCK_DEVICE => (rights::ALL, rights::ALL),
    _ => (0, 0),
  };
  match access {
    libc::O_RDONLY => base &= !rights::FD_WRITE,
    libc::O_WRONLY => base &= !rights::FD_READ,
    _ => {}
  }
  (base, inheriting)
}

/// The access mode of an open host descriptor.
pub fn access_of(fd: RawFd) -> i32 {
  // SAFETY: F_GETFL only reads the descriptor's flags.
  let fl = unsafe { libc::fcntl(fd, libc::F_GETFL) };
  if fl < 0 {
    libc::O_RDWR
  } else {
    fl & libc::O_ACCMODE
  }
}

#[derive(Default)]
pub struct Table {
  slots: Vec<Option<Entry>>,
}

impl Table {
  pub fn get(&self, fd: i32) -> Result<&Entry, Errno> {
    usize::try_from(fd).ok().and_then(|i| self.slots.get(i)).and_then(Option::as_ref).ok_or(errno::BADF)
  }

  pub fn get_mut(&mut self, fd: i32) -> Result<&mut Entry, Errno> {
    usize::try_from(fd).ok().and_then(|i| self.slots.get_mut(i)).and_then(Option::as_mut).ok_or(errno::BADF)
  }

  /// Puts `e` in the lowest free slot, as POSIX numbers new descriptors.
  pub fn insert(&mut self, e: Entry) -> i32 {
    match self.slots.iter().position(Option::is_none) {
      Some(i) => {
        self.slots[i] = Some(e);
        i as i32
      }
      None => {
        self.slots.push(Some(e));
        (self.slots.len() - 1) as i32
      }
    }
  }

  pub fn remove(&mut self, fd: i32) -> Result<Entry, Errno> {
    usize::try_from(fd).ok().and_then(|i| self.slots.get_mut(i)).and_then(Option::take).ok_or(errno::BADF)
  }

  /// The preopened directories still open: guest name, host descriptor.
  pub fn preopens(&self) -> impl Iterator<Item = (&[u8], RawFd)> {
    self.slots.iter().flatten().filter_map(|e| e.preopen.as_deref().map(|name| (name, e.fd())))
  }

  /// Moves `from` onto `to`, closing what `to` held.
  pub fn renumber(&mut self, from: i32, to: i32) -> Result<(), Errno> {
    self.get(from)?;
    self.get(to)?;
    if from != to {
      let e = self.remove(from)?;
      self.slots[to as usize] = Some(e);
    }
    Ok(())
  }
}
