//! The share image of a letter: what a chat app or social network shows beside a link.

use serde::{Deserialize, Serialize};

use crate::letter::short;
use crate::{DocumentError, fonts, render};

const TEMPLATE: &str = include_str!("share.typ");

/// The width of the share image in pixels (the size Open Graph consumers expect).
pub const SHARE_WIDTH: u32 = 1200;
/// The height of the share image in pixels.
pub const SHARE_HEIGHT: u32 = 630;

/// What the share image shows.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ShareCard {
    /// The letter's title; long titles are shortened to fit.
    pub title: String,
    /// The count as the page words it, e.g. `12,345 signatures`.
    pub count_text: String,
    /// The site's name, at the top.
    pub site_name: String,
    /// The letter's language (BCP 47): right to left for Arabic and Hebrew, CJK forms.
    pub language: String,
}

#[derive(Serialize)]
struct Data {
    title: String,
    title_size: u32,
    count: String,
    site: String,
    language: String,
    fonts: Vec<&'static str>,
}

/// Renders the share image as a PNG of [`SHARE_WIDTH`] x [`SHARE_HEIGHT`] pixels.
///
/// Takes tens of milliseconds in a release build: run it on a blocking thread and cache
/// the result.
pub fn render_share_png(card: &ShareCard) -> Result<Vec<u8>, DocumentError> {
    let title = short(&card.title, 140);
    let length = title.chars().count();
    // Fewer, larger words for short titles; the block clips whatever still overflows.
    let title_size = match length {
        0..=40 => 76,
        41..=80 => 60,
        _ => 46,
    };
    let language = crate::letter::typst_language(&card.language);
    let data = Data {
        title,
        title_size,
        count: short(&card.count_text, 60),
        site: short(&card.site_name, 60),
        fonts: fonts::families(&language, "sans"),
        language: language.split('-').next().unwrap_or("en").to_owned(),
    };
    let result = render::compile(TEMPLATE, &data).and_then(|document| {
        let page = document
            .pages()
            .first()
            .ok_or_else(|| DocumentError::Export("the share image has no page".to_owned()))?;
        let options = typst_render::RenderOptions {
            pixel_per_pt: typst::utils::Scalar::new(1.0),
            render_bleed: false,
        };
        let pixmap = typst_render::render(page, &options);
        pixmap
            .encode_png()
            .map_err(|err| DocumentError::Export(err.to_string()))
    });
    render::release_caches();
    result
}
