//! Signers' data: the withdrawal link in emails and its page, the privacy page, the
//! data-request form and the email that answers it.

use maud::{DOCTYPE, Markup, html};

use crate::email::Email;
use crate::i18n::Lang;
use crate::layout::{Page, SITE_NAME, layout};
use crate::util::{
    HeadingLevel, SummaryItem, described_by, error_summary, field_error_in, letter_path,
    path_segment,
};

fn page(lang: &Lang, title: &str, body: Markup) -> Markup {
    layout(
        &Page {
            title,
            lang,
            description: None,
        },
        body,
    )
}

/// Adds the withdrawal link to a signer's email, before its closing signature line (plain
/// text) and its closing line (HTML).
pub fn with_withdraw_link(lang: &Lang, mut email: Email, url: &str) -> Email {
    let url: String = url.split_whitespace().collect();
    let intro = lang.t("email-withdraw-intro");
    let paragraph = format!("{intro}\n{url}\n\n");
    match email.text.rfind("-- \n") {
        Some(at) => email.text.insert_str(at, &paragraph),
        None => email.text.push_str(&paragraph),
    }
    let html = html! {
        p style="margin:0 0 16px;font-size:15px;color:#4b4b4b;" {
            (intro) " "
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
pub fn withdraw(lang: &Lang, p: &WithdrawPage<'_>) -> Markup {
    let back = letter_path(p.letter_slug);
    let title = &[("title", html! { q { (p.letter_title) } })];
    match p.state {
        WithdrawState::Ready => page(
            lang,
            &lang.t("withdraw-title"),
            html! {
                h1 { (lang.t("withdraw-title")) }
                p { (lang.html("withdraw-about-to", title)) }
                p { (lang.t("withdraw-effect")) }
                form.confirm-form method="post" action=(format!("/withdraw/{}", path_segment(p.token))) {
                    button.button type="submit" { (lang.t("withdraw-button")) }
                }
                p { a href=(back) { (lang.t("withdraw-keep")) } }
            },
        ),
        WithdrawState::Withdrawn => page(
            lang,
            &lang.t("withdrawn-title"),
            html! {
                h1 { (lang.t("withdrawn-heading")) }
                p {
                    (lang.html_with("withdrawn-text", title, &[
                        ("count", p.count_lag_secs.max(1).into()),
                        ("n", lang.count(p.count_lag_secs.max(1)).into()),
                    ]))
                }
                p { (lang.html("withdrawn-kept", &[("link", html! { a href="/privacy" { (lang.t("withdrawn-kept-link")) } })])) }
                p { a href=(back) { (lang.t("back-to-letter")) } }
            },
        ),
        WithdrawState::AlreadyWithdrawn => page(
            lang,
            &lang.t("already-withdrawn-title"),
            html! {
                h1 { (lang.t("already-withdrawn-heading")) }
                p { (lang.html("already-withdrawn-text", title)) }
                p { a href=(back) { (lang.t("back-to-letter")) } }
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
pub fn privacy(lang: &Lang, p: &PrivacyPage) -> Markup {
    let days = || {
        html! { strong { (lang.counted("privacy-days", u64::from(p.retention_days))) } }
    };
    let item = |key: &str| {
        html! {
            li { (lang.html(key, &[("what", html! { strong { (lang.t(&format!("{key}-what"))) } })])) }
        }
    };
    page(
        lang,
        &lang.t("privacy-title"),
        html! {
            h1 { (lang.t("privacy-heading")) }
            h2 { (lang.t("privacy-keep-heading")) }
            ul {
                (item("privacy-keep-email"))
                (item("privacy-keep-name"))
                (item("privacy-keep-ip"))
                (item("privacy-keep-when"))
            }
            h2 { (lang.t("privacy-how-long-heading")) }
            p { (lang.html("privacy-erasure", &[("days", days())])) }
            p { (lang.t("privacy-withdrawn-kept")) }
            p {
                (lang.ta("privacy-links", &[
                    ("count", p.token_ttl_hours.into()),
                    ("hours", lang.count(p.token_ttl_hours).into()),
                    ("days", lang.counted("privacy-days", u64::from(p.retention_days)).into()),
                ]))
            }
            h2 { (lang.t("privacy-who-heading")) }
            ul {
                li { (lang.t("privacy-who-everyone")) }
                li { (lang.t("privacy-who-staff")) }
                li { (lang.t("privacy-who-addressees")) }
            }
            p { (lang.t("privacy-no-trackers")) }
            h2 { (lang.t("privacy-withdraw-heading")) }
            p { (lang.t("privacy-withdraw")) }
            h2 { (lang.t("privacy-ask-heading")) }
            p {
                (lang.html_with("privacy-ask", &[
                    ("link", html! { a href="/my-data" { (lang.t("privacy-ask-link")) } }),
                ], &[
                    ("count", p.data_requests_per_day.into()),
                ]))
            }
        },
    )
}

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
pub fn my_data(lang: &Lang, p: &MyDataPage<'_>) -> Markup {
    if p.sent {
        return page(
            lang,
            &lang.t("check-inbox"),
            html! {
                h1 { (lang.t("check-inbox")) }
                p { (lang.t("my-data-sent")) }
                p { (lang.t("nothing-arrived-spam")) }
                p { a href="/privacy" { (lang.t("back-to-privacy")) } }
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
        lang,
        &lang.t("my-data-title"),
        html! {
            h1 { (lang.t("footer-my-data")) }
            p { (lang.t("my-data-intro")) }
            @if invalid {
                (error_summary("my-data-errors", HeadingLevel::H2, &lang.t("there-is-a-problem"), &summary))
            }
            form method="post" action="/my-data" novalidate {
                div.field."field--invalid"[invalid] {
                    label for=(EMAIL_ID) { (lang.t("field-email")) }
                    (field_error_in(lang, &error_id, &messages))
                    input type="email" id=(EMAIL_ID) name="email" value=(p.email) autocomplete="email" required
                        aria-invalid=[invalid.then_some("true")] aria-describedby=[describedby];
                    p.hint id=(hint_id) { (lang.t("my-data-hint")) }
                }
                button.button type="submit" { (lang.t("my-data-button")) }
            }
            p { a href="/privacy" { (lang.t("my-data-privacy-link")) } }
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
pub fn data_request_email(lang: &Lang, rows: &[DataRow], more: bool) -> Email {
    let subject = lang.ta("data-email-subject", &[("site", SITE_NAME.into())]);
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let heading = |i: usize, title: &str| {
        lang.ta(
            "data-email-signature",
            &[
                ("number", (i + 1).into()),
                ("title", one_line(title).into()),
            ],
        )
    };
    let none = lang.t("data-email-none");
    let mut text = String::new();
    text.push_str(&lang.t("email-hello"));
    text.push_str("\n\n");
    text.push_str(&lang.t("data-email-intro"));
    text.push_str("\n\n");
    for (i, row) in rows.iter().enumerate() {
        text.push_str(&format!(
            "{}\n{}\n",
            heading(i, &row.letter_title),
            row.letter_url
        ));
        for (label, value) in &row.fields {
            let value = if value.is_empty() {
                none.clone()
            } else {
                one_line(value)
            };
            text.push_str(&format!("  {label}: {value}\n"));
        }
        text.push('\n');
    }
    if more {
        text.push_str(&lang.t("data-email-more"));
        text.push_str("\n\n");
    }
    text.push_str(&lang.t("data-email-not-you"));
    text.push_str("\n\n-- \n");
    text.push_str(SITE_NAME);
    text.push('\n');
    let html = html! {
        (DOCTYPE)
        html lang=(lang.tag()) dir=(lang.dir().as_str()) {
            head { meta charset="utf-8"; title { (subject) } }
            body {
                h1 { (lang.t("my-data-title")) }
                p { (lang.t("data-email-intro")) }
                @for (i, row) in rows.iter().enumerate() {
                    h2 { (heading(i, &row.letter_title)) }
                    p { a href=(row.letter_url) { (row.letter_url) } }
                    table {
                        @for (label, value) in &row.fields {
                            tr { th scope="row" style="text-align:start;padding-inline-end:12px;" { (label) } td { @if value.is_empty() { (none) } @else { (value) } } }
                        }
                    }
                }
                @if more {
                    p { (lang.t("data-email-more")) }
                }
                p { (lang.t("data-email-not-you")) }
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
        let out = with_withdraw_link(&Lang::english(), email, "https://x.example/withdraw/a\"b<c");
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
            privacy(
                &Lang::english(),
                &PrivacyPage {
                    retention_days: 42,
                    token_ttl_hours: 168,
                    data_requests_per_day: 3,
                },
            )
            .into_string(),
            my_data(&Lang::english(), &MyDataPage::default()).into_string(),
            my_data(
                &Lang::english(),
                &MyDataPage {
                    email: "<b>x</b>",
                    error: Some("Enter an email address"),
                    sent: false,
                },
            )
            .into_string(),
            my_data(
                &Lang::english(),
                &MyDataPage {
                    sent: true,
                    ..MyDataPage::default()
                },
            )
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
            let html = withdraw(
                &Lang::english(),
                &WithdrawPage {
                    letter_title: "<i>T</i>",
                    letter_slug: "t",
                    token: "tok",
                    state,
                    count_lag_secs: 1,
                },
            )
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
        let e = data_request_email(&Lang::english(), &rows, false);
        assert!(e.text.contains("  Name: Ann Lee\n"));
        assert!(e.text.contains("  City: (none)\n"));
        assert!(!e.html.contains("<script>"));
        assert!(e.html.contains("Ann\nLee") || e.html.contains("Ann"));
    }
}
