//! The embeddable widget of a letter (`/letters/{slug}/embed`, shown in other sites'
//! iframes): the title, the live count and a button to the letter. Its own small document
//! without the site's header and footer, and the snippet staff copy to embed it.

use maud::{DOCTYPE, Markup, html};

use crate::i18n::Lang;
use crate::layout::SITE_NAME;
use crate::util::non_blank;

/// How often the widget reloads itself to show a fresh count, in seconds. A reload is a
/// conditional request (ETag), so an unchanged count costs a 304.
pub const EMBED_REFRESH_SECS: u32 = 60;

/// Height of the iframe in the snippet, in pixels: enough for a two-line title.
const EMBED_HEIGHT: u32 = 190;

/// What the widget shows.
#[derive(Clone, Debug)]
pub struct EmbedPage<'a> {
    pub title: &'a str,
    /// BCP 47 language of the letter text.
    pub language: &'a str,
    /// Confirmed signatures, organisations and individuals together.
    pub total_count: u64,
    pub goal: Option<u64>,
    /// The letter page's absolute address; the button opens it in a new tab.
    pub letter_url: &'a str,
    /// Whether the letter still takes signatures (the button says "Sign", else "Read").
    pub open: bool,
}

/// "1 signature", "12,345 signatures": the count as the widget and the share image word it.
pub fn signature_count_text(lang: &Lang, total: u64) -> String {
    lang.counted("signatures", total)
}

/// The widget page, in the visitor's language (`ui`).
pub fn embed(ui: &Lang, page: &EmbedPage<'_>) -> Markup {
    let lang = non_blank(page.language);
    let goal = page.goal.filter(|g| *g > 0);
    html! {
        (DOCTYPE)
        html lang=(ui.tag()) dir=(ui.dir().as_str()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                meta http-equiv="refresh" content=(EMBED_REFRESH_SECS);
                meta name="robots" content="noindex";
                title { (page.title) " – " (SITE_NAME) }
                link rel="stylesheet" href="/static/style.css";
            }
            body.embed {
                main.embed-card {
                    p.embed-title lang=[lang] { (page.title) }
                    p.embed-count {
                        span.count { (signature_count_text(ui, page.total_count)) }
                        @if let Some(goal) = goal {
                            " " span.embed-goal { (ui.ta("embed-goal", &[("n", ui.count(goal).into())])) }
                        }
                    }
                    @if let Some(goal) = goal {
                        progress max=(goal) value=(page.total_count.min(goal)) aria-hidden="true" {}
                    }
                    p.embed-action {
                        // A new tab: the letter's page must not open inside someone else's frame.
                        a.button href=(page.letter_url) target="_blank" rel="noopener" {
                            @if page.open { (ui.t("embed-read-and-sign")) } @else { (ui.t("embed-read")) }
                        }
                        " " span.embed-site { (ui.ta("embed-on-site", &[("site", SITE_NAME.into())])) }
                    }
                }
            }
        }
    }
}

/// The HTML that embeds the widget of the letter at `letter_url` in another site.
pub fn embed_snippet(letter_url: &str, title: &str) -> String {
    let src = format!("{}/embed", letter_url.trim_end_matches('/'));
    format!(
        "<iframe src=\"{}\" title=\"{}\" width=\"100%\" height=\"{EMBED_HEIGHT}\" style=\"border:0;max-width:480px\" loading=\"lazy\"></iframe>",
        attribute(&src),
        attribute(title)
    )
}

/// Escapes text for a double-quoted HTML attribute of the snippet.
fn attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The staff screen's section with the snippet to copy.
pub fn embed_section(letter_url: &str, title: &str) -> Markup {
    let snippet = embed_snippet(letter_url, title);
    html! {
        h2 id="embed-heading" { "Embed on another site" }
        p {
            "Paste this into a page of another site to show the letter's title, its live count and a button to sign. "
            a href=(format!("{}/embed", letter_url.trim_end_matches('/'))) { "See the widget" }
        }
        label for="embed-snippet" { "Embed code" }
        textarea.embed-snippet id="embed-snippet" readonly rows="4" { (snippet) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snippet_escapes_the_title_and_points_at_the_widget() {
        let snippet = embed_snippet("https://example.org/letters/a/", "Say \"no\" <now> & here");
        assert!(snippet.starts_with("<iframe src=\"https://example.org/letters/a/embed\""));
        assert!(snippet.contains("title=\"Say &quot;no&quot; &lt;now&gt; &amp; here\""));
        assert!(snippet.ends_with("></iframe>"));
    }

    #[test]
    fn the_widget_links_out_in_a_new_tab_and_refreshes_itself() {
        let html = embed(
            &Lang::english(),
            &EmbedPage {
                title: "<b>Title</b>",
                language: "fr",
                total_count: 12_345,
                goal: Some(20_000),
                letter_url: "https://example.org/letters/a",
                open: true,
            },
        )
        .into_string();
        assert!(html.contains("&lt;b&gt;Title&lt;/b&gt;"));
        assert!(html.contains("12,345 signatures"));
        assert!(html.contains("target=\"_blank\" rel=\"noopener\""));
        assert!(html.contains("http-equiv=\"refresh\" content=\"60\""));
        assert!(html.contains("Read and sign the letter"));
    }
}
