//! Integration tests of the client against the Qualtrics simulator on loopback.

mod auth;
mod import;
mod reads;
mod retries;
mod support;
mod writes;
