//! The filesystem side: a private folder, the sidecar lock, atomic durable writes, and
//! keeping a copy of a file before it is overwritten.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use asym_contract::AsymError;
use atomic_write_file::AtomicWriteFile;

/// The registry holds tokens in plain text: owner-only, whatever the umask says.
#[cfg(unix)]
const FILE_MODE: u32 = 0o600;
#[cfg(unix)]
const DIR_MODE: u32 = 0o700;

fn io_err(action: &str, path: &Path) -> impl FnOnce(io::Error) -> AsymError {
    let context = format!("{action} {}", path.display());
    move |e| AsymError::io(context, e)
}

pub(crate) fn create_private_dir(dir: &Path) -> Result<(), AsymError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir).map_err(io_err("creating", dir))
}

pub(crate) fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, AsymError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err("reading", path)(e)),
    }
}

/// Exclusive lock on the sidecar file, held until dropped.
pub(crate) struct Lock(File);

impl Lock {
    /// Blocks until no other handle (thread or process) holds the lock.
    pub(crate) fn acquire(path: &Path) -> Result<Lock, AsymError> {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
        let file = options.open(path).map_err(io_err("opening", path))?;
        file.lock().map_err(io_err("locking", path))?;
        Ok(Lock(file))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Closing would release it too, but only once every duplicate of the descriptor is
        // closed (a forked child may hold one); unlock now so the next writer is not kept
        // waiting. An error here leaves nothing to do: the close that follows still releases.
        let _ = self.0.unlock();
    }
}

/// Temporary file, fsync, rename over `path`, fsync the folder: after this returns the new
/// content survives a crash, and at no point can a reader see a partial file.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), AsymError> {
    let err = |e| io_err("writing", path)(e);
    let mut options = AtomicWriteFile::options();
    #[cfg(unix)]
    {
        use atomic_write_file::unix::OpenOptionsExt as _;
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
        // Copying the old file's mode would carry a loose mode (set by hand) forward forever.
        options.preserve_mode(false);
    }
    let mut file = options.open(path).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The create mode is masked by the umask; chmod is not.
        file.as_file().set_permissions(fs::Permissions::from_mode(FILE_MODE)).map_err(err)?;
    }
    file.write_all(bytes).map_err(err)?;
    file.commit().map_err(err)?;
    sync_dir(parent(path))
}

/// Copies `path` to `<path>.corrupt-<unix seconds>` (with `-N` added if that exists) and
/// makes the copy durable before the caller overwrites the original.
pub(crate) fn keep_copy(path: &Path) -> Result<PathBuf, AsymError> {
    let bytes = fs::read(path).map_err(io_err("reading", path))?;
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let base = format!("{}.corrupt-{secs}", path.display());
    for n in 0..100 {
        let copy = PathBuf::from(if n == 0 { base.clone() } else { format!("{base}-{n}") });
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
        let mut file = match options.open(&copy) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_err("creating", &copy)(e)),
        };
        file.write_all(&bytes).and_then(|()| file.sync_all()).map_err(io_err("writing", &copy))?;
        sync_dir(parent(path))?;
        return Ok(copy);
    }
    Err(AsymError::Internal(format!("too many copies named {base}-N")))
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A rename is durable only once the folder holding the new name is synced.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<(), AsymError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_err("syncing", dir))
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<(), AsymError> {
    Ok(())
}
