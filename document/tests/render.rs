//! The rendered documents read back as a person would read them: the PDF's text extracted
//! with a PDF parser, the share image's size from its PNG header.

use undersigned_document::{
    DocSigner, DocTarget, LetterDocument, SHARE_HEIGHT, SHARE_WIDTH, ShareCard, render_pdf,
    render_share_png,
};

fn signer(name: &str, city: &str, country: &str) -> DocSigner {
    DocSigner {
        name: name.to_owned(),
        city: city.to_owned(),
        country: country.to_owned(),
    }
}

/// One listed name per script the issue names, with a place in the same script.
const NAMES: &[(&str, &str, &str, &str)] = &[
    ("Azerbaijani", "Leyla Əliyeva-Ğəşəm", "Bakı", "Azərbaycan"),
    ("Cyrillic", "Анна Петрова", "Москва", "Россия"),
    ("Greek", "Νίκος Παπαδόπουλος", "Αθήνα", "Ελλάδα"),
    ("Georgian", "ნინო ბერიძე", "თბილისი", "საქართველო"),
    ("Armenian", "Արամ Պետրոսյան", "Երևան", "Հայաստան"),
    ("Arabic", "فاطمة الزهراء", "القاهرة", "مصر"),
    ("Hebrew", "דוד כהן", "חיפה", "ישראל"),
    ("Chinese", "王小明", "北京", "中国"),
    ("Japanese", "やまだ たろう", "東京", "日本"),
    ("Korean", "김민준", "서울", "대한민국"),
];

const ROOT: &str = "5e1b0c3f9a7d2e4b6c8a0f1e3d5b7a9c2e4f6a8b0c1d3e5f7a9b2c4d6e8f0a1b";

fn letter() -> LetterDocument {
    LetterDocument {
        title: "Insist on lasting human-rights reforms".to_owned(),
        summary: "An appeal to the European institutions.".to_owned(),
        body_markdown: "Dear Presidents,\n\nWe write to you *ahead* of the **summit**.\n\n\
            ## What we ask\n\n- Release those detained.\n- End the reprisals.\n"
            .to_owned(),
        language: "en".to_owned(),
        version: 3,
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
        individuals: NAMES.iter().map(|(_, n, c, k)| signer(n, c, k)).collect(),
        unlisted_individuals: 4321,
        list_root: Some(ROOT.to_owned()),
        site_name: "undersigned".to_owned(),
        letter_url: "https://example.org/letters/reforms".to_owned(),
        labels: Default::default(),
    }
}

/// The text of each page, without the spaces and line breaks a layout adds between
/// glyph runs (extractors differ in where they put them).
fn pages_of(pdf: &[u8]) -> Vec<String> {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    pdf_extract::extract_text_from_mem_by_pages(pdf)
        .expect("the PDF's text can be extracted")
        .into_iter()
        .map(|page| page.chars().filter(|c| !c.is_whitespace()).collect())
        .collect()
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whether `page` holds `text`. A right-to-left run is stored in the PDF in visual order,
/// so an extractor that does not reorder gives each word's letters backwards: accept a
/// word either way round, but every word must be there whole.
fn holds(page: &str, text: &str) -> bool {
    text.split_whitespace().all(|word| {
        let backwards: String = word.chars().rev().collect();
        page.contains(word) || page.contains(&backwards)
    })
}

#[test]
fn the_pdf_holds_names_and_places_in_every_script_and_the_list_root() {
    let pdf = render_pdf(&letter()).expect("the letter renders");
    let text = pages_of(&pdf).concat();
    for (script, name, city, country) in NAMES {
        for part in [name, city, country] {
            assert!(
                holds(&text, &squeeze(part)) || holds(&text, part),
                "{script}: {part} missing"
            );
        }
    }
    assert!(
        text.contains(ROOT),
        "the list root is printed whole on one line"
    );
    assert!(
        text.contains("HumanRightsHouseNorway"),
        "organisations with their country"
    );
    assert!(text.contains("4,321"), "the number of unlisted individuals");
    assert!(text.contains("EuropeanCouncil") && text.contains("EuropeanCommission"));
    assert!(text.contains("30November2026"), "the date");
    assert!(
        text.contains("https://example.org/letters/reforms"),
        "the letter's address"
    );
    assert!(text.contains("Textversion:3"), "the version signed");
}

#[test]
fn the_markdown_body_is_rendered_as_text_not_as_markup() {
    let pdf = render_pdf(&letter()).expect("the letter renders");
    let text = pages_of(&pdf).concat();
    assert!(text.contains("Wewritetoyouaheadofthesummit."), "{text}");
    assert!(text.contains("Whatweask"));
    assert!(
        !text.contains("##") && !text.contains("**"),
        "Markdown syntax is not printed"
    );
}

#[test]
fn every_page_is_numbered_out_of_the_total() {
    let mut long = letter();
    long.individuals = (0..400)
        .map(|i| signer(&format!("Signer Number{i:04}"), "Ghent", "Belgium"))
        .collect();
    let pdf = render_pdf(&long).expect("the letter renders");
    let pages = pages_of(&pdf);
    assert!(
        pages.len() >= 3,
        "400 names need several pages, got {}",
        pages.len()
    );
    let total = pages.len();
    for (i, page) in pages.iter().enumerate() {
        let number = format!("{}/{total}", i + 1);
        assert!(
            page.ends_with(&number),
            "page {} ends with {number}: …{}",
            i + 1,
            tail(page)
        );
    }
    let all = pages.concat();
    assert!(all.contains("SignerNumber0000") && all.contains("SignerNumber0399"));
}

fn tail(page: &str) -> String {
    let chars: Vec<char> = page.chars().collect();
    chars[chars.len().saturating_sub(40)..].iter().collect()
}

/// Text that would do something if it were spliced into typst markup or code.
const HOSTILE: &[&str] = &[
    "#set page(width: 1cm)",
    "$x^2$ and ]",
    r"back\slash \ end",
    "#panic(\"boom\")",
    "*not bold* _not emph_ `raw`",
    "@label <tag> // not a comment",
    "\"}); #import \"x.typ\"",
];

#[test]
fn hostile_text_comes_out_verbatim_wherever_it_is_printed() {
    let mut doc = letter();
    doc.individuals = HOSTILE.iter().map(|h| signer(h, h, "")).collect();
    doc.organisations = vec![signer("#{ 1 + 1 } ] [", "", "$$")];
    doc.targets = vec![DocTarget {
        name: "#strong[target]".to_owned(),
    }];
    doc.title = "Title #emph[x] $y$".to_owned();
    doc.summary = r"Summary \ ] #".to_owned();
    doc.site_name = "#site".to_owned();
    doc.dated = "#datetime.today()".to_owned();
    // A paragraph of typst code in the Markdown body stays text.
    doc.body_markdown = "Body #set text(red) and $x$ and \\] end.".to_owned();
    let pdf = render_pdf(&doc).expect("hostile text renders");
    let text = pages_of(&pdf).concat();
    for hostile in HOSTILE {
        assert!(
            text.contains(&squeeze(hostile)),
            "{hostile} printed verbatim"
        );
    }
    for verbatim in [
        "#{1+1}][",
        "$$",
        "#strong[target]",
        "Title#emph[x]$y$",
        r"Summary\]#",
        "#datetime.today()",
        "Body#settext(red)and$x$and]end.",
    ] {
        assert!(
            text.contains(verbatim),
            "{verbatim} printed verbatim in {text}"
        );
    }
}

#[test]
fn a_right_to_left_letter_renders_with_its_own_language() {
    let mut doc = letter();
    doc.language = "ar".to_owned();
    doc.title = "رسالة مفتوحة".to_owned();
    doc.body_markdown = "نطالب بالإفراج عن المعتقلين.".to_owned();
    let pdf = render_pdf(&doc).expect("an Arabic letter renders");
    let text = pages_of(&pdf).concat();
    assert!(holds(&text, "رسالة مفتوحة"), "{text}");
    assert!(holds(&text, "المعتقلين"), "{text}");
}

#[test]
fn a_letter_without_listed_names_or_root_says_how_many_signed() {
    let mut doc = letter();
    doc.individuals.clear();
    doc.organisations.clear();
    doc.list_root = None;
    doc.language = "not a language!".to_owned();
    let pdf = render_pdf(&doc).expect("renders");
    let text = pages_of(&pdf).concat();
    assert!(
        text.contains("4,321individualssignedwithoutbeinglistedbyname."),
        "{text}"
    );
    assert!(!text.contains("Merkleroot"));
}

/// The width and height in a PNG's header.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert_eq!(&png[12..16], b"IHDR");
    let word = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    (word(16), word(20))
}

#[test]
fn the_share_image_is_a_png_of_the_open_graph_size_in_any_script() {
    for (title, language) in [
        ("Insist on lasting human-rights reforms in Azerbaijan", "en"),
        ("رسالة مفتوحة إلى المفوضية الأوروبية", "ar"),
        ("公開書簡：人権改革を求めます", "ja"),
        (&*"A very long title that goes on and on ".repeat(12), "en"),
        ("#panic() ] $x$ \\", "en"),
    ] {
        let card = ShareCard {
            title: title.to_owned(),
            count_text: "12,345 signatures".to_owned(),
            site_name: "undersigned".to_owned(),
            language: language.to_owned(),
        };
        let png = render_share_png(&card).expect("the share image renders");
        assert_eq!(png_size(&png), (SHARE_WIDTH, SHARE_HEIGHT), "{title}");
    }
}
