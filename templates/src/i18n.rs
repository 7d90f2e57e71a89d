//! Interface languages: every public page and email takes its words from the Fluent files
//! in `templates/locales/<tag>/main.ftl`, compiled into the binary (nothing is read from
//! disk at run time). A view gets a [`Lang`] and asks it for messages by key.
//!
//! Adding a language: a folder `locales/<tag>/` with a `main.ftl` holding every key of
//! `locales/en/main.ftl`, and a line in [`LANGUAGES`]. Adding a key: write it in every
//! `main.ftl` and call `lang.t("key")` (or `ta`/`html` with arguments) in the view; the
//! template tests fail while any locale misses a key or a view asks for an unknown one.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, static_loader};
use maud::{Markup, PreEscaped, html};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Unicode isolation marks around placeables would end up in email subjects and
        // attribute values; the views set `dir` on user text themselves.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static_loader! {
    // The same messages with every letter of their text accented: a pseudo-locale that
    // shows at a glance (and to a test) which words on a page did not come from a bundle.
    static PSEUDO = {
        locales: "./locales",
        fallback_language: "en",
        customise: |bundle| {
            bundle.set_use_isolating(false);
            bundle.set_transform(Some(pseudo_text));
        },
    };
}

/// Writing direction of a language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Ltr,
    Rtl,
}

impl Dir {
    /// The value of an HTML `dir` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Dir::Ltr => "ltr",
            Dir::Rtl => "rtl",
        }
    }
}

/// One interface language.
#[derive(Debug)]
pub struct Language {
    /// BCP 47 tag, also the folder name under `locales/` and the `lang` cookie's value.
    pub tag: &'static str,
    /// The language's name in itself, as the switcher shows it.
    pub name: &'static str,
    pub dir: Dir,
    /// Thousands separator of counts ("12,345", "12 345").
    group_separator: &'static str,
    /// Messages come from the accented pseudo-locale of English.
    pseudo: bool,
}

/// The languages offered to visitors, in the switcher's order. English is the source.
pub const LANGUAGES: &[Language] = &[
    Language {
        tag: "en",
        name: "English",
        dir: Dir::Ltr,
        group_separator: ",",
        pseudo: false,
    },
    Language {
        tag: "fr",
        name: "Français",
        dir: Dir::Ltr,
        group_separator: "\u{202f}",
        pseudo: false,
    },
    Language {
        tag: "ar",
        name: "العربية",
        dir: Dir::Rtl,
        group_separator: ",",
        pseudo: false,
    },
];

/// Pseudo-locales for testing the interface: English accented, once left-to-right and
/// once marked right-to-left. Offered only when the `pseudo_locales` setting is on.
pub const PSEUDO_LANGUAGES: &[Language] = &[
    Language {
        tag: "en-XA",
        name: "Ëñĝļîšĥ (þšéûðö)",
        dir: Dir::Ltr,
        group_separator: ",",
        pseudo: true,
    },
    Language {
        tag: "ar-XB",
        name: "Ŕţļ (þšéûðö)",
        dir: Dir::Rtl,
        group_separator: ",",
        pseudo: true,
    },
];

/// The language a page or an email is written in, with what a view needs around it.
#[derive(Clone, Debug)]
pub struct Lang {
    language: &'static Language,
    id: LanguageIdentifier,
    /// The address of the page being shown, where the switcher leads back to.
    back: String,
}

impl Default for Lang {
    fn default() -> Self {
        Lang::of(&LANGUAGES[0])
    }
}

impl Lang {
    fn of(language: &'static Language) -> Lang {
        let tag = if language.pseudo { "en" } else { language.tag };
        Lang {
            language,
            id: tag.parse().unwrap_or_default(),
            back: "/".to_owned(),
        }
    }

    /// English, the language of the staff workspace and the fallback of every other.
    pub fn english() -> Lang {
        Lang::default()
    }

    /// The interface language with this exact tag (case-insensitive), pseudo-locales
    /// included; `None` for any other.
    pub fn get(tag: &str) -> Option<Lang> {
        LANGUAGES
            .iter()
            .chain(PSEUDO_LANGUAGES)
            .find(|l| l.tag.eq_ignore_ascii_case(tag.trim()))
            .map(Lang::of)
    }

    /// The same language on the page at `path` (a local path with its query), which the
    /// language switcher links back to.
    pub fn at(mut self, path: &str) -> Lang {
        self.back = path.to_owned();
        self
    }

    /// BCP 47 tag, for `lang` attributes and storage.
    pub fn tag(&self) -> &'static str {
        self.language.tag
    }

    pub fn dir(&self) -> Dir {
        self.language.dir
    }

    /// Where the switcher on this page leads back to.
    pub fn back(&self) -> &str {
        &self.back
    }

    fn lookup(
        &self,
        key: &str,
        args: Option<&HashMap<Cow<'static, str>, FluentValue<'_>>>,
    ) -> String {
        let loader = if self.language.pseudo {
            &PSEUDO
        } else {
            &LOCALES
        };
        loader
            .try_lookup_complete(&self.id, key, args)
            // A key missing everywhere shows as itself (a test fails on it) rather than
            // breaking the page.
            .unwrap_or_else(|| key.to_owned())
    }

    /// The message `key` as plain text.
    pub fn t(&self, key: &str) -> String {
        self.lookup(key, None)
    }

    /// The message `key` with arguments, as plain text. Numbers select plural forms.
    pub fn ta(&self, key: &str, args: &[(&'static str, FluentValue<'_>)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(name, value)| (Cow::Borrowed(*name), value.clone()))
            .collect();
        self.lookup(key, Some(&map))
    }

    /// The message `key` as markup, its arguments being markup of their own (a link, a
    /// quoted title): translators keep the whole sentence, and its word order, in one
    /// message while the view supplies the elements.
    pub fn html(&self, key: &str, args: &[(&'static str, Markup)]) -> Markup {
        self.html_with(key, args, &[])
    }

    /// [`Lang::html`] with plain arguments too (a number that selects a plural form).
    pub fn html_with(
        &self,
        key: &str,
        args: &[(&'static str, Markup)],
        plain: &[(&'static str, FluentValue<'_>)],
    ) -> Markup {
        let placeholders: Vec<String> = (0..args.len())
            .map(|i| format!("\u{e000}{i}\u{e001}"))
            .collect();
        let values: Vec<(&'static str, FluentValue<'_>)> = args
            .iter()
            .zip(&placeholders)
            .map(|((name, _), placeholder)| (*name, FluentValue::from(placeholder.as_str())))
            .chain(plain.iter().cloned())
            .collect();
        let text = self.ta(key, &values);
        let mut out = html! { (text) }.into_string();
        for ((_, markup), placeholder) in args.iter().zip(&placeholders) {
            out = out.replace(placeholder.as_str(), &markup.0);
        }
        PreEscaped(out)
    }

    /// A count with the language's thousands separator: "12,345", "12 345".
    pub fn count(&self, n: u64) -> String {
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(self.language.group_separator);
            }
            out.push(c);
        }
        out
    }

    /// A date in words, e.g. "31 March 2026", "1er mars 2026".
    pub fn date(&self, year: i32, month: u32, day: u32) -> String {
        self.ta(
            "date",
            &[
                ("day", day.into()),
                ("month", self.t(&format!("month-{month}")).into()),
                ("year", year.to_string().into()),
            ],
        )
    }

    /// A counted message: `$count` selects the plural form, `$n` is the count as shown.
    pub fn counted(&self, key: &str, n: u64) -> String {
        self.ta(key, &[("count", n.into()), ("n", self.count(n).into())])
    }
}

/// The languages a visitor may pick: the offered ones, and the pseudo-locales when
/// `pseudo` is on.
pub fn available(pseudo: bool) -> impl Iterator<Item = &'static Language> {
    LANGUAGES
        .iter()
        .chain(PSEUDO_LANGUAGES.iter().filter(move |_| pseudo))
}

/// The best of the available languages for an `Accept-Language` header, or `None` when
/// it names none of them (the caller then uses its default).
pub fn negotiate(accept_language: &str, pseudo: bool) -> Option<Lang> {
    let requested = fluent_langneg::accepted_languages::parse(accept_language);
    let tags: Vec<&'static Language> = available(pseudo).collect();
    let ids: Vec<LanguageIdentifier> = tags
        .iter()
        .map(|l| l.tag.parse().unwrap_or_default())
        .collect();
    let chosen = fluent_langneg::negotiate_languages(
        &requested,
        &ids,
        None,
        fluent_langneg::NegotiationStrategy::Filtering,
    );
    let first = chosen.first()?;
    let index = ids.iter().position(|id| id == *first)?;
    tags.get(index).map(|l| Lang::of(l))
}

/// The pseudo-locale's transform: every ASCII letter becomes an accented one, so a word
/// left in plain ASCII on a pseudo-locale page did not come from a bundle.
fn pseudo_text(text: &str) -> Cow<'_, str> {
    const LOWER: [char; 26] = [
        'å', 'ƀ', 'ç', 'ð', 'é', 'ƒ', 'ĝ', 'ĥ', 'î', 'ĵ', 'ķ', 'ļ', 'ɱ', 'ñ', 'ö', 'þ', 'ǫ', 'ŕ',
        'š', 'ţ', 'û', 'ṽ', 'ŵ', 'ẋ', 'ý', 'ž',
    ];
    const UPPER: [char; 26] = [
        'Å', 'Ɓ', 'Ç', 'Ð', 'É', 'Ƒ', 'Ĝ', 'Ĥ', 'Î', 'Ĵ', 'Ķ', 'Ļ', 'Ṁ', 'Ñ', 'Ö', 'Þ', 'Ǫ', 'Ŕ',
        'Š', 'Ţ', 'Û', 'Ṽ', 'Ŵ', 'Ẋ', 'Ý', 'Ž',
    ];
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                'a'..='z' => LOWER[usize::from(c as u8 - b'a')],
                'A'..='Z' => UPPER[usize::from(c as u8 - b'A')],
                c => c,
            })
            .collect(),
    )
}
