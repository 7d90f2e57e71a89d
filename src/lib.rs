//! undersigned: open letters and petitions with signatures confirmed by email, abuse
//! protection, and delivery to the institutions they are addressed to.

pub mod abuse;
pub mod api;
pub mod auth;
pub mod backup;
pub mod clock;
pub mod config;
pub mod db;
pub mod delivery;
pub mod demo;
pub mod domain;
pub mod encoding;
pub mod entities;
pub mod export;
pub mod letters;
pub mod mail;
pub mod markdown;
pub mod merkle;
pub mod outbox;
pub mod privacy;
/// The verifiable signature list: snapshots, proofs, signers' proof links.
pub mod proof;
pub mod serve;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;
// Operations: metrics and webhooks.
pub mod metrics;
pub mod webhooks;

pub use clock::Clock;
pub use config::Settings;
pub use startup::Application;
