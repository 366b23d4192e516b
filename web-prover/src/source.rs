//! Random-access byte sources for large keys: the prover reads a `.zkey` in chunks and never
//! holds all of it (a 2^20-constraint zkey is ~700 MB; a browser tab cannot hold that plus the
//! prover's working memory).
//!
//! - [`Bytes`]: a buffer already in memory (small keys, tests).
//! - [`FileSource`]: a file on disk (native).
//! - `BlobSource` (wasm, in [`crate::wasm`]): a browser `Blob`/`File` (a user's file, or a
//!   `fetch` response turned into a Blob, which the browser keeps on disk when large).

use std::future::Future;

use crate::{Error, Result};

/// Bytes that can be read at any offset, asynchronously (a browser `Blob` can only be read
/// asynchronously).
pub trait Source {
    /// Total length in bytes.
    fn len(&self) -> u64;

    /// Whether the source is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `len` bytes at `offset` (the range is within [`Self::len`]; callers check).
    fn read(&self, offset: u64, len: usize) -> impl Future<Output = Result<Vec<u8>>>;
}

/// A source in memory.
pub struct Bytes<'a>(pub &'a [u8]);

impl Source for Bytes<'_> {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    async fn read(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
        let start = usize::try_from(offset).map_err(|_| io("memory", "offset too large"))?;
        let end = start
            .checked_add(len)
            .filter(|&e| e <= self.0.len())
            .ok_or_else(|| io("memory", "read past the end"))?;
        Ok(self.0[start..end].to_vec())
    }
}

fn io(what: &str, problem: impl std::fmt::Display) -> Error {
    Error::Io {
        what: what.to_string(),
        problem: problem.to_string(),
    }
}

/// A file on disk, read with seeks (native only).
#[cfg(not(target_arch = "wasm32"))]
pub struct FileSource {
    file: std::sync::Mutex<std::fs::File>,
    len: u64,
    name: String,
}

#[cfg(not(target_arch = "wasm32"))]
impl FileSource {
    /// Open `path`.
    pub fn open(path: &std::path::Path) -> Result<Self> {
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| io(&name, e))?;
        let len = file.metadata().map_err(|e| io(&name, e))?.len();
        Ok(Self {
            file: std::sync::Mutex::new(file),
            len,
            name,
        })
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Source for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    async fn read(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = self
            .file
            .lock()
            .map_err(|_| io(&self.name, "file lock poisoned"))?;
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| io(&self.name, e))?;
        let mut buf = vec![0u8; len];
        file.read_exact(&mut buf).map_err(|e| io(&self.name, e))?;
        Ok(buf)
    }
}
