//! Keeping abuse out: per-address rate limits, working out who the client is, and
//! screening sign forms (honeypot, signed render time, disposable and operator lists).

pub mod attack;
mod client_ip;
pub mod durable;
pub mod lists;
pub mod pow;
pub mod quarantine;
mod rate_limit;
pub mod screen;

pub use client_ip::{client_ip, is_trusted_proxy, limit_key, wide_limit_key};
pub use lists::ScreeningLists;
pub use rate_limit::{Limit, RateLimits};
pub use screen::FormStamps;
