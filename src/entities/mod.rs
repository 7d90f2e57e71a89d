//! sea-orm entity definitions, one module per table. No behaviour lives here: queries
//! and writes are in `crate::store`.

pub mod api_idempotency;
pub mod api_key;
pub mod api_key_letter;
pub mod attack_mode;
pub mod audit_log;
pub mod confirmation_token;
pub mod count_delta;
pub mod data_request;
pub mod delivery;
pub mod delivery_notice;
pub mod delivery_target;
pub mod enums;
pub mod letter;
pub mod letter_count;
pub mod letter_translation;
pub mod letter_version;
pub mod outbox;
pub mod screening_rule;
pub mod server_secret;
pub mod signature;
pub mod staff_account;
pub mod staff_password_link;
pub mod staff_session;
pub mod target;
pub mod used_proof;
pub mod webhook_attempt;
pub mod webhook_endpoint;
pub mod withdrawal_token;

// The verifiable signature list (`crate::proof`).
pub mod list_entry;
pub mod list_node;
pub mod list_snapshot;
pub mod proof_token;

pub use enums::{LetterStatus, OutboxStatus, SignatureKind, SignatureStatus};
pub use staff_account::StaffRole;
