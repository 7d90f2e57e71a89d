//! The language of each request: the visitor's explicit choice (the `lang` cookie set by
//! `/language`), else the browser's `Accept-Language`, else the `default_language`
//! setting. The chosen [`templates::Lang`] rides in the request's extensions, where
//! handlers take it (`Extension<Lang>`) and the error renderer finds it.

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use templates::Lang;

use super::AppState;
use crate::config::Settings;
use crate::domain::DomainError;

/// Name of the cookie that keeps a visitor's choice of language.
pub const LANG_COOKIE: &str = "lang";

/// A year: the choice is a preference, not a secret.
const LANG_COOKIE_MAX_AGE_SECS: u64 = 365 * 24 * 3600;

pub fn router() -> Router<AppState> {
    Router::new().route("/language", get(switch))
}

/// A language the visitor may pick: an offered one, or a pseudo-locale when allowed.
fn allowed(settings: &Settings, tag: &str) -> Option<Lang> {
    let lang = Lang::get(tag)?;
    let offered = templates::LANGUAGES.iter().any(|l| l.tag == lang.tag());
    (offered || settings.pseudo_locales).then_some(lang)
}

/// The value of the `lang` cookie, if the request carries one.
fn cookie_choice(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == LANG_COOKIE)
        .map(|(_, v)| v.trim())
}

/// The language for a request's headers, by the order in the module comment.
pub fn choose(settings: &Settings, headers: &HeaderMap) -> Lang {
    if let Some(lang) = cookie_choice(headers).and_then(|tag| allowed(settings, tag)) {
        return lang;
    }
    if let Some(lang) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| templates::i18n::negotiate(v, settings.pseudo_locales))
    {
        return lang;
    }
    Lang::get(&settings.default_language).unwrap_or_default()
}

/// A date in words in the page's language.
pub fn date(lang: &Lang, at: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Datelike;
    lang.date(at.year(), at.month(), at.day())
}

/// What is wrong with a field, in `lang` (`DomainError`'s `Display` is the English).
pub fn domain_message(lang: &Lang, e: &DomainError) -> String {
    use crate::domain::ContentProblem as C;
    use DomainError as E;
    let (key, max) = match e {
        E::EmailEmpty => ("invalid-email-empty", None),
        E::EmailTooLong { max } => ("invalid-email-too-long", Some(*max)),
        E::EmailDisplayName => ("invalid-email-display-name", None),
        E::EmailMultiple => ("invalid-email-multiple", None),
        E::EmailInvalid => ("invalid-email", None),
        E::NameEmpty => ("invalid-name-empty", None),
        E::OrganisationNameEmpty => ("invalid-organisation-name-empty", None),
        E::NameTooLong { max } => ("invalid-name-too-long", Some(*max)),
        E::NameForbiddenCharacter => ("invalid-name-forbidden-character", None),
        E::TextTooLong { max } => ("invalid-text-too-long", Some(*max)),
        E::TextForbiddenCharacter => ("invalid-text-forbidden-character", None),
        E::NameContent(p) | E::TextContent(p) => match p {
            C::Link => ("invalid-content-link", None),
            C::Email => ("invalid-content-email", None),
            C::Phone => ("invalid-content-phone", None),
            C::Invisible => ("invalid-content-invisible", None),
            C::FormulaStart => ("invalid-content-formula", None),
        },
        E::CountryUnknown => ("invalid-country", None),
        E::WebsiteTooLong { max } => ("invalid-website-too-long", Some(*max)),
        E::WebsiteScheme => ("invalid-website-scheme", None),
        E::WebsiteHost => ("invalid-website-host", None),
        E::WebsiteCredentials => ("invalid-website-credentials", None),
        E::WebsiteInvalid => ("invalid-website", None),
        E::TokenInvalid => ("invalid-token", None),
        // Letter addresses are typed by staff, whose workspace is in English.
        E::SlugEmpty | E::SlugTooLong { .. } | E::SlugInvalid => return e.to_string(),
    };
    match max {
        Some(max) => lang.ta(key, &[("max", max.into())]),
        None => lang.t(key),
    }
}

/// A screening message (`abuse::screen`) in `lang`; any other text as it is.
pub fn screen_message(lang: &Lang, english: &str) -> String {
    use crate::abuse::screen;
    let key = match english {
        m if m == screen::TOO_FAST => "screen-too-fast",
        m if m == screen::FORM_EXPIRED => "screen-form-expired",
        m if m == screen::DISPOSABLE => "screen-disposable",
        m if m == screen::DOMAIN_BLOCKED => "screen-domain-blocked",
        other => return other.to_owned(),
    };
    lang.t(key)
}

/// A local path to lead back to; anything else (another host, `//host`, a backslash
/// trick, control characters) becomes the home page.
fn local_path(back: &str) -> &str {
    let local = back.starts_with('/')
        && !back.starts_with("//")
        && !back.contains('\\')
        && !back.chars().any(char::is_control);
    if local { back } else { "/" }
}

/// Middleware: settles the request's language, marks HTML answers as varying by it and
/// names it (`Content-Language`).
pub async fn choose_language(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    // The switcher leads back to the page shown, by its path alone: every query of a page
    // (a list's cursor, made-up parameters) then renders the same switcher, so a letter's
    // first page stays one cached copy. A form's answer (a POST) has no address of its own
    // to come back to, so its switcher leads to the home page.
    let here = if matches!(*request.method(), Method::GET | Method::HEAD) {
        local_path(request.uri().path()).to_owned()
    } else {
        "/".to_owned()
    };
    let lang = choose(&state.settings, request.headers()).at(&here);
    let content_language = HeaderValue::from_static(lang.tag());
    request.extensions_mut().insert(lang);
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        let headers = response.headers_mut();
        headers.append(
            header::VARY,
            HeaderValue::from_static("Accept-Language, Cookie"),
        );
        if !headers.contains_key(header::CONTENT_LANGUAGE) {
            headers.insert(header::CONTENT_LANGUAGE, content_language);
        }
    }
    response
}

#[derive(Deserialize)]
struct Switch {
    #[serde(default)]
    set: String,
    #[serde(default)]
    back: String,
}

/// `GET /language?set=fr&back=/letters/x`: remembers the choice in a cookie and leads
/// back. A plain link, so it works without JavaScript; an unknown language changes
/// nothing, and `back` is only ever a path on this site.
async fn switch(State(state): State<AppState>, Query(q): Query<Switch>) -> Response {
    let back = local_path(&q.back).to_owned();
    let mut response = Redirect::to(&back).into_response();
    if let Some(lang) = allowed(&state.settings, &q.set) {
        let secure = if state.settings.base_url.scheme() == "https" {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age={LANG_COOKIE_MAX_AGE_SECS}; SameSite=Lax; HttpOnly{secure}",
            lang.tag()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_messages_are_translated_and_english_matches_the_domain() {
        let english = Lang::english();
        let fr = Lang::get("fr").unwrap_or_default();
        for e in [
            DomainError::EmailEmpty,
            DomainError::EmailTooLong { max: 254 },
            DomainError::EmailDisplayName,
            DomainError::EmailMultiple,
            DomainError::EmailInvalid,
            DomainError::NameEmpty,
            DomainError::OrganisationNameEmpty,
            DomainError::NameTooLong { max: 200 },
            DomainError::NameForbiddenCharacter,
            DomainError::TextTooLong { max: 100 },
            DomainError::TextForbiddenCharacter,
            DomainError::NameContent(crate::domain::ContentProblem::Link),
            DomainError::NameContent(crate::domain::ContentProblem::Email),
            DomainError::TextContent(crate::domain::ContentProblem::Phone),
            DomainError::TextContent(crate::domain::ContentProblem::Invisible),
            DomainError::TextContent(crate::domain::ContentProblem::FormulaStart),
            DomainError::CountryUnknown,
            DomainError::WebsiteTooLong { max: 300 },
            DomainError::WebsiteScheme,
            DomainError::WebsiteHost,
            DomainError::WebsiteCredentials,
            DomainError::WebsiteInvalid,
            DomainError::TokenInvalid,
        ] {
            // The English bundle says exactly what the domain says.
            assert_eq!(domain_message(&english, &e), e.to_string());
            assert_ne!(domain_message(&fr, &e), e.to_string(), "{e:?}");
        }
        use crate::abuse::screen;
        for m in [
            screen::TOO_FAST,
            screen::FORM_EXPIRED,
            screen::DISPOSABLE,
            screen::DOMAIN_BLOCKED,
        ] {
            assert_eq!(screen_message(&english, m), m);
            assert_ne!(screen_message(&fr, m), m);
        }
    }

    #[test]
    fn only_local_paths_are_led_back_to() {
        assert_eq!(local_path("/letters/a?x=1"), "/letters/a?x=1");
        assert_eq!(local_path("//evil.example/"), "/");
        assert_eq!(local_path("https://evil.example/"), "/");
        assert_eq!(local_path("/\\evil.example"), "/");
        assert_eq!(local_path("/a\nb"), "/");
        assert_eq!(local_path(""), "/");
    }

    #[test]
    fn the_cookie_wins_over_the_browser_and_the_default_applies_last() {
        let settings = Settings::default();
        let mut headers = HeaderMap::new();
        assert_eq!(choose(&settings, &headers).tag(), "en");
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("de-DE, fr-CA;q=0.8, en;q=0.5"),
        );
        assert_eq!(choose(&settings, &headers).tag(), "fr");
        headers.insert(header::COOKIE, HeaderValue::from_static("a=b; lang=en"));
        assert_eq!(choose(&settings, &headers).tag(), "en");
        // A pseudo-locale is refused unless the setting offers it.
        headers.insert(header::COOKIE, HeaderValue::from_static("lang=en-XA"));
        assert_eq!(choose(&settings, &headers).tag(), "fr");
        let pseudo = Settings {
            pseudo_locales: true,
            ..Settings::default()
        };
        assert_eq!(choose(&pseudo, &headers).tag(), "en-XA");
    }
}
