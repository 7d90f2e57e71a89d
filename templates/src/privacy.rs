//! Signers' data: the withdrawal link in emails and its page, the privacy page, the
//! data-request form and the email that answers it.

use maud::{DOCTYPE, Markup, html};

use crate::email::Email;
use crate::layout::{Page, SITE_NAME, layout};
use crate::util::{
    HeadingLevel, SummaryItem, described_by, error_summary, field_error, letter_path, path_segment,
};

fn page(title: &str, body: Markup) -> Markup {
    layout(
        &Page {
            title,
            lang: "en",
            description: None,
        },
        body,
    )
}

const WITHDRAW_INTRO: &str =
    "Changed your mind? You can withdraw your signature at any time with this link:";

/// Adds the withdrawal link to a signer's email, before its closing signature line (plain
/// text) and its closing line (HTML).
pub fn with_withdraw_link(mut email: Email, url: &str) -> Email {
    let url: String = url.split_whitespace().collect();
    let paragraph = format!("{WITHDRAW_INTRO}\n{url}\n\n");
    match email.text.rfind("-- \n") {
        Some(at) => email.text.insert_str(at, &paragraph),
        None => email.text.push_str(&paragraph),
    }
    let html = html! {
        p style="margin:0 0 16px;font-size:15px;color:#4b4b4b;" {
            (WITHDRAW_INTRO) " "
            a href=(url) style="color:#1a4f8b;word-break:break-all;" { (url) }
        }
    }
    .into_string();
    match email.html.rfind("</div></body>") {
        Some(at) => email.html.insert_str(at, &html),
        None => email.html.push_str(&html),
    }
    email
}

/// Which withdrawal page to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WithdrawState {
    /// The link is valid; ask for a button press.
    Ready,
    /// The button was pressed: the signature is withdrawn.
    Withdrawn,
    /// It had been withdrawn before.
    AlreadyWithdrawn,
}

/// The page behind a withdrawal link.
#[derive(Clone, Copy, Debug)]
pub struct WithdrawPage<'a> {
    pub letter_title: &'a str,
    pub letter_slug: &'a str,
    pub token: &'a str,
    pub state: WithdrawState,
    /// The roll-up interval in seconds, to say when the count changes.
    pub count_lag_secs: u64,
}

/// The withdrawal page: a GET shows the button, its POST withdraws (mail scanners open
/// links by themselves and must not withdraw anything).
pub fn withdraw(p: &WithdrawPage<'_>) -> Markup {
    let back = letter_path(p.letter_slug);
    match p.state {
        WithdrawState::Ready => page(
            "Withdraw your signature",
            html! {
                h1 { "Withdraw your signature" }
                p { "You are about to withdraw your signature from the open letter " q { (p.letter_title) } "." }
                p { "It will no longer be listed or counted. You may sign again later if you change your mind." }
                form.confirm-form method="post" action=(format!("/withdraw/{}", path_segment(p.token))) {
                    button.button type="submit" { "Withdraw my signature" }
                }
                p { a href=(back) { "Keep my signature and go back to the letter" } }
            },
        ),
        WithdrawState::Withdrawn => page(
            "Signature withdrawn",
            html! {
                h1 { "Your signature is withdrawn" }
                p {
                    "Your signature on " q { (p.letter_title) } " is no longer listed, and the count "
                    "shown with the letter drops within " (p.count_lag_secs.max(1)) " seconds."
                }
                p { "What we still keep, and for how long, is on our " a href="/privacy" { "privacy page" } "." }
                p { a href=(back) { "Back to the letter" } }
            },
        ),
        WithdrawState::AlreadyWithdrawn => page(
            "Already withdrawn",
            html! {
                h1 { "This signature is already withdrawn" }
                p { "Your signature on " q { (p.letter_title) } " was withdrawn earlier. There is nothing more to do." }
                p { a href=(back) { "Back to the letter" } }
            },
        ),
    }
}

/// What the privacy page says, from the settings.
#[derive(Clone, Copy, Debug)]
pub struct PrivacyPage {
    /// Days after a letter is closed or delivered when personal data is erased.
    pub retention_days: u32,
    /// Hours a confirmation link works.
    pub token_ttl_hours: u64,
    /// Data requests answered per address per day.
    pub data_requests_per_day: u32,
}

/// The privacy page, generated from the settings so that it says what the service does.
pub fn privacy(p: &PrivacyPage) -> Markup {
    let days = p.retention_days;
    page(
        "Privacy",
        html! {
            h1 { "Privacy: what we keep about signers" }
            h2 { "What we keep and why" }
            ul {
                li { strong { "Your email address" } ": to confirm that you signed, to tell you if you sign twice, and (if you asked) to send you news of the letter. It is never published." }
                li { strong { "Your name, country and, if you gave them, city and occupation" } " (or for an organisation: its name, country, website, your name and role): to show the signature with the letter if you chose to be listed, and to deliver the list of signatories to the letter's addressees." }
                li { strong { "The network address (IP) your signature came from" } ": to keep floods of fake signatures out. Only administrators can see it." }
                li { strong { "When you signed and confirmed" } ", and the version of the letter's text you signed." }
            }
            h2 { "How long we keep it" }
            p {
                "Your email address and your network address are erased "
                strong { (days) " days" } " after the letter is closed or delivered, and so is "
                "everything about your signature that was not public: the name of an unlisted signature, "
                "an organisation's contact person and role, and the city, occupation or website "
                "that were not shown. What was public stays: the name, country, city and occupation of a "
                "listed person, the name, country and website of a listed organisation, and the counts. "
                "Of the network address we then keep only its network prefix (the first three numbers of an IPv4 "
                "address, the first 48 bits of an IPv6 address) and a keyed fingerprint from which the address "
                "cannot be read back, so that repeated abuse can still be recognised."
            }
            p {
                "A withdrawn signature is kept, unlisted and uncounted, until then too, so that you can sign again; "
                "its withdrawal link works until the erasure."
            }
            p {
                "Confirmation links work for " (p.token_ttl_hours) " hours. Links and records of sent emails are deleted "
                "on the same schedule, " (days) " days after they are used or expire."
            }
            h2 { "Who sees what" }
            ul {
                li { "Everyone: the names, organisations and countries of confirmed signatures whose signers chose to be listed, and the counts." }
                li { "Our staff: the signatures and their email addresses, to moderate the list and deliver the letter. Editors do not see network addresses; administrators do." }
                li { "The letter's addressees: the list of signatories when the letter is delivered." }
            }
            p { "We use no third-party trackers, advertising or CAPTCHA services." }
            h2 { "Withdrawing your signature" }
            p {
                "Every email we send you about your signature has a link to withdraw it. A withdrawn signature "
                "is no longer listed or counted. You may sign again later."
            }
            h2 { "Asking for your data" }
            p {
                "You can " a href="/my-data" { "ask for everything we hold about your email address" } ". "
                "We send it to that address only, at most " (p.data_requests_per_day) " times a day."
            }
        },
    )
}

/// The data-request form, and the same page after a request (`sent`).
#[derive(Clone, Copy, Debug, Default)]
pub struct MyDataPage<'a> {
    /// Pre-fills the field (kept after a mistake).
    pub email: &'a str,
    /// What is wrong with the address typed.
    pub error: Option<&'a str>,
    /// The request was taken: say where the answer goes, the same for every address.
    pub sent: bool,
}

/// `/my-data`: ask for everything the service holds about an address.
pub fn my_data(p: &MyDataPage<'_>) -> Markup {
    if p.sent {
        return page(
            "Check your inbox",
            html! {
                h1 { "Check your inbox" }
                p { "If we hold anything about that address, we have sent it there. We send it to no other address." }
                p { "If nothing arrives within a few minutes, check your spam or junk folder." }
                p { a href="/privacy" { "Back to the privacy page" } }
            },
        );
    }
    const EMAIL_ID: &str = "my-data-email";
    let error_id = format!("{EMAIL_ID}-error");
    let hint_id = format!("{EMAIL_ID}-hint");
    let messages: Vec<&str> = p.error.into_iter().collect();
    let invalid = !messages.is_empty();
    let summary: Vec<SummaryItem<'_>> = messages
        .iter()
        .map(|m| SummaryItem {
            href: Some(format!("#{EMAIL_ID}")),
            message: m,
        })
        .collect();
    let describedby = described_by(&[Some(hint_id.as_str()), invalid.then_some(error_id.as_str())]);
    page(
        "Your data",
        html! {
            h1 { "Ask for your data" }
            p { "Enter your email address. We will email that address everything we hold about it: every signature with its details, the letters, their status and dates." }
            @if invalid {
                (error_summary("my-data-errors", HeadingLevel::H2, "There is a problem", &summary))
            }
            form method="post" action="/my-data" novalidate {
                div.field."field--invalid"[invalid] {
                    label for=(EMAIL_ID) { "Email address" }
                    (field_error(&error_id, &messages))
                    input type="email" id=(EMAIL_ID) name="email" value=(p.email) autocomplete="email" required
                        aria-invalid=[invalid.then_some("true")] aria-describedby=[describedby];
                    p.hint id=(hint_id) { "The answer goes to this address only." }
                }
                button.button type="submit" { "Send me my data" }
            }
            p { a href="/privacy" { "What we keep and for how long" } }
        },
    )
}

/// One signature in the data-request email: every field as stored.
#[derive(Clone, Debug, Default)]
pub struct DataRow {
    pub letter_title: String,
    pub letter_url: String,
    /// (label, value) pairs, in order; empty values are shown as "(none)".
    pub fields: Vec<(&'static str, String)>,
}

/// The email that answers a data request.
pub fn data_request_email(rows: &[DataRow], more: bool) -> Email {
    let subject = format!("Your data at {SITE_NAME}");
    let mut text = String::new();
    text.push_str(
        "Hello,\n\nYou asked for everything we hold about this email address. Here it is.\n\n",
    );
    for (i, row) in rows.iter().enumerate() {
        text.push_str(&format!(
            "Signature {} on “{}”\n{}\n",
            i + 1,
            row.letter_title
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            row.letter_url
        ));
        for (label, value) in &row.fields {
            let value = if value.is_empty() {
                "(none)"
            } else {
                value.as_str()
            };
            text.push_str(&format!(
                "  {label}: {}\n",
                value.split_whitespace().collect::<Vec<_>>().join(" ")
            ));
        }
        text.push('\n');
    }
    if more {
        text.push_str("There are more signatures than fit in one email; ask again after withdrawing or erasing some, or write to us.\n\n");
    }
    text.push_str("If you did not ask for this, someone typed your address into our data-request form; nothing else was done.\n\n-- \n");
    text.push_str(SITE_NAME);
    text.push('\n');
    let html = html! {
        (DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; title { (subject) } }
            body {
                h1 { "Your data" }
                p { "You asked for everything we hold about this email address. Here it is." }
                @for (i, row) in rows.iter().enumerate() {
                    h2 { "Signature " (i + 1) " on “" (row.letter_title) "”" }
                    p { a href=(row.letter_url) { (row.letter_url) } }
                    table {
                        @for (label, value) in &row.fields {
                            tr { th scope="row" style="text-align:left;padding-right:12px;" { (label) } td { @if value.is_empty() { "(none)" } @else { (value) } } }
                        }
                    }
                }
                @if more {
                    p { "There are more signatures than fit in one email; ask again after withdrawing or erasing some, or write to us." }
                }
                p { "If you did not ask for this, someone typed your address into our data-request form; nothing else was done." }
                p { "— " (SITE_NAME) }
            }
        }
    }
    .into_string();
    Email {
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(html: &str, needle: &str) -> usize {
        html.matches(needle).count()
    }

    #[test]
    fn the_withdraw_link_goes_before_the_signature_line_and_is_escaped() {
        let email = Email {
            subject: "s".into(),
            text: "Hello,\n\n-- \nundersigned\n".into(),
            html: "<html><body><div><p>Hi</p></div></body></html>".into(),
        };
        let out = with_withdraw_link(email, "https://x.example/withdraw/a\"b<c");
        assert!(
            out.text
                .starts_with("Hello,\n\nChanged your mind? You can withdraw your signature at any time with this link:\nhttps://x.example/withdraw/a\"b<c\n\n-- \n")
        );
        assert!(
            out.html
                .contains("href=\"https://x.example/withdraw/a&quot;b&lt;c\"")
        );
        assert!(out.html.ends_with("</p></div></body></html>"));
    }

    #[test]
    fn pages_have_one_heading_and_labelled_fields() {
        let pages = [
            privacy(&PrivacyPage {
                retention_days: 42,
                token_ttl_hours: 168,
                data_requests_per_day: 3,
            })
            .into_string(),
            my_data(&MyDataPage::default()).into_string(),
            my_data(&MyDataPage {
                email: "<b>x</b>",
                error: Some("Enter an email address"),
                sent: false,
            })
            .into_string(),
            my_data(&MyDataPage {
                sent: true,
                ..MyDataPage::default()
            })
            .into_string(),
        ];
        for html in &pages {
            assert_eq!(count(html, "<h1"), 1, "{html}");
            assert!(!html.contains("<b>x</b>"), "escaped: {html}");
        }
        assert!(pages[0].contains("42 days"));
        assert!(pages[1].contains("<label for=\"my-data-email\""));
        assert!(pages[2].contains("aria-invalid=\"true\""));
        assert!(pages[2].contains("&lt;b&gt;x&lt;/b&gt;"));
        for state in [
            WithdrawState::Ready,
            WithdrawState::Withdrawn,
            WithdrawState::AlreadyWithdrawn,
        ] {
            let html = withdraw(&WithdrawPage {
                letter_title: "<i>T</i>",
                letter_slug: "t",
                token: "tok",
                state,
                count_lag_secs: 1,
            })
            .into_string();
            assert_eq!(count(&html, "<h1"), 1);
            assert!(!html.contains("<i>T</i>"));
            assert_eq!(
                html.contains("action=\"/withdraw/tok\""),
                state == WithdrawState::Ready
            );
        }
    }

    #[test]
    fn the_data_email_lists_every_field_and_escapes_them() {
        let rows = vec![DataRow {
            letter_title: "<script>".into(),
            letter_url: "https://x.example/letters/a".into(),
            fields: vec![("Name", "Ann\nLee".into()), ("City", String::new())],
        }];
        let e = data_request_email(&rows, false);
        assert!(e.text.contains("  Name: Ann Lee\n"));
        assert!(e.text.contains("  City: (none)\n"));
        assert!(!e.html.contains("<script>"));
        assert!(e.html.contains("Ann\nLee") || e.html.contains("Ann"));
    }
}
