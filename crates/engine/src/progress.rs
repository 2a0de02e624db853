//! Progress reporting hooks, so a CLI can draw a bar and a service can publish run status.

/// Receives progress of the apply phase of a run. Implementations must be cheap: they are
/// called once per confirmed batch.
pub trait Progress: Send + Sync {
    /// Announces that the run has `total` rows to write to Qualtrics.
    fn start(&self, total: u64);
    /// Counts `done` more rows as applied or failed.
    fn advance(&self, done: u64);
    /// Shows a status line for the phase the run is in, e.g. "importing batch 2 of 3".
    fn message(&self, text: &str);
    /// Ends the apply phase.
    fn finish(&self);
}

/// A [`Progress`] that ignores every event.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _total: u64) {}
    fn advance(&self, _done: u64) {}
    fn message(&self, _text: &str) {}
    fn finish(&self) {}
}
