//! Writes a sample signed letter and share image to the current directory, to look at:
//! `cargo run -p undersigned-document --example sample`.

use undersigned_document::{
    DocSigner, DocTarget, LetterDocument, ShareCard, render_pdf, render_share_png,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let signer = |name: &str, city: &str, country: &str| DocSigner {
        name: name.to_owned(),
        city: city.to_owned(),
        country: country.to_owned(),
    };
    let letter = LetterDocument {
        title: "Insist on lasting human-rights reforms in Azerbaijan".to_owned(),
        summary: "An appeal by human-rights organisations to the European institutions.".to_owned(),
        body_markdown: "Dear Presidents,\n\nWe, the undersigned organisations, write to you \
            *ahead* of the **summit**.\n\n## What we ask\n\n1. Release those detained.\n2. \
            End the reprisals.\n\nSee [our report](https://example.org/report).\n"
            .to_owned(),
        language: "en".to_owned(),
        version: 2,
        dated: "30 November 2026".to_owned(),
        targets: vec![
            DocTarget {
                name: "European Council".to_owned(),
            },
            DocTarget {
                name: "European Commission".to_owned(),
            },
        ],
        organisations: vec![signer("Human Rights House", "", "Norway")],
        individuals: vec![
            signer("Leyla Əliyeva-Ğəşəm", "Bakı", "Azərbaycan"),
            signer("Анна Петрова", "Москва", "Россия"),
            signer("Νίκος Παπαδόπουλος", "Αθήνα", "Ελλάδα"),
            signer("ნინო ბერიძე", "თბილისი", "საქართველო"),
            signer("Արամ Պետրոսյան", "Երևան", "Հայաստան"),
            signer("فاطمة الزهراء", "القاهرة", "مصر"),
            signer("דוד כהן", "תל אביב", "ישראל"),
            signer("王小明", "北京", "中国"),
            signer("山田太郎", "東京", "日本"),
            signer("김민준", "서울", "대한민국"),
            signer("#set text(red) $x$ ] \\ <b>", "", ""),
        ],
        unlisted_individuals: 1234,
        list_root: Some("ab".repeat(32)),
        site_name: "undersigned".to_owned(),
        letter_url: "https://example.org/letters/azerbaijan".to_owned(),
        labels: Default::default(),
    };
    std::fs::write("sample-letter.pdf", render_pdf(&letter)?)?;
    let card = ShareCard {
        title: letter.title.clone(),
        count_text: "1,245 signatures".to_owned(),
        site_name: "undersigned".to_owned(),
        language: "en".to_owned(),
    };
    std::fs::write("sample-share.png", render_share_png(&card)?)?;
    Ok(())
}
