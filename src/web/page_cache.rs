//! Public pages served from memory for a moment, and the validators (`ETag`, 304) that let
//! browsers and CDNs reuse what they already hold.
//!
//! A popular letter is read far more often than it changes: the first page of each public
//! letter is rendered once per `page_cache_ttl` and then answered without a database query.
//! Later pages (`?before=`, `?orgs_after=`) are not kept: few people read them, and each is
//! one indexed query. The letter body's Markdown is rendered once per text of the body.
//!
//! Pages are kept per interface language (a slug has one entry per language asked for),
//! since the words around the letter, and the letter's translation, differ by language.
//!
//! A new version of a letter's text shows on the first page within the TTL on every
//! replica, and at once on a replica that was sent a sign form from the old text (see
//! [`PageCache::forget`]); the page's ETag is a hash of the page, which carries the
//! version in its sign forms, so it changes with the version.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use super::{PUBLIC_CACHE, WebError};
use crate::clock::span;
use crate::config::Settings;
use crate::entities::letter;
use crate::store::letters::Counts;

/// Most letters kept at once. Far more than a service has open at a time; the bound only
/// matters when someone requests many slugs to fill memory.
pub const CAPACITY: usize = 1_000;

/// The rendered first page of a letter and what else is needed to answer for it.
#[derive(Debug)]
pub struct CachedPage {
    pub html: Bytes,
    pub etag: HeaderValue,
    /// The row the page was rendered from; the JSON API answers from it too.
    pub letter: letter::Model,
    pub counts: Counts,
}

/// One slug's place in the cache. The cell is filled by the first request that misses;
/// the others that arrive meanwhile wait for it instead of querying the database too.
#[derive(Debug)]
struct Slot {
    created_at: DateTime<Utc>,
    cell: OnceCell<Arc<CachedPage>>,
}

/// The map key of a letter's first page in one language (`#` never occurs in a slug).
fn key(slug: &str, lang: &str) -> String {
    format!("{slug}#{lang}")
}

/// Every language a page may be kept in.
fn all_languages() -> impl Iterator<Item = &'static str> {
    templates::LANGUAGES
        .iter()
        .chain(templates::PSEUDO_LANGUAGES)
        .map(|l| l.tag)
}

/// First pages by slug and language, and rendered letter bodies by letter.
#[derive(Debug)]
pub struct PageCache {
    /// Zero turns the page cache off (the body cache stays: it is never stale).
    ttl: chrono::Duration,
    pages: Mutex<HashMap<String, Arc<Slot>>>,
    bodies: Mutex<HashMap<i64, RenderedBody>>,
}

/// A letter's body as safe HTML, and the Markdown it was rendered from.
type RenderedBody = (Arc<str>, Arc<str>);

impl PageCache {
    pub fn new(settings: &Settings) -> PageCache {
        PageCache {
            ttl: span(settings.page_cache_ttl),
            pages: Mutex::new(HashMap::new()),
            bodies: Mutex::new(HashMap::new()),
        }
    }

    /// Whether pages are kept at all (`page_cache_ttl` above zero).
    pub fn is_on(&self) -> bool {
        self.ttl > chrono::Duration::zero()
    }

    /// The first page of the letter `slug`: from memory when it was rendered less than the
    /// TTL ago (by the service's clock), otherwise from `load`. A failed load is not kept,
    /// so an unknown slug takes no room and a database fault is retried by the next request.
    pub async fn first_page<F, Fut>(
        &self,
        slug: &str,
        lang: &str,
        now: DateTime<Utc>,
        load: F,
    ) -> Result<Arc<CachedPage>, WebError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<CachedPage, WebError>>,
    {
        if self.ttl <= chrono::Duration::zero() {
            return load().await.map(Arc::new);
        }
        let key = key(slug, lang);
        let slot = self.slot(&key, now);
        let filled = slot
            .cell
            .get_or_try_init(|| async { load().await.map(Arc::new) })
            .await
            .cloned();
        if filled.is_err() {
            let mut pages = lock(&self.pages);
            if pages.get(&key).is_some_and(|s| Arc::ptr_eq(s, &slot)) {
                pages.remove(&key);
            }
        }
        filled
    }

    /// The first page of `slug` in any language, if one is in memory and fresh; never
    /// loads anything (the letter row and counts are the same in every language).
    pub fn peek(&self, slug: &str, now: DateTime<Utc>) -> Option<Arc<CachedPage>> {
        let pages = lock(&self.pages);
        all_languages().find_map(|lang| {
            let slot = pages.get(&key(slug, lang))?;
            let fresh = slot.created_at <= now && now < slot.created_at + self.ttl;
            fresh.then(|| slot.cell.get().cloned()).flatten()
        })
    }

    /// Drops the first page of `slug`, so the next request renders it afresh: for a
    /// replica that learns the letter changed (a sign form came from an older text) or a
    /// staff screen that has just saved a letter.
    pub fn forget(&self, slug: &str) {
        let mut pages = lock(&self.pages);
        for lang in all_languages() {
            pages.remove(&key(slug, lang));
        }
    }

    /// The live slot for `slug`, or a new empty one in place of a stale or missing one.
    fn slot(&self, slug: &str, now: DateTime<Utc>) -> Arc<Slot> {
        let fresh = |s: &Slot| s.created_at <= now && now < s.created_at + self.ttl;
        let mut pages = lock(&self.pages);
        if let Some(slot) = pages.get(slug).filter(|s| fresh(s)) {
            return slot.clone();
        }
        if pages.len() >= CAPACITY && !pages.contains_key(slug) {
            pages.retain(|_, s| fresh(s));
            if pages.len() >= CAPACITY {
                let oldest = pages
                    .iter()
                    .min_by_key(|(_, s)| s.created_at)
                    .map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    pages.remove(&oldest);
                }
            }
        }
        let slot = Arc::new(Slot {
            created_at: now,
            cell: OnceCell::new(),
        });
        pages.insert(slug.to_owned(), slot.clone());
        slot
    }

    /// Safe HTML of the letter's Markdown body, rendered once per text of the body. The
    /// key is the Markdown itself, not `updated_at`: comparing two strings costs far less
    /// than rendering, and an edit within the same clock tick (or a clock set back) can
    /// never leave the old text on the page.
    pub fn body_html(&self, letter: &letter::Model) -> Arc<str> {
        if let Some((body, html)) = lock(&self.bodies).get(&letter.id)
            && **body == *letter.body
        {
            return html.clone();
        }
        // Rendered outside the lock; two requests racing on a new text both render, once.
        let html: Arc<str> = crate::markdown::render(&letter.body).into();
        let mut bodies = lock(&self.bodies);
        if bodies.len() >= CAPACITY && !bodies.contains_key(&letter.id) {
            bodies.clear();
        }
        bodies.insert(letter.id, (Arc::from(letter.body.as_str()), html.clone()));
        html
    }
}

/// A poisoned lock only means another request panicked while holding it; the map itself
/// is still whole (every change is one insert or remove).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A strong validator for a body: a hash of its bytes, so equal bodies on any replica
/// carry equal tags and a CDN can revalidate against whichever replica it reaches.
pub fn etag_of(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    let tag = format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..16]));
    // Base64url and quotes are always a valid header value.
    HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

/// Whether the client already holds this version (`If-None-Match`, compared weakly, as
/// RFC 9110 asks for GET).
fn not_modified(request: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(ours) = etag.to_str() else {
        return false;
    };
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == ours)
}

/// A public, cacheable answer: the body with its ETag and `Cache-Control`, or a bodiless
/// 304 with the same headers when the client's copy is current.
pub fn public_response(
    request: &HeaderMap,
    content_type: &'static str,
    etag: &HeaderValue,
    body: Bytes,
) -> Response {
    let headers = [
        (header::ETAG, etag.clone()),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(PUBLIC_CACHE),
        ),
    ];
    if not_modified(request, etag) {
        return (StatusCode::NOT_MODIFIED, headers, Body::empty()).into_response();
    }
    (
        headers,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(if_none_match: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(if_none_match).unwrap(),
        );
        h
    }

    #[test]
    fn equal_bodies_have_equal_tags_and_others_differ() {
        assert_eq!(etag_of(b"page"), etag_of(b"page"));
        assert_ne!(etag_of(b"page"), etag_of(b"page "));
        let tag = etag_of(b"page");
        let tag = tag.to_str().unwrap();
        assert!(tag.starts_with('"') && tag.ends_with('"') && tag.len() > 20);
    }

    #[test]
    fn if_none_match_accepts_lists_weak_tags_and_star() {
        let etag = etag_of(b"page");
        let tag = etag.to_str().unwrap().to_owned();
        assert!(not_modified(&headers(&tag), &etag));
        assert!(not_modified(&headers(&format!("\"x\", W/{tag}")), &etag));
        assert!(not_modified(&headers("*"), &etag));
        assert!(!not_modified(&headers("\"x\""), &etag));
        assert!(!not_modified(&HeaderMap::new(), &etag));
    }

    fn letter(id: i64, body: &str, updated_at: DateTime<Utc>) -> letter::Model {
        letter::Model {
            id,
            slug: format!("l{id}"),
            title: "T".into(),
            summary: String::new(),
            body: body.into(),
            language: "en".into(),
            status: crate::entities::LetterStatus::Open,
            goal: None,
            deadline: None,
            opened_at: None,
            created_at: updated_at,
            updated_at,
            individuals_may_sign: true,
            organisations_may_sign: true,
            organisations_need_approval: false,
            preview_key: None,
            version: 1,
            closed_at: None,
        }
    }

    #[test]
    fn a_body_is_rendered_again_only_for_a_new_text() {
        let cache = PageCache::new(&Settings::default());
        let t0 = Utc::now();
        let first = cache.body_html(&letter(1, "*a*", t0));
        assert_eq!(&*first, "<p><em>a</em></p>\n");
        // Same text: the stored rendering, whatever else moved.
        let again = cache.body_html(&letter(1, "*a*", t0 + chrono::Duration::seconds(1)));
        assert!(Arc::ptr_eq(&first, &again));
        // A new text shows even when it was saved within the same clock tick.
        let newer = cache.body_html(&letter(1, "*b*", t0));
        assert_eq!(&*newer, "<p><em>b</em></p>\n");
    }

    #[tokio::test]
    async fn a_forgotten_page_is_loaded_again_within_the_ttl() {
        let cache = PageCache::new(&Settings::default());
        let t0 = Utc::now();
        let page = |n: u8| CachedPage {
            html: Bytes::from(vec![n]),
            etag: etag_of(&[n]),
            letter: letter(1, "", t0),
            counts: Counts::default(),
        };
        cache
            .first_page("a", "en", t0, || async { Ok(page(1)) })
            .await
            .unwrap();
        cache.forget("a");
        cache.forget("never-cached");
        assert!(cache.peek("a", t0).is_none());
        let two = cache
            .first_page("a", "en", t0, || async { Ok(page(2)) })
            .await
            .unwrap();
        assert_eq!(&two.html[..], &[2]);
    }

    #[tokio::test]
    async fn a_page_is_loaded_once_per_ttl_and_failures_are_not_kept() {
        let settings = Settings {
            page_cache_ttl: std::time::Duration::from_secs(2),
            ..Settings::default()
        };
        let cache = PageCache::new(&settings);
        let t0 = Utc::now();
        let page = |n: u8| CachedPage {
            html: Bytes::from(vec![n]),
            etag: etag_of(&[n]),
            letter: letter(1, "", t0),
            counts: Counts::default(),
        };
        let failed = cache
            .first_page("a", "en", t0, || async { Err(WebError::NotFound) })
            .await;
        assert!(failed.is_err());
        assert!(lock(&cache.pages).is_empty(), "a failure takes no room");

        assert!(cache.peek("a", t0).is_none());
        let one = cache
            .first_page("a", "en", t0, || async { Ok(page(1)) })
            .await
            .unwrap();
        assert!(Arc::ptr_eq(&one, &cache.peek("a", t0).unwrap()));
        let within = t0 + chrono::Duration::milliseconds(1999);
        let still = cache
            .first_page("a", "en", within, || async { Ok(page(2)) })
            .await
            .unwrap();
        assert!(Arc::ptr_eq(&one, &still));
        let after = t0 + chrono::Duration::seconds(2);
        assert!(cache.peek("a", after).is_none(), "stale at the TTL");
        let two = cache
            .first_page("a", "en", after, || async { Ok(page(2)) })
            .await
            .unwrap();
        assert_eq!(&two.html[..], &[2]);
    }

    #[tokio::test]
    async fn requests_that_miss_together_share_one_load() {
        let cache = PageCache::new(&Settings::default());
        let t0 = Utc::now();
        let loads = std::sync::atomic::AtomicUsize::new(0);
        let load = || async {
            loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            // Still loading when the others arrive.
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
            Ok(CachedPage {
                html: Bytes::from_static(b"page"),
                etag: etag_of(b"page"),
                letter: letter(1, "", t0),
                counts: Counts::default(),
            })
        };
        let (a, b, c) = tokio::join!(
            cache.first_page("a", "en", t0, load),
            cache.first_page("a", "en", t0, load),
            cache.first_page("a", "en", t0, load),
        );
        assert_eq!(loads.into_inner(), 1);
        let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
        assert!(Arc::ptr_eq(&a, &b) && Arc::ptr_eq(&b, &c));
    }

    #[tokio::test]
    async fn the_cache_holds_at_most_its_capacity() {
        let cache = PageCache::new(&Settings::default());
        let t0 = Utc::now();
        for i in 0..(CAPACITY + 10) {
            let at = t0 + chrono::Duration::microseconds(i as i64);
            cache
                .first_page(&format!("slug-{i}"), "en", at, || async {
                    Ok(CachedPage {
                        html: Bytes::new(),
                        etag: etag_of(b""),
                        letter: letter(1, "", t0),
                        counts: Counts::default(),
                    })
                })
                .await
                .unwrap();
        }
        let pages = lock(&cache.pages);
        assert_eq!(pages.len(), CAPACITY);
        // The oldest went first.
        assert!(!pages.contains_key(&key("slug-0", "en")));
        assert!(pages.contains_key(&key(&format!("slug-{}", CAPACITY + 9), "en")));
    }

    #[tokio::test]
    async fn each_language_has_its_own_page_and_forget_drops_them_all() {
        let cache = PageCache::new(&Settings::default());
        let t0 = Utc::now();
        let page = |body: &'static str| CachedPage {
            html: Bytes::from_static(body.as_bytes()),
            etag: etag_of(body.as_bytes()),
            letter: letter(1, "", t0),
            counts: Counts::default(),
        };
        let en = cache
            .first_page("a", "en", t0, || async { Ok(page("en")) })
            .await
            .unwrap();
        let fr = cache
            .first_page("a", "fr", t0, || async { Ok(page("fr")) })
            .await
            .unwrap();
        assert_eq!(&en.html[..], b"en");
        assert_eq!(&fr.html[..], b"fr");
        assert!(cache.peek("a", t0).is_some());
        cache.forget("a");
        assert!(cache.peek("a", t0).is_none());
        assert!(lock(&cache.pages).is_empty());
    }

    #[tokio::test]
    async fn a_zero_ttl_turns_the_page_cache_off() {
        let settings = Settings {
            page_cache_ttl: std::time::Duration::ZERO,
            ..Settings::default()
        };
        let cache = PageCache::new(&settings);
        let t0 = Utc::now();
        let loads = std::sync::atomic::AtomicUsize::new(0);
        for _ in 0..2 {
            cache
                .first_page("a", "en", t0, || async {
                    loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    Ok(CachedPage {
                        html: Bytes::new(),
                        etag: etag_of(b""),
                        letter: letter(1, "", t0),
                        counts: Counts::default(),
                    })
                })
                .await
                .unwrap();
        }
        assert_eq!(loads.into_inner(), 2);
        assert!(lock(&cache.pages).is_empty());
    }
}
