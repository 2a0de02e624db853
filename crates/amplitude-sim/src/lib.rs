//! An Amplitude Behavioral Cohorts API simulator: a real HTTP server on loopback with the
//! API's paths, status codes, quotas and download quirks, plus switches for tests.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use amplitude_sim::{Endpoint, Seed, Simulator};
//! let sim = Simulator::start(Seed::example()).await?;
//! let base_url = sim.base_url(); // point the Amplitude client of either region here
//! sim.fail_next(Endpoint::RequestStatus, 2, 503);
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod admin;
mod api;
mod csv;
mod endpoint;
mod gate;
mod seed;
mod server;
mod state;

pub use endpoint::{Endpoint, Faults, RecordedRequest, UnknownEndpoint};
pub use seed::{Limits, Region, Seed, SeedCohort, SeedError, SeedMember, SeedProject};
pub use server::Simulator;
pub use state::ControlError;
