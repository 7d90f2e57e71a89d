//! The delivery screen of a letter: the form that delivers it (targets, when, Reply-To),
//! and its deliveries with each target's state, a resend button per target and a cancel
//! button for a scheduled delivery.

use maud::{Markup, html};

use super::{StaffBar, csrf_field, page};
use crate::util::field_error;

/// A target the form offers.
#[derive(Clone, Debug)]
pub struct DeliveryTargetChoice {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub checked: bool,
}

/// One target of a delivery, for staff.
#[derive(Clone, Debug)]
pub struct DeliveryTargetRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// `waiting`, `queued`, `retrying`, `sent` or `failed`.
    pub state: &'static str,
    /// When it was sent, or why it failed (and when it is tried again).
    pub detail: String,
    pub sends: i32,
    pub can_resend: bool,
}

/// One delivery, for staff.
#[derive(Clone, Debug)]
pub struct DeliveryRow {
    pub id: i64,
    /// `now`, `deadline` or `goal`.
    pub trigger: String,
    /// `scheduled`, `sealed`, `started` or `cancelled`.
    pub state: String,
    pub created: String,
    pub started: Option<String>,
    pub version: Option<i32>,
    pub individuals: Option<i64>,
    pub organisations: Option<i64>,
    pub list_root: Option<String>,
    pub reply_to: String,
    pub targets: Vec<DeliveryTargetRow>,
    /// How the notices to signers are going, in words.
    pub notices: String,
}

/// The delivery screen.
#[derive(Clone, Debug)]
pub struct DeliveryPage<'a> {
    pub bar: StaffBar<'a>,
    pub letter_id: i64,
    pub letter_title: &'a str,
    /// `draft`, `open`, `closed` or `delivered`.
    pub status: &'a str,
    pub deadline: Option<String>,
    pub goal: Option<i64>,
    pub choices: &'a [DeliveryTargetChoice],
    /// `now`, `deadline` or `goal`.
    pub when: &'a str,
    pub reply_to: &'a str,
    /// (field, message)
    pub errors: &'a [(&'static str, String)],
    pub notice: Option<&'a str>,
    pub deliveries: &'a [DeliveryRow],
}

fn messages<'a>(errors: &'a [(&'static str, String)], field: &str) -> Vec<&'a str> {
    errors
        .iter()
        .filter(|(f, _)| *f == field)
        .map(|(_, m)| m.as_str())
        .collect()
}

pub fn delivery(p: &DeliveryPage<'_>) -> Markup {
    let title = format!("Deliver: {}", p.letter_title);
    let base = format!("/staff/letters/{}", p.letter_id);
    let when_errors = messages(p.errors, "when");
    let target_errors = messages(p.errors, "targets");
    let reply_errors = messages(p.errors, "reply_to");
    page(
        &title,
        Some(&p.bar),
        html! {
            h1 { "Deliver the letter" }
            p { "Letter: " strong { (p.letter_title) } " (" (p.status) ")" }
            nav aria-label="This letter" {
                ul.inline-list {
                    li { a href=(base) { "Letter overview" } }
                    li { a href=(format!("{base}/export")) { "Export signatures" } }
                    li { a href=(format!("{base}/pdf")) { "Download the PDF" } }
                }
            }
            @if let Some(notice) = p.notice {
                p.notice role="status" { (notice) }
            }
            @if !p.errors.is_empty() {
                div.error-summary role="alert" {
                    h2 { "The letter was not delivered" }
                    ul {
                        @for (field, message) in p.errors {
                            li { a href=(format!("#delivery-{field}")) { (message) } }
                        }
                    }
                }
            }
            @if p.status == "draft" {
                p { "A draft cannot be delivered: publish it first." }
            } @else {
                form method="post" action=(format!("{base}/delivery")) {
                    (csrf_field(p.bar.csrf))
                    fieldset id="delivery-targets" {
                        legend { "To" }
                        (field_error("delivery-targets-error", &target_errors))
                        @for c in p.choices {
                            div.checkbox {
                                input type="checkbox" name="target" value=(c.id)
                                    id=(format!("target-{}", c.id)) checked[c.checked];
                                label for=(format!("target-{}", c.id)) { (c.name) " <" (c.email) ">" }
                            }
                        }
                    }
                    fieldset id="delivery-when" {
                        legend { "When" }
                        (field_error("delivery-when-error", &when_errors))
                        div.radio {
                            input type="radio" name="when" value="now" id="when-now" checked[p.when == "now" || p.when.is_empty()];
                            label for="when-now" { "Now" }
                        }
                        div.radio {
                            input type="radio" name="when" value="deadline" id="when-deadline" checked[p.when == "deadline"];
                            label for="when-deadline" {
                                "At the deadline"
                                @match &p.deadline { Some(d) => { " (" (d) " UTC)" } None => { " (the letter has none)" } }
                            }
                        }
                        div.radio {
                            input type="radio" name="when" value="goal" id="when-goal" checked[p.when == "goal"];
                            label for="when-goal" {
                                "When the goal is reached"
                                @match p.goal { Some(g) => { " (" (g) " signatures)" } None => { " (the letter has none)" } }
                            }
                        }
                    }
                    div.field {
                        label for="delivery-reply_to" { "Reply-To address" }
                        p.hint { "Replies from the institutions go here." }
                        (field_error("delivery-reply_to-error", &reply_errors))
                        input type="email" name="reply_to" id="delivery-reply_to" value=(p.reply_to) required;
                    }
                    p.hint { "The letter becomes delivered and takes no more signatures when the delivery starts." }
                    button.button type="submit" { "Deliver" }
                }
            }
            h2 { "Deliveries" }
            @if p.deliveries.is_empty() {
                p { "None yet." }
            }
            @for d in p.deliveries {
                section.delivery id=(format!("delivery-{}", d.id)) {
                    h3 { "Delivery " (d.id) ": " (d.state) }
                    dl {
                        dt { "Asked" } dd { (d.created) " (" (d.trigger) ")" }
                        @if let Some(started) = &d.started { dt { "Delivered" } dd { (started) } }
                        @if let Some(v) = d.version { dt { "Text version" } dd { (v) } }
                        @if let (Some(i), Some(o)) = (d.individuals, d.organisations) {
                            dt { "Signatures" } dd { (o) " organisations, " (i) " individuals" }
                        }
                        @if let Some(root) = &d.list_root { dt { "List root" } dd { code { (root) } } }
                        dt { "Reply-To" } dd { (d.reply_to) }
                        dt { "Notices to signers" } dd { (d.notices) }
                    }
                    @if d.state == "scheduled" {
                        form method="post" action=(format!("{base}/delivery/{}/cancel", d.id)) {
                            (csrf_field(p.bar.csrf))
                            button.button.button--secondary type="submit" { "Cancel this delivery" }
                        }
                    }
                    table {
                        thead { tr { th { "Target" } th { "Address" } th { "State" } th { "Detail" } th { "Sends" } th { "" } } }
                        tbody {
                            @for t in &d.targets {
                                tr.{"target--" (t.state)} {
                                    td { (t.name) }
                                    td { (t.email) }
                                    td { (t.state) }
                                    td { (t.detail) }
                                    td { (t.sends) }
                                    td {
                                        @if t.can_resend {
                                            form method="post" action=(format!("{base}/delivery/targets/{}/resend", t.id)) {
                                                (csrf_field(p.bar.csrf))
                                                button.button.button--secondary type="submit" { "Resend" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_carries_the_csrf_token_and_text_is_escaped() {
        let choices = vec![DeliveryTargetChoice {
            id: 7,
            name: "Council <b>".into(),
            email: "council@example.org".into(),
            checked: true,
        }];
        let rows = vec![DeliveryRow {
            id: 3,
            trigger: "now".into(),
            state: "scheduled".into(),
            created: "2026-11-30 12:00 UTC".into(),
            started: None,
            version: None,
            individuals: None,
            organisations: None,
            list_root: None,
            reply_to: "me@example.org".into(),
            notices: "none".into(),
            targets: vec![DeliveryTargetRow {
                id: 9,
                name: "Council <b>".into(),
                email: "council@example.org".into(),
                state: "failed",
                detail: "550 <no such user>".into(),
                sends: 1,
                can_resend: true,
            }],
        }];
        let html = delivery(&DeliveryPage {
            bar: StaffBar {
                email: "me@example.org",
                is_admin: false,
                csrf: "TOKEN",
            },
            letter_id: 1,
            letter_title: "Free",
            status: "open",
            deadline: None,
            goal: Some(10),
            choices: &choices,
            when: "",
            reply_to: "me@example.org",
            errors: &[],
            notice: None,
            deliveries: &rows,
        })
        .into_string();
        // Sign-out, deliver, cancel and resend.
        assert_eq!(html.matches("name=\"csrf\" value=\"TOKEN\"").count(), 4);
        assert!(html.contains("/staff/letters/1/delivery/targets/9/resend"));
        assert!(html.contains("/staff/letters/1/delivery/3/cancel"));
        assert!(html.contains("550 &lt;no such user&gt;"));
        assert!(!html.contains("<b>"));
        assert!(html.contains("(the letter has none)"));
    }
}
