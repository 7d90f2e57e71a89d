//! Webhooks: signed event deliveries to endpoints staff register per letter.
