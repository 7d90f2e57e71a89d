//! Database migrations for undersigned, runnable from the service (`undersigned migrate`)
//! or on their own through this crate's CLI (`cargo run -p migration -- up`).

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_create_letters;
mod m20261127_000002_create_signatures;
mod m20261127_000003_create_outbox;
mod m20261127_000004_add_last_confirmation_email;
mod m20261128_100000_link_count_deltas_to_letters;
mod m20261128_103000_add_outbox_message_key;
mod m20261128_104500_add_public_list_indexes;
mod m20261128_120000_create_staff;
mod m20261129_100000_letters_workspace;
mod m20261129_120000_add_signature_version_index;
mod m20261129_130000_add_moderation_indexes;
mod m20261129_140000_add_dashboard_indexes;
mod m20261129_200000_create_screening_rules;
mod m20261129_210000_create_abuse_limits;
mod m20261129_220000_signer_identity;
mod m20261129_230000_signers_data;
mod m20261130_110000_create_list_log;
mod m20261130_120000_create_deliveries;
mod m20261130_130000_create_api_keys;
mod m20261130_140000_add_signature_language;
mod m20261130_141000_create_letter_translations;
mod m20261130_150000_create_webhooks;
mod m20261201_100000_add_outbox_pending_index;
mod m20261201_110000_drop_limit_counters_window_index;

/// Every migration of the schema, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_create_letters::Migration),
            Box::new(m20261127_000002_create_signatures::Migration),
            Box::new(m20261127_000003_create_outbox::Migration),
            Box::new(m20261127_000004_add_last_confirmation_email::Migration),
            Box::new(m20261128_100000_link_count_deltas_to_letters::Migration),
            Box::new(m20261128_103000_add_outbox_message_key::Migration),
            Box::new(m20261128_104500_add_public_list_indexes::Migration),
            Box::new(m20261128_120000_create_staff::Migration),
            Box::new(m20261129_100000_letters_workspace::Migration),
            Box::new(m20261129_120000_add_signature_version_index::Migration),
            Box::new(m20261129_130000_add_moderation_indexes::Migration),
            Box::new(m20261129_140000_add_dashboard_indexes::Migration),
            Box::new(m20261129_200000_create_screening_rules::Migration),
            Box::new(m20261129_210000_create_abuse_limits::Migration),
            Box::new(m20261129_220000_signer_identity::Migration),
            Box::new(m20261129_230000_signers_data::Migration),
            Box::new(m20261130_110000_create_list_log::Migration),
            Box::new(m20261130_120000_create_deliveries::Migration),
            Box::new(m20261130_130000_create_api_keys::Migration),
            Box::new(m20261130_140000_add_signature_language::Migration),
            Box::new(m20261130_141000_create_letter_translations::Migration),
            Box::new(m20261130_150000_create_webhooks::Migration),
            Box::new(m20261201_100000_add_outbox_pending_index::Migration),
            Box::new(m20261201_110000_drop_limit_counters_window_index::Migration),
        ]
    }
}
