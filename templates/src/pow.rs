//! The step a signer of a letter under attack takes before the signature is taken: the
//! browser solves a proof of work (our own script, `/static/pow.js`), or, without
//! JavaScript, the signer waits a few seconds and presses Continue.

use maud::{Markup, html};

use crate::i18n::Lang;
use crate::layout::{Page, layout};
use crate::util::letter_path;

/// What the page shows and carries.
#[derive(Clone, Debug)]
pub struct ProofPage {
    pub letter_title: String,
    pub letter_slug: String,
    /// The form's fields as the signer sent them, carried on as hidden fields.
    pub fields: Vec<(String, String)>,
    /// The ALTCHA challenge as JSON, for the script.
    pub challenge_json: String,
    /// The delay ticket, for signers without JavaScript.
    pub ticket: String,
    pub delay_secs: u64,
    /// Why the last try was not accepted, if it was one.
    pub problem: Option<String>,
}

/// The proof-of-work / delay page.
pub fn proof_page(lang: &Lang, p: &ProofPage) -> Markup {
    let title = lang.t("pow-title");
    let body = html! {
        h1 { (title) }
        p { (lang.html("pow-intro", &[("title", html! { q { (p.letter_title) } })])) }
        @if let Some(problem) = &p.problem {
            p class="error" role="alert" { (problem) }
        }
        form method="post" action=(format!("{}/sign", letter_path(&p.letter_slug)))
            id="pow-form" data-challenge=(p.challenge_json)
            // The script's messages, in the page's language.
            data-msg-working=(lang.t("pow-working")) data-msg-wait=(lang.t("pow-wait-few"))
            data-msg-done=(lang.t("pow-done")) {
            @for (name, value) in &p.fields {
                input type="hidden" name=(name) value=(value);
            }
            input type="hidden" name="pow_ticket" value=(p.ticket);
            input type="hidden" name="altcha" value="" id="pow-solution";
            p id="pow-status" role="status" aria-live="polite" {
                (lang.counted("pow-wait", p.delay_secs))
            }
            button type="submit" { (lang.t("pow-continue")) }
        }
        p { a href=(letter_path(&p.letter_slug)) { (lang.t("back-to-letter")) } }
        script src="/static/pow.js" defer {}
    };
    layout(
        &Page {
            title: &title,
            lang,
            description: None,
        },
        body,
    )
}
