//! Signers' data: withdrawing a signature, asking for one's data, erasing personal data
//! after the retention period, and the keyed hash that replaces full client addresses.
//!
//! What is kept, and for how long, is described to signers by the privacy page
//! (`crate::web::privacy`), which is generated from the same settings.

pub mod data_request;
pub mod ip;
pub mod retention;
pub mod withdraw;
