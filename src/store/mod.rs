//! Queries and writes. Functions take `&impl ConnectionTrait` so callers can run them
//! inside a transaction.

pub mod counts;
pub mod dashboard;
pub mod letters;
pub mod moderation;
pub mod secrets;
pub mod signatures;
pub mod translations;
