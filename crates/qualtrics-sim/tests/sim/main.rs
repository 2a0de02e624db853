//! Integration tests for the Qualtrics simulator, run as one binary over real HTTP on loopback.

mod api;
mod binary;
mod contacts;
mod faults;
mod helpers;
mod imports;
mod oauth;
