//! The share image of a letter, `GET /letters/{slug}/share.png` (title and count, 1200 x
//! 630, what chat apps show beside a link), and the Open Graph tags that point at it.
//!
//! Rendering takes tens of milliseconds of CPU, so images are kept in memory per letter:
//! one image per letter (the newest), reused while the text's version and title are the
//! same and either the count is too or the image is younger than [`RECOUNT_AFTER`], so a
//! letter signed every second is drawn at most once a minute. At most [`CAPACITY`]
//! letters are kept (about 50 kB each) and one image is drawn at a time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Duration, Utc};
use tokio::sync::Semaphore;

use super::embed::public_letter_with_counts;
use super::page_cache::{etag_of, public_response};
use super::{AppState, WebError};
use crate::entities::letter;

pub fn router() -> Router<AppState> {
    Router::new().route("/letters/{slug}/share.png", get(share_png))
}

/// Most letters whose image is kept; the oldest image goes first.
pub const CAPACITY: usize = 256;

/// How long an image may show an older count before it is drawn again.
pub const RECOUNT_AFTER: Duration = Duration::seconds(60);

/// The images drawn so far, by letter id.
#[derive(Debug)]
pub struct ShareImages {
    images: Mutex<HashMap<i64, Arc<ShareImage>>>,
    /// One drawing at a time: a burst of previews for new letters queues here instead of
    /// taking every blocking thread.
    drawing: Semaphore,
}

#[derive(Debug)]
struct ShareImage {
    version: i32,
    title: String,
    total: i64,
    drawn_at: DateTime<Utc>,
    png: Bytes,
    etag: HeaderValue,
}

impl ShareImage {
    fn serves(&self, letter: &letter::Model, total: i64, now: DateTime<Utc>) -> bool {
        self.version == letter.version
            && self.title == letter.title
            && (self.total == total
                || (self.drawn_at <= now && now - self.drawn_at < RECOUNT_AFTER))
    }
}

impl Default for ShareImages {
    fn default() -> Self {
        ShareImages {
            images: Mutex::new(HashMap::new()),
            drawing: Semaphore::new(1),
        }
    }
}

impl ShareImages {
    fn kept(
        &self,
        letter: &letter::Model,
        total: i64,
        now: DateTime<Utc>,
    ) -> Option<Arc<ShareImage>> {
        lock(&self.images)
            .get(&letter.id)
            .filter(|image| image.serves(letter, total, now))
            .cloned()
    }

    fn keep(&self, letter_id: i64, image: Arc<ShareImage>) {
        let mut images = lock(&self.images);
        if images.len() >= CAPACITY && !images.contains_key(&letter_id) {
            let oldest = images
                .iter()
                .min_by_key(|(_, image)| image.drawn_at)
                .map(|(id, _)| *id);
            if let Some(id) = oldest {
                images.remove(&id);
            }
        }
        images.insert(letter_id, image);
    }

    /// The image of `letter` with `total` signatures: kept, or drawn now.
    async fn image(
        &self,
        letter: &letter::Model,
        total: i64,
        now: DateTime<Utc>,
    ) -> Result<Arc<ShareImage>, WebError> {
        if let Some(image) = self.kept(letter, total, now) {
            return Ok(image);
        }
        let _permit = self
            .drawing
            .acquire()
            .await
            .context("waiting to draw a share image")?;
        // Another request may have drawn it while this one waited.
        if let Some(image) = self.kept(letter, total, now) {
            return Ok(image);
        }
        let card = undersigned_document::ShareCard {
            title: letter.title.clone(),
            // The image goes with the letter wherever it is shared: in the letter's language.
            count_text: templates::signature_count_text(
                &templates::Lang::get(&letter.language).unwrap_or_default(),
                u64::try_from(total).unwrap_or(0),
            ),
            site_name: templates::SITE_NAME.to_owned(),
            language: letter.language.clone(),
        };
        let png =
            tokio::task::spawn_blocking(move || undersigned_document::render_share_png(&card))
                .await
                .context("drawing a share image")?
                .context("drawing a share image")?;
        let png = Bytes::from(png);
        let image = Arc::new(ShareImage {
            version: letter.version,
            title: letter.title.clone(),
            total,
            drawn_at: now,
            etag: etag_of(&png),
            png,
        });
        self.keep(letter.id, image.clone());
        Ok(image)
    }
}

/// A poisoned lock only means another request panicked while holding it; the map is
/// still whole (each change is one insert or remove).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn share_png(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (letter, counts) = public_letter_with_counts(&state, &slug).await?;
    let image = state
        .shares
        .image(&letter, counts.total(), state.clock.now())
        .await?;
    Ok(public_response(
        &headers,
        "image/png",
        &image.etag,
        image.png.clone(),
    ))
}

/// The link-preview tags of a public letter's page.
pub(super) fn share_meta(state: &AppState, letter: &letter::Model) -> templates::ShareMeta {
    let url = crate::outbox::link(&state.settings, &format!("letters/{}", letter.slug));
    templates::ShareMeta {
        title: letter.title.clone(),
        description: letter.summary.clone(),
        image_url: format!("{url}/share.png"),
        url,
        language: letter.language.clone(),
    }
}
