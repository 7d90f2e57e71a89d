//! Keeping abuse out: per-address rate limits and working out who the client is.

pub mod attack;
mod client_ip;
pub mod durable;
pub mod pow;
pub mod quarantine;
mod rate_limit;

pub use client_ip::{client_ip, is_trusted_proxy, limit_key, wide_limit_key};
pub use rate_limit::{Limit, RateLimits};
