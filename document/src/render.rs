//! Compiling one of our templates with its data, and releasing typst's caches afterwards.

use serde::Serialize;
use typst::diag::SourceDiagnostic;
use typst::ecow::EcoVec;
use typst_layout::PagedDocument;

use crate::DocumentError;
use crate::world::DocWorld;

/// Lays out `template` with `data` (serialised to JSON) into pages.
pub(crate) fn compile(
    template: &'static str,
    data: &impl Serialize,
) -> Result<PagedDocument, DocumentError> {
    let json = serde_json::to_vec(data)?;
    let world =
        DocWorld::new(template, json).map_err(|err| DocumentError::Template(err.to_string()))?;
    let result = typst::compile::<PagedDocument>(&world).output;
    result.map_err(|diags| DocumentError::Template(describe(&diags)))
}

/// typst memoises layouts across compilations; one letter's document is never laid out
/// again soon, so the cache would only grow. Call after each render (and its export).
pub(crate) fn release_caches() {
    typst::comemo::evict(0);
}

fn describe(diags: &EcoVec<SourceDiagnostic>) -> String {
    diags
        .iter()
        .map(|diag| diag.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}
