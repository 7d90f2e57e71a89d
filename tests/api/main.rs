//! Integration tests: the real application on a real port, a real database (SQLite, or
//! PostgreSQL with `TEST_DATABASE_URL`) and a real SMTP server.

mod support;

mod concurrency;
mod fail_closed;
mod journey;
mod operations;
mod outbox_delivery;
mod rate_limit;
mod repeat;
mod staff_accounts;
mod validation;
