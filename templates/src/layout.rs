//! The HTML document shell shared by every page: head, skip link, site header, main and footer.

use maud::{DOCTYPE, Markup, html};

use crate::i18n::{LANGUAGES, Lang};
use crate::util::query_value;

/// Name of the site, shown in the header and page titles.
pub const SITE_NAME: &str = "undersigned";

/// Document-level details of one page.
#[derive(Clone, Copy, Debug)]
pub struct Page<'a> {
    /// Page title, without the site name (which `layout` appends).
    pub title: &'a str,
    /// Language of the page chrome (and its `lang`/`dir`); the text of a letter carries
    /// its own `lang` on its elements.
    pub lang: &'a Lang,
    /// Optional meta description for search engines and link previews.
    pub description: Option<&'a str>,
}

/// Wraps `body` in a complete HTML document.
pub fn layout(page: &Page<'_>, body: Markup) -> Markup {
    layout_with_head(page, html! {}, body)
}

/// [`layout`] with extra tags in the head (a letter's Open Graph tags).
pub fn layout_with_head(page: &Page<'_>, head: Markup, body: Markup) -> Markup {
    let lang = page.lang;
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) dir=(lang.dir().as_str()) {
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
                a.skip-link href="#main" { (lang.t("skip-to-content")) }
                header.site-header {
                    div.wrap {
                        a.site-name href="/" { (SITE_NAME) }
                        (language_switcher(lang))
                    }
                }
                // tabindex lets the skip link move keyboard focus, not just scroll, in every browser.
                main.wrap id="main" tabindex="-1" {
                    (body)
                }
                footer.site-footer {
                    div.wrap {
                        p { (lang.ta("footer-about", &[("site", SITE_NAME.into())])) }
                        p {
                            a href="/privacy" { (lang.t("footer-privacy")) }
                            " · "
                            a href="/my-data" { (lang.t("footer-my-data")) }
                        }
                    }
                }
            }
        }
    }
}

/// Links to the page in every offered language: plain links to `/language`, which sets
/// the `lang` cookie and leads back, so it works without JavaScript. Each name is in its
/// own language (and marked so).
fn language_switcher(lang: &Lang) -> Markup {
    let back = query_value(lang.back());
    html! {
        nav.language-switcher aria-label=(lang.t("language-switcher")) {
            ul {
                @for l in LANGUAGES {
                    li {
                        @if l.tag == lang.tag() {
                            span aria-current="true" lang=(l.tag) dir=(l.dir.as_str()) { (l.name) }
                        } @else {
                            a href=(format!("/language?set={}&back={back}", l.tag))
                                lang=(l.tag) hreflang=(l.tag) dir=(l.dir.as_str()) { (l.name) }
                        }
                    }
                }
            }
        }
    }
}
