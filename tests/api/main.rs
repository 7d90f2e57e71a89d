//! Integration tests: the real application on a real port, a real database (SQLite, or
//! PostgreSQL with `TEST_DATABASE_URL`) and a real SMTP server.

mod support;

mod api_keys;
mod api_v1;
mod backup;
mod browser;
mod concurrency;
mod connections;
mod dashboard;
mod delivery;
mod export;
mod fail_closed;
mod flood;
mod fuzz;
mod group_commit;
mod hung_relay;
mod identity;
mod journey;
mod languages;
mod letter_page;
mod limits;
mod moderation;
mod operations;
mod outbox_delivery;
mod outbox_speed;
mod privacy;
mod proofs;
mod rate_limit;
mod repeat;
mod replicas;
mod screening;
mod sharing;
mod staff_accounts;
mod staff_cli;
mod staff_letters;
mod validation;
mod verify;
mod versions;
// Operations: metrics and webhooks.
mod metrics;
mod webhooks;
