//! Staff accounts: password hashing and policy, one-time password links, database-backed
//! sessions, sign-in limits and the audit log.

pub mod accounts;
pub mod audit;
pub mod limits;
pub mod password;
pub mod sessions;

pub use limits::SignInLimits;
