//! Step-by-step progress on stderr for long operations (setup and proving take seconds).

use std::time::Instant;

/// Prints `[step] message ... done in 1.23 s` lines to stderr unless quiet.
pub struct Progress {
    enabled: bool,
}

impl Progress {
    /// A progress printer; `enabled = false` prints nothing.
    pub fn new(enabled: bool) -> Self {
        Self { enabled }
    }

    /// Print an informational line.
    pub fn note(&self, message: impl AsRef<str>) {
        if self.enabled {
            eprintln!("{}", message.as_ref());
        }
    }

    /// Run `work`, announcing it before and reporting its duration after.
    pub fn step<T, E>(&self, what: &str, work: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        if self.enabled {
            eprint!("  {what} ... ");
        }
        let start = Instant::now();
        let result = work();
        if self.enabled {
            match &result {
                Ok(_) => eprintln!("done in {:.2} s", start.elapsed().as_secs_f64()),
                Err(_) => eprintln!("failed after {:.2} s", start.elapsed().as_secs_f64()),
            }
        }
        result
    }
}
