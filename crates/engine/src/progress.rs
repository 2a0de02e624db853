//! Progress reporting hooks, so a CLI can draw a bar and a service can publish run status.

/// Receives progress of the apply phase of a run. Implementations must be cheap: they are
/// called once per confirmed batch.
pub trait Progress: Send + Sync {
    /// The run has `total` rows to write to Qualtrics.
    fn start(&self, total: u64);
    /// `done` more rows were applied or failed.
    fn advance(&self, done: u64);
    /// A status line for the phase the run is in, e.g. "waiting for import 2 of 3".
    fn message(&self, text: &str);
    /// The apply phase ended.
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
