//! Open Graph and Twitter card tags for a letter page, so a shared link shows the title,
//! the summary and the share image in chat apps and social networks.

use maud::{Markup, html};

use crate::layout::SITE_NAME;

/// The width and height of the share image (`/letters/{slug}/share.png`) in pixels.
pub const SHARE_IMAGE_SIZE: (u32, u32) = (1200, 630);

/// What a link preview shows. URLs are absolute: previews are made by other services.
#[derive(Clone, Debug)]
pub struct ShareMeta {
    pub title: String,
    /// The letter's summary; left out when empty.
    pub description: String,
    /// The letter page's canonical address.
    pub url: String,
    /// The share image's address.
    pub image_url: String,
    /// BCP 47 language of the letter.
    pub language: String,
}

/// The `<meta>` tags for the page head.
pub fn share_meta(meta: &ShareMeta) -> Markup {
    let description = meta.description.trim();
    let (width, height) = SHARE_IMAGE_SIZE;
    html! {
        link rel="canonical" href=(meta.url);
        meta property="og:type" content="website";
        meta property="og:site_name" content=(SITE_NAME);
        meta property="og:title" content=(meta.title);
        @if !description.is_empty() {
            meta property="og:description" content=(description);
        }
        meta property="og:url" content=(meta.url);
        @if let Some(locale) = og_locale(&meta.language) {
            meta property="og:locale" content=(locale);
        }
        meta property="og:image" content=(meta.image_url);
        meta property="og:image:type" content="image/png";
        meta property="og:image:width" content=(width);
        meta property="og:image:height" content=(height);
        meta property="og:image:alt" content=(meta.title);
        meta name="twitter:card" content="summary_large_image";
        meta name="twitter:title" content=(meta.title);
        @if !description.is_empty() {
            meta name="twitter:description" content=(description);
        }
        meta name="twitter:image" content=(meta.image_url);
        meta name="twitter:image:alt" content=(meta.title);
    }
}

/// Open Graph wants `language_TERRITORY` (`fr_FR`); from a bare language we only know
/// the language, which consumers accept too (`fr`). Nothing for an empty or odd tag.
fn og_locale(language: &str) -> Option<String> {
    let tag = language.trim();
    let mut parts = tag.split(['-', '_']);
    let lang = parts.next()?.to_ascii_lowercase();
    if !(2..=3).contains(&lang.len()) || !lang.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    match parts
        .next()
        .filter(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        Some(region) => Some(format!("{lang}_{}", region.to_ascii_uppercase())),
        None => Some(lang),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_follow_open_graph_form() {
        assert_eq!(og_locale("fr").as_deref(), Some("fr"));
        assert_eq!(og_locale("pt-br").as_deref(), Some("pt_BR"));
        assert_eq!(og_locale("zh-Hant").as_deref(), Some("zh"));
        assert_eq!(og_locale(""), None);
        assert_eq!(og_locale("\"><x"), None);
    }
}
