//! The HTML document shell shared by every page: head, skip link, site header, main and footer.

use maud::{DOCTYPE, Markup, html};

/// Name of the site, shown in the header and page titles.
pub const SITE_NAME: &str = "undersigned";

/// Document-level details of one page.
#[derive(Clone, Copy, Debug)]
pub struct Page<'a> {
    /// Page title, without the site name (which `layout` appends).
    pub title: &'a str,
    /// BCP 47 language of the page chrome, e.g. "en".
    pub lang: &'a str,
    /// Optional meta description for search engines and link previews.
    pub description: Option<&'a str>,
}

/// Wraps `body` in a complete HTML document.
pub fn layout(page: &Page<'_>, body: Markup) -> Markup {
    layout_with_head(page, html! {}, body)
}

/// [`layout`] with extra tags in the head (a letter's Open Graph tags).
pub fn layout_with_head(page: &Page<'_>, head: Markup, body: Markup) -> Markup {
    // An empty lang attribute would declare the language unknown; English is the interface language.
    let lang = if page.lang.trim().is_empty() {
        "en"
    } else {
        page.lang
    };
    html! {
        (DOCTYPE)
        html lang=(lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // Confirmation pages carry a secret token in their URL: no Referer is sent
                // at all, not even to our own stylesheet. It agrees with the header the
                // server sends (a meta policy would override it).
                meta name="referrer" content="no-referrer";
                meta name="color-scheme" content="light";
                title {
                    @if page.title.trim().is_empty() {
                        (SITE_NAME)
                    } @else {
                        (page.title) " – " (SITE_NAME)
                    }
                }
                @if let Some(description) = page.description {
                    meta name="description" content=(description);
                }
                (head)
                link rel="stylesheet" href="/static/style.css";
            }
            body {
                a.skip-link href="#main" { "Skip to main content" }
                header.site-header {
                    div.wrap {
                        a.site-name href="/" { (SITE_NAME) }
                    }
                }
                // tabindex lets the skip link move keyboard focus, not just scroll, in every browser.
                main.wrap id="main" tabindex="-1" {
                    (body)
                }
                footer.site-footer {
                    div.wrap {
                        p {
                            (SITE_NAME) " hosts open letters. A signature counts only once it has been confirmed by email, and email addresses are never published."
                        }
                        p {
                            a href="/privacy" { "Privacy" }
                            " · "
                            a href="/my-data" { "Ask for your data" }
                        }
                    }
                }
            }
        }
    }
}
