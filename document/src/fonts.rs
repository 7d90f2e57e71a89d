//! The fonts every document is set in: Noto, committed under `document/fonts/` (OFL, see
//! `fonts/OFL.txt`) and compiled into the binary, so nothing is read or fetched at run time.

use std::sync::LazyLock;

use typst::foundations::Bytes;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;

/// Each font file with the scripts it is there for. The serif carries Latin (with the
/// Azerbaijani ə ğ ş), Greek and Cyrillic; the others are fallbacks for scripts it lacks.
/// One CJK collection (Noto Sans CJK, regular weight) covers Chinese, Japanese and Korean:
/// the bold weights of it would add another 20 MB for headings alone.
const FILES: &[&[u8]] = &[
    include_bytes!("../fonts/NotoSerif-Regular.ttf"),
    include_bytes!("../fonts/NotoSerif-Bold.ttf"),
    include_bytes!("../fonts/NotoSerif-Italic.ttf"),
    include_bytes!("../fonts/NotoSerif-BoldItalic.ttf"),
    include_bytes!("../fonts/NotoSans-Regular.ttf"),
    include_bytes!("../fonts/NotoSans-Bold.ttf"),
    include_bytes!("../fonts/NotoSansArabic-Regular.ttf"),
    include_bytes!("../fonts/NotoSansArabic-Bold.ttf"),
    include_bytes!("../fonts/NotoSansHebrew-Regular.ttf"),
    include_bytes!("../fonts/NotoSansHebrew-Bold.ttf"),
    include_bytes!("../fonts/NotoSansGeorgian-Regular.ttf"),
    include_bytes!("../fonts/NotoSansGeorgian-Bold.ttf"),
    include_bytes!("../fonts/NotoSansArmenian-Regular.ttf"),
    include_bytes!("../fonts/NotoSansArmenian-Bold.ttf"),
    include_bytes!("../fonts/NotoSansCJK-Regular.ttc"),
];

/// The parsed fonts and their book, made once per process.
pub(crate) struct Fonts {
    pub(crate) book: LazyHash<FontBook>,
    pub(crate) fonts: Vec<Font>,
}

pub(crate) static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = FILES
        .iter()
        .flat_map(|data| Font::iter(Bytes::new(*data)))
        .collect();
    let book = LazyHash::new(FontBook::from_fonts(&fonts));
    Fonts { book, fonts }
});

/// The font families in fallback order for text in `language`: the serif first, then one
/// family per script, with the CJK face that matches the language's conventions first
/// (the same Han character is drawn a little differently in Japan, Korea and China).
pub(crate) fn families(language: &str, base: &str) -> Vec<&'static str> {
    let base = if base == "sans" {
        "Noto Sans"
    } else {
        "Noto Serif"
    };
    let cjk = match language {
        "ja" => "Noto Sans CJK JP",
        "ko" => "Noto Sans CJK KR",
        "zh-hant" | "zh-tw" | "zh-hk" => "Noto Sans CJK TC",
        _ => "Noto Sans CJK SC",
    };
    vec![
        base,
        "Noto Sans Arabic",
        "Noto Sans Hebrew",
        "Noto Sans Georgian",
        "Noto Sans Armenian",
        cjk,
        "Noto Sans CJK JP",
        "Noto Sans CJK KR",
    ]
}
