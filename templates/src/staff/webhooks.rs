//! The webhooks screen of a letter: its endpoints, their latest delivery attempts, and
//! (for admins) the form to add one, with the new endpoint's secret shown once.

use maud::{Markup, html};

use super::{StaffBar, csrf_field, page};
use crate::util::field_error;

/// One endpoint as listed.
#[derive(Clone, Debug)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    /// Event types, e.g. `signature.confirmed`.
    pub events: Vec<String>,
    pub include_personal: bool,
    pub added: String,
}

/// One delivery attempt as listed.
#[derive(Clone, Debug)]
pub struct WebhookAttemptRow {
    pub at: String,
    pub url: String,
    pub event: String,
    pub attempt: i32,
    /// The HTTP status of the answer, if one came.
    pub status_code: Option<i32>,
    pub error: String,
    pub duration_ms: i64,
    pub delivered: bool,
}

/// What the add form holds when shown again with its mistakes.
#[derive(Clone, Debug, Default)]
pub struct WebhookForm {
    pub url: String,
    pub events: Vec<String>,
    pub include_personal: bool,
    pub error: Option<String>,
}

#[derive(Clone, Debug)]
pub struct WebhooksPage<'a> {
    pub bar: StaffBar<'a>,
    pub letter_id: i64,
    pub letter_title: &'a str,
    pub endpoints: &'a [WebhookRow],
    pub attempts: &'a [WebhookAttemptRow],
    /// Every event type an endpoint may subscribe to.
    pub event_types: &'a [&'a str],
    pub max_endpoints: u64,
    pub form: WebhookForm,
    /// The secret of the endpoint just added: shown this once, never again.
    pub new_secret: Option<String>,
    /// A line saying what the last action did.
    pub notice: Option<String>,
}

pub fn webhooks(p: &WebhooksPage<'_>) -> Markup {
    let title = format!("Webhooks: {}", p.letter_title);
    let base = format!("/staff/letters/{}/webhooks", p.letter_id);
    let invalid = p.form.error.is_some();
    let messages: Vec<&str> = p.form.error.iter().map(String::as_str).collect();
    page(
        &title,
        Some(&p.bar),
        html! {
            p { a href=(format!("/staff/letters/{}", p.letter_id)) { "Back to the letter" } }
            h1 { (title) }
            @if let Some(notice) = &p.notice {
                div.notice role="status" { p { (notice) } }
            }
            @if let Some(secret) = &p.new_secret {
                div.notice role="status" {
                    p { strong { "The endpoint's signing secret. Copy it now: it is not shown again." } }
                    p { code id="webhook-secret" { (secret) } }
                    p {
                        "Each delivery carries the headers webhook-id, webhook-timestamp and webhook-signature "
                        "(Standard Webhooks): v1, followed by the base64 HMAC-SHA256, keyed with the secret's "
                        "base64 part decoded, of the id, the timestamp and the body joined by full stops."
                    }
                }
            }
            p {
                "Each endpoint receives the events it subscribes to as signed JSON, sent again with growing "
                "pauses until it answers with a 2xx status. Payloads name no signer unless an admin ticked "
                "\"personal data\" for the endpoint."
            }
            h2 { "Endpoints" }
            @if p.endpoints.is_empty() {
                p.empty { "No endpoints yet." }
            } @else {
                table {
                    thead { tr { th { "Address" } th { "Events" } th { "Personal data" } th { "Added" } @if p.bar.is_admin { th { "Actions" } } } }
                    tbody {
                        @for e in p.endpoints {
                            tr {
                                td { code { (e.url) } }
                                td { (e.events.join(", ")) }
                                td { @if e.include_personal { "included" } @else { "none" } }
                                td { (e.added) }
                                @if p.bar.is_admin {
                                    td {
                                        form method="post" action=(format!("{base}/{}/delete", e.id)) {
                                            (csrf_field(p.bar.csrf))
                                            button.button.button--secondary type="submit" { "Remove " (e.url) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Latest deliveries" }
            @if p.attempts.is_empty() {
                p.empty { "No delivery attempted yet." }
            } @else {
                table {
                    thead { tr { th { "When" } th { "Address" } th { "Event" } th { "Attempt" } th { "Answer" } th { "Time taken" } th { "Problem" } } }
                    tbody {
                        @for a in p.attempts {
                            tr.webhook-attempt data-delivered=(if a.delivered { "true" } else { "false" }) {
                                td { (a.at) }
                                td { code { (a.url) } }
                                td { (a.event) }
                                td { (a.attempt) }
                                td { @if let Some(code) = a.status_code { (code) } @else { "none" } }
                                td { (a.duration_ms) " ms" }
                                td { (a.error) }
                            }
                        }
                    }
                }
            }
            @if p.bar.is_admin {
                h2 { "Add an endpoint" }
                @if p.endpoints.len() as u64 >= p.max_endpoints {
                    p { "This letter has " (p.max_endpoints) " endpoints, the most it may have. Remove one to add another." }
                } @else {
                    form method="post" action=(base) {
                        (csrf_field(p.bar.csrf))
                        div.field."field--invalid"[invalid] {
                            label for="webhook-url" { "Address" }
                            p.hint id="webhook-url-hint" { "An https:// address on the public internet." }
                            (field_error("webhook-url-error", &messages))
                            input type="url" id="webhook-url" name="url" value=(p.form.url) required
                                autocomplete="off"
                                aria-invalid=[invalid.then_some("true")]
                                aria-describedby=(if invalid { "webhook-url-hint webhook-url-error" } else { "webhook-url-hint" });
                        }
                        fieldset {
                            legend { "Events" }
                            @for kind in p.event_types {
                                div.field {
                                    input type="checkbox" id=(format!("event-{kind}")) name="events" value=(kind)
                                        checked[p.form.events.iter().any(|e| e == kind)];
                                    label for=(format!("event-{kind}")) { (kind) }
                                }
                            }
                        }
                        div.field {
                            input type="checkbox" id="webhook-personal" name="include_personal" value="on"
                                checked[p.form.include_personal];
                            label for="webhook-personal" { "Include personal data (signers' names and email addresses)" }
                        }
                        button.button type="submit" { "Add endpoint" }
                    }
                }
            }
        },
    )
}
