//! Command errors and the exit code each maps to.

/// Every row applied or skipped for a stated reason.
pub const EXIT_OK: u8 = 0;
/// The run failed, or some rows failed.
pub const EXIT_FAILED: u8 = 1;
/// Invalid usage, config or input; nothing was sent.
pub const EXIT_USAGE: u8 = 2;

/// An error that ends a command, with its exit code.
#[derive(Debug)]
pub struct Failure {
    pub error: anyhow::Error,
    pub exit_code: u8,
}

impl Failure {
    /// Wraps invalid usage, config or input: exit code 2.
    pub fn usage(error: impl Into<anyhow::Error>) -> Failure {
        Failure {
            error: error.into(),
            exit_code: EXIT_USAGE,
        }
    }

    /// Wraps a failure while working: exit code 1.
    pub fn failed(error: impl Into<anyhow::Error>) -> Failure {
        Failure {
            error: error.into(),
            exit_code: EXIT_FAILED,
        }
    }
}
