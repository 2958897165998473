//! The compiled-code cache on disk: a module compiled once is loaded by later processes instead
//! of compiled again.
//!
//! **What it trusts.** An entry is machine code that wasmer maps executable, and wasmer checks
//! nothing in it (research/code-cache.md). So the cache lives in a folder of the user's own
//! (0700, owned by the user; a folder or entry owned by someone else, or writable by group or
//! others, is not used): whoever can write there can already run code as the user. Against
//! truncation, corruption and mix-ups each entry carries the BLAKE3 hash of its payload and the
//! key it was stored under, both checked before wasmer sees a byte. The key covers the wasm bytes,
//! the compiler and its settings, the wasm-rt and wasmer versions and the CPU's features, so a
//! stale or foreign entry is never found, and one that is found but fails a check is ignored
//! (and replaced): a bad entry costs a compile, never a crash.
//!
//! **Writes** go to a temporary file of a unique name, then `rename` into place: a concurrent
//! reader sees a whole entry or none. A read-only folder or a full disk just means no caching.
//! **Size**: entries beyond the cap (`WASM_RT_CACHE_MAX_MB`, default 2048) are evicted, least
//! recently used first (a load touches its entry's mtime).
//!
//! Where: `WASM_RT_CACHE_DIR`, else `$XDG_CACHE_HOME/wasm-rt/code`, else `~/.cache/wasm-rt/code`;
//! `WASM_RT_CACHE=off` turns it off.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use wasmer::{Engine, Module};

use crate::runtime::engine::{Checks, Compiled, Compiler};
use crate::sys::os::{effective_uid, random_u64, FileMap};

const MAGIC: &[u8; 8] = b"WASMRTC1";
/// magic, payload length (u64 LE), BLAKE3 of the payload, the entry's key.
const HEADER: usize = 8 + 8 + 32 + 32;

pub type Key = [u8; 32];

/// What this process's cache did: entries loaded, stored, and found unsound (and removed).
static LOADED: AtomicU64 = AtomicU64::new(0);
static STORED: AtomicU64 = AtomicU64::new(0);
static REJECTED: AtomicU64 = AtomicU64::new(0);

struct Cache {
  dir: PathBuf,
  max_bytes: u64,
}

/// A folder the cache may use: ours, not group- or world-writable, not a symlink.
fn trusted_dir(dir: &Path) -> bool {
  match fs::symlink_metadata(dir) {
    Ok(m) => m.is_dir() && m.uid() == effective_uid() && m.mode() & 0o022 == 0,
    Err(_) => false,
  }
}

/// The cache's settings, as the environment gave them when the addon loaded: a program may empty
/// its environment before its first compile (esbuild's service does), and still uses the cache.
struct Config {
  dir: Option<PathBuf>,
  max_bytes: u64,
}

fn config() -> &'static Config {
  static CONFIG: OnceLock<Config> = OnceLock::new();
  CONFIG.get_or_init(|| {
    let off = std::env::var_os("WASM_RT_CACHE").is_some_and(|v| v == "off" || v == "0");
    let dir = match std::env::var_os("WASM_RT_CACHE_DIR") {
      _ if off => None,
      Some(d) if !d.is_empty() => Some(PathBuf::from(d)),
      _ => match std::env::var_os("XDG_CACHE_HOME") {
        Some(x) if !x.is_empty() => Some(PathBuf::from(x)),
        _ => std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")),
      }
      .map(|base| base.join("wasm-rt").join("code")),
    };
    let max_mb = std::env::var("WASM_RT_CACHE_MAX_MB").ok().and_then(|v| v.parse::<u64>().ok()).unwrap_or(2048);
    Config { dir, max_bytes: max_mb << 20 }
  })
}

/// Reads the cache's settings now (the addon is loading), before the program can change its
/// environment.
pub fn read_environment() {
  config();
}

fn open_cache() -> Option<Cache> {
  let Config { dir, max_bytes } = config();
  let dir = dir.clone()?;
  if !dir.exists() {
    fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir).ok()?;
  }
  if !trusted_dir(&dir) {
    return None;
  }
  Some(Cache { dir, max_bytes: *max_bytes })
}

fn cache() -> Option<&'static Cache> {
  static CACHE: OnceLock<Option<Cache>> = OnceLock::new();
  CACHE.get_or_init(open_cache).as_ref()
}

/// What a compiled artifact depends on besides the bytes; the same for the life of the process,
/// so it is worked out (CPU features included) once per compiler.
fn settings(compiler: Compiler, checks: Checks) -> &'static str {
  static SETTINGS: [OnceLock<String>; 6] = [const { OnceLock::new() }; 6];
  SETTINGS[compiler as usize + 2 * checks as usize].get_or_init(|| {
    let target = wasmer::sys::Target::default();
    format!(
      "wasm-rt {} wasmer 7.4.2 {} {}{} cpu {:?} {}",
      env!("CARGO_PKG_VERSION"),
      compiler.name(),
      crate::runtime::engine::SETTINGS[compiler as usize],
      checks.label(),
      target.cpu_features(),
      target.triple()
    )
  })
}

/// A module's bytes by their BLAKE3 hash: read once per compile, then the key of both the
/// process's map of compiled modules and the code cache.
pub type Digest = [u8; 32];

pub fn digest(bytes: &[u8]) -> Digest {
  *blake3::Hasher::new().update_rayon(bytes).finalize().as_bytes()
}

pub fn key(compiler: Compiler, checks: Checks, digest: &Digest) -> Key {
  let mut h = blake3::Hasher::new();
  h.update(b"wasm-rt code cache\0");
  h.update(settings(compiler, checks).as_bytes());
  h.update(b"\0");
  h.update(digest);
  *h.finalize().as_bytes()
}

/// The cache's folder, when there is a cache.
pub fn dir() -> Option<&'static Path> {
  cache().map(|c| c.dir.as_path())
}

/// Whether an entry is stored for `key` (not checked: `load` does that).
pub fn has(key: &Key) -> bool {
  cache().is_some_and(|c| entry_path(c, key).is_file())
}

/// Removes the entry of `key`, if any.
pub fn remove(key: &Key) {
  if let Some(c) = cache() {
    let _ = fs::remove_file(entry_path(c, key));
  }
}

pub fn hex(key: &Key) -> String {
  key.iter().map(|b| format!("{b:02x}")).collect()
}

fn entry_path(c: &Cache, key: &Key) -> PathBuf {
  c.dir.join(format!("{}.wasmrt", hex(key)))
}

/// The payload is hashed this much at a time (see `payload`).
const HASH_PIECE: usize = 8 << 20;

/// Checks an entry's bytes and returns its payload: the header, the key, the length and the hash.
/// `hashed` is told of each piece once hashed: `load` drops a mapped entry's pages as they are
/// checked, so that the check does not hold the whole entry in memory beside the code that
/// deserializing it then copies out.
fn payload<'a>(data: &'a [u8], key: &Key, hashed: impl Fn(std::ops::Range<usize>)) -> Option<&'a [u8]> {
  if data.len() < HEADER || &data[..8] != MAGIC || &data[48..80] != key {
    return None;
  }
  let len = u64::from_le_bytes(data[8..16].try_into().ok()?) as usize;
  let body = &data[HEADER..];
  if body.len() != len {
    return None;
  }
  let mut hasher = blake3::Hasher::new();
  for (i, piece) in body.chunks(HASH_PIECE).enumerate() {
    hasher.update_rayon(piece);
    let start = HEADER + i * HASH_PIECE;
    hashed(start..start + piece.len());
  }
  (hasher.finalize().as_bytes()[..] == data[16..48]).then_some(body)
}

/// Deserializes a checked entry's payload. None when the payload is not an artifact for `engine`.
fn deserialize(engine: &Engine, body: impl wasmer::IntoBytes) -> Option<Module> {
  // The payload is what this cache wrote for this key (hash and key checked above) in a folder
  // only this user can write: the trust `deserialize_trusted` asks for (see the module comment).
  std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| crate::sys::vm::deserialize_trusted(engine, body))).ok()?.ok()
}

/// The module stored for `key`, if there is a sound entry.
pub fn load(engine: &Engine, key: &Key) -> Option<Module> {
  let c = cache()?;
  let path = entry_path(c, key);
  // O_NONBLOCK: a FIFO planted in place of an entry must not hang the open (it is then refused
  // as not a file); reads of a regular file ignore the flag.
  let file = OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(&path).ok()?;
  let meta = file.metadata().ok()?;
  if !meta.is_file() || meta.uid() != effective_uid() || meta.mode() & 0o077 != 0 {
    // Not ours, or open to others: neither used nor touched.
    REJECTED.fetch_add(1, Ordering::Relaxed);
    return None;
  }
  // Entries are never written in place (a new entry replaces the old by rename, eviction
  // unlinks): FileMap's contract.
  let map = FileMap::open(&file)?;
  // wasmer keeps the artifact's bytes for the module's life (its metadata is read from them in
  // place): handed the mapping, it copies nothing (a slice would be copied: biome's 410 MB).
  let checked = payload(map.as_ref(), key, |piece| map.release_range(piece)).is_some();
  let module = checked.then(|| bytes::Bytes::from_owner(map.clone()).slice(HEADER..)).and_then(|body| deserialize(engine, body));
  if module.is_some() {
    // The load read the pages it needed; those of the code, now copied into code memory, are not
    // read again. Dropped from this process's memory, any page read later comes back from the
    // file.
    map.release_pages();
  }
  match &module {
    Some(_) => {
      LOADED.fetch_add(1, Ordering::Relaxed);
      // Recently used: eviction goes by mtime.
      let _ = file.set_modified(std::time::SystemTime::now());
    }
    None => {
      REJECTED.fetch_add(1, Ordering::Relaxed);
      let _ = fs::remove_file(&path);
    }
  }
  module
}

/// Stores `module` under `key`. Failures (read-only folder, full disk) leave no entry behind.
pub fn store(key: &Key, module: &Module, wasm_len: usize) {
  let Some(c) = cache() else { return };
  // A module this big would push most entries out, and writing it costs more than compiling it
  // again (WPT's 1 GiB module: seconds of serializing and writing, gigabytes of memory).
  if wasm_len as u64 > (c.max_bytes / 4).max(64 << 20) {
    return;
  }
  let Ok(body) = module.serialize() else { return };
  let tmp = c.dir.join(format!(".tmp-{}-{}-{:x}", hex(key), std::process::id(), random_u64()));
  let written = (|| -> std::io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).mode(0o600).custom_flags(libc::O_NOFOLLOW).open(&tmp)?;
    let mut header = Vec::with_capacity(HEADER);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&(body.len() as u64).to_le_bytes());
    header.extend_from_slice(blake3::hash(&body).as_bytes());
    header.extend_from_slice(key);
    f.write_all(&header)?;
    f.write_all(&body)?;
    f.set_permissions(fs::Permissions::from_mode(0o600))?;
    fs::rename(&tmp, entry_path(c, key))
  })();
  if written.is_err() {
    let _ = fs::remove_file(&tmp);
    return;
  }
  STORED.fetch_add(1, Ordering::Relaxed);
  // The folder is scanned on this process's first store, and again only when what it has added
  // since may have crossed the cap: a scan stats every entry (a test suite compiling thousands
  // of small modules spent most of its time here).
  static ESTIMATE: std::sync::Mutex<Option<u64>> = std::sync::Mutex::new(None);
  let mut estimate = ESTIMATE.lock().unwrap_or_else(|e| e.into_inner());
  *estimate = match *estimate {
    Some(total) if total + (HEADER + body.len()) as u64 <= c.max_bytes => Some(total + (HEADER + body.len()) as u64),
    _ => Some(evict(c)),
  };
}

/// Stores `module` under `key` on the cache's writer thread: a big module's entry takes seconds
/// to serialize and write (biome's singlepass code: 392 MB, 2.9 s), which its first run need not
/// wait for. The process waits for what is queued when it exits (`finish_at_exit`), for at most
/// `EXIT_WAIT`. An entry whose `superseded_by` entry exists by then is not written.
pub fn store_soon(key: Key, module: Arc<Compiled>, wasm_len: usize, superseded_by: Key) {
  use std::sync::mpsc::{channel, Sender};
  type Job = (Key, Arc<Compiled>, usize, Key);
  static WRITER: OnceLock<Option<std::sync::Mutex<Sender<Job>>>> = OnceLock::new();
  if cache().is_none() {
    return;
  }
  let writer = WRITER.get_or_init(|| {
    let (tx, rx) = channel::<Job>();
    let spawned = std::thread::Builder::new().name("wasm-rt cache writer".into()).spawn(move || {
      for (key, module, len, superseded_by) in rx {
        if !has(&superseded_by) {
          store(&key, &module, len);
        }
        drop(module);
        let (pending, idle) = &PENDING;
        *pending.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        idle.notify_all();
      }
    });
    spawned.ok().map(|_| {
      crate::sys::os::at_exit(finish_at_exit);
      std::sync::Mutex::new(tx)
    })
  });
  let Some(writer) = writer else { return };
  *PENDING.0.lock().unwrap_or_else(|e| e.into_inner()) += 1;
  if writer.lock().unwrap_or_else(|e| e.into_inner()).send((key, module, wasm_len, superseded_by)).is_err() {
    *PENDING.0.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
  }
}

static PENDING: (std::sync::Mutex<u32>, std::sync::Condvar) = (std::sync::Mutex::new(0), std::sync::Condvar::new());
const EXIT_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

extern "C" fn finish_at_exit() {
  let (pending, idle) = &PENDING;
  let guard = pending.lock().unwrap_or_else(|e| e.into_inner());
  let _ = idle.wait_timeout_while(guard, EXIT_WAIT, |n| *n > 0);
}

/// Keeps the folder under its cap, dropping the least recently used entries first; also clears
/// temporary files a process left behind (killed while writing) after an hour. Returns the size
/// of what is left.
fn evict(c: &Cache) -> u64 {
  let Ok(dir) = fs::read_dir(&c.dir) else { return 0 };
  let now = std::time::SystemTime::now();
  let mut entries = Vec::new();
  let mut total = 0u64;
  for e in dir.flatten() {
    let (Ok(meta), name) = (e.metadata(), e.file_name()) else { continue };
    let name = name.to_string_lossy().into_owned();
    let modified = meta.modified().unwrap_or(now);
    if name.starts_with(".tmp-") {
      if now.duration_since(modified).is_ok_and(|d| d.as_secs() > 3600) {
        let _ = fs::remove_file(e.path());
      }
      continue;
    }
    if name.ends_with(".wasmrt") && meta.is_file() {
      total += meta.len();
      entries.push((modified, meta.len(), e.path()));
    }
  }
  entries.sort();
  for (_, len, path) in entries {
    if total <= c.max_bytes {
      break;
    }
    if fs::remove_file(&path).is_ok() {
      total -= len;
    }
  }
  total
}

/// `cacheInfo()` → `{ dir, loaded, stored, rejected }`; `dir` is null when the cache is off or its
/// folder cannot be trusted.
pub fn info(env: napi::sys::napi_env, _args: &[napi::sys::napi_value]) -> crate::sys::napi_raw::JsResult<napi::sys::napi_value> {
  use crate::sys::napi_raw;
  let o = napi_raw::object(env)?;
  let dir = match cache() {
    Some(c) => napi_raw::string(env, &c.dir.to_string_lossy())?,
    None => napi_raw::null(env),
  };
  napi_raw::set_named(env, o, c"dir", dir)?;
  for (name, n) in [(c"loaded", &LOADED), (c"stored", &STORED), (c"rejected", &REJECTED)] {
    napi_raw::set_named(env, o, name, napi_raw::double(env, n.load(Ordering::Relaxed) as f64)?)?;
  }
  Ok(o)
}

/// `serialize(module)`'s bytes: magic, compiler, the lengths of the wasm and of wasmer's
/// artifact, the hash of the settings they were compiled under, the BLAKE3 of both, then both.
const SERIAL_MAGIC: &[u8; 8] = b"WASMRTS1";
const SERIAL_HEADER: usize = 8 + 8 + 8 + 8 + 32 + 32;

pub fn serialize(compiler: Compiler, checks: Checks, wasm: &[u8], module: &Module) -> Result<Vec<u8>, String> {
  let artifact = module.serialize().map_err(|e| e.to_string())?;
  let mut out = Vec::with_capacity(SERIAL_HEADER + wasm.len() + artifact.len());
  out.extend_from_slice(SERIAL_MAGIC);
  out.extend_from_slice(&(compiler as u64 | (checks as u64) << 1).to_le_bytes());
  out.extend_from_slice(&(wasm.len() as u64).to_le_bytes());
  out.extend_from_slice(&(artifact.len() as u64).to_le_bytes());
  out.extend_from_slice(blake3::hash(settings(compiler, checks).as_bytes()).as_bytes());
  let mut h = blake3::Hasher::new();
  h.update(wasm);
  h.update(&artifact);
  out.extend_from_slice(h.finalize().as_bytes());
  out.extend_from_slice(wasm);
  out.extend_from_slice(&artifact);
  Ok(out)
}

/// The module `serialize` made, after the same checks as a cache entry's: format, settings (the
/// same wasm-rt, wasmer, compiler settings and CPU features), lengths and hash.
pub fn deserialize_checked(data: &[u8]) -> Result<(Compiler, Checks, Vec<u8>, Arc<Compiled>), String> {
  let bad = || "wasm-rt deserialize(): these bytes are not a module serialized by wasm-rt".to_string();
  if data.len() < SERIAL_HEADER || &data[..8] != SERIAL_MAGIC {
    return Err(bad());
  }
  let word = |at: usize| u64::from_le_bytes(data[at..at + 8].try_into().expect("8 bytes")) as usize;
  let word8 = word(8);
  let compiler = if word8 & 1 == 0 { Compiler::Cranelift } else { Compiler::Singlepass };
  let checks = Checks::from_index(word8 as u64 >> 1).ok_or_else(bad)?;
  let (wasm_len, artifact_len) = (word(16), word(24));
  if blake3::hash(settings(compiler, checks).as_bytes()).as_bytes()[..] != data[32..64] {
    return Err("wasm-rt deserialize(): serialized by another version of wasm-rt or wasmer, or for another CPU; compile the module again".into());
  }
  let body = &data[SERIAL_HEADER..];
  if wasm_len.checked_add(artifact_len) != Some(body.len()) || blake3::hash(body).as_bytes()[..] != data[64..96] {
    return Err("wasm-rt deserialize(): the bytes are damaged (length or hash does not match)".into());
  }
  let (wasm, artifact) = body.split_at(wasm_len);
  let module = crate::runtime::engine::compile(compiler, checks, wasm.len(), |e| deserialize(e, artifact).ok_or_else(bad))?;
  Ok((compiler, checks, wasm.to_vec(), module))
}

#[cfg(test)]
mod tests {
  use super::{payload, HEADER, MAGIC};

  fn entry(key: &[u8; 32], body: &[u8]) -> Vec<u8> {
    let mut e = Vec::new();
    e.extend_from_slice(MAGIC);
    e.extend_from_slice(&(body.len() as u64).to_le_bytes());
    e.extend_from_slice(blake3::hash(body).as_bytes());
    e.extend_from_slice(key);
    e.extend_from_slice(body);
    e
  }

  #[test]
  fn an_entry_is_used_only_whole_and_under_its_own_key() {
    let key = [3u8; 32];
    let good = entry(&key, b"artifact bytes");
    assert_eq!(payload(&good, &key, |_| {}), Some(&b"artifact bytes"[..]));
    assert_eq!(payload(&good, &[4u8; 32], |_| {}), None, "another key");
    assert_eq!(payload(&good[..good.len() - 1], &key, |_| {}), None, "truncated");
    assert_eq!(payload(&good[..HEADER - 1], &key, |_| {}), None, "shorter than a header");
    let mut flipped = good.clone();
    *flipped.last_mut().unwrap() ^= 1;
    assert_eq!(payload(&flipped, &key, |_| {}), None, "a flipped byte");
    let mut magic = good.clone();
    magic[7] ^= 1;
    assert_eq!(payload(&magic, &key, |_| {}), None, "another format");
    let mut longer = good;
    longer.push(0);
    assert_eq!(payload(&longer, &key, |_| {}), None, "bytes past the stated length");
  }
}
