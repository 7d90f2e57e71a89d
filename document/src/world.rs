//! The smallest typst world that can compile one of our templates: a fixed main source,
//! one JSON data file and the committed fonts. No file system, no packages, no network.

use std::sync::LazyLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::fonts::FONTS;

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

/// The path the templates read their data from (`json("/data.json")`).
pub(crate) const DATA_PATH: &str = "/data.json";

fn file_id(path: &str) -> FileResult<FileId> {
    let vpath = VirtualPath::new(path).map_err(|_| FileError::AccessDenied)?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

pub(crate) struct DocWorld {
    main: Source,
    data_id: FileId,
    data: Bytes,
}

impl DocWorld {
    /// A world whose main file is `template` (one of ours, never user text) and whose
    /// only other file is `data`, the user's text as JSON.
    pub(crate) fn new(template: &'static str, data: Vec<u8>) -> FileResult<Self> {
        let main_id = file_id("/main.typ")?;
        Ok(Self {
            main: Source::new(main_id, template.to_owned()),
            data_id: file_id(DATA_PATH)?,
            data: Bytes::new(data),
        })
    }
}

impl World for DocWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::from_string(self.main.clone()))
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        // Dates come in the data, already written out; the templates never ask for today.
        None
    }
}
