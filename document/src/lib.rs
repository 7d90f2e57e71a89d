//! The signed letter as a printable PDF, and the share image of a letter, rendered with
//! typst as a library and the Noto fonts committed beside this crate.
//!
//! typst is heavy to build, so it lives in this crate alone; the service depends on this
//! plain-data API. User text never reaches typst's parser: it goes in as one JSON file that
//! the fixed templates (`src/*.typ`) read and walk, so `#`, `$`, `]` or `\` in a name come
//! out as written.
//!
//! Rendering is CPU-bound and takes from milliseconds (share image) to seconds (a PDF with
//! 100,000 names): call these functions from a blocking thread (`spawn_blocking`).

mod fonts;
mod letter;
mod markdown;
mod render;
mod share;
mod world;

pub use letter::{DocLabels, DocSigner, DocTarget, LetterDocument, render_pdf};
pub use share::{SHARE_HEIGHT, SHARE_WIDTH, ShareCard, render_share_png};

/// Why a document could not be made. Every variant is a fault of ours (a template or
/// export bug), not of the data: any text is valid data.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("the document data could not be encoded: {0}")]
    Data(#[from] serde_json::Error),
    #[error("the document template failed: {0}")]
    Template(String),
    #[error("the document could not be written: {0}")]
    Export(String),
}
