//! Qualtrics XM Directory simulator: a real HTTP server on loopback with the paths,
//! envelopes, paging, limits and OAuth flows of the Qualtrics API, plus switches for faults.
//!
//! Start one with [`Simulator::start`] and point a client at [`Simulator::base_url`].

mod auth;
mod contacts;
mod directories;
mod envelope;
mod faults;
mod ids;
mod imports;
mod input;
mod model;
mod oauth;
mod paging;
mod routes;
mod search;
mod seed;
mod server;
mod state;

pub use model::ContactView;
pub use routes::ENDPOINT_NAMES;
pub use seed::{
    DeduplicationCriteria, Faults, Limits, Seed, SeedContact, SeedDirectory, SeedError,
    SeedMailingList, SeedOAuthClient,
};
pub use server::Simulator;
pub use state::RecordedRequest;
