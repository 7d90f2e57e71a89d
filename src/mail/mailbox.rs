//! Reading back the .eml files of the file transport for the development mailbox page.

use std::path::Path;

use anyhow::Context;
use mailparse::{MailHeaderMap, ParsedMail};

/// One message in the development mailbox.
#[derive(Clone, Debug)]
pub struct MailboxEntry {
    pub id: String,
    pub subject: String,
    pub to: String,
    pub date: String,
    pub text_body: String,
}

/// The newest `limit` messages in `dir`, newest first.
pub async fn read_mailbox(dir: &Path, limit: usize) -> anyhow::Result<Vec<MailboxEntry>> {
    let mut names = Vec::new();
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
    };
    while let Some(entry) = entries.next_entry().await.context("listing the mailbox")? {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".eml") && !name.starts_with('.') {
            names.push(name);
        }
    }
    // File names start with a UTC timestamp, so the name order is the time order.
    names.sort_unstable_by(|a, b| b.cmp(a));
    let mut out = Vec::new();
    for name in names.into_iter().take(limit) {
        let bytes = tokio::fs::read(dir.join(&name))
            .await
            .with_context(|| format!("reading {name}"))?;
        let parsed = mailparse::parse_mail(&bytes).with_context(|| format!("parsing {name}"))?;
        let header = |h: &str| parsed.headers.get_first_value(h).unwrap_or_default();
        out.push(MailboxEntry {
            id: name.trim_end_matches(".eml").to_string(),
            subject: header("Subject"),
            to: header("To"),
            date: header("Date"),
            text_body: text_part(&parsed).unwrap_or_default(),
        });
    }
    Ok(out)
}

fn text_part(mail: &ParsedMail<'_>) -> Option<String> {
    if mail.subparts.is_empty() {
        return (mail.ctype.mimetype == "text/plain")
            .then(|| mail.get_body().ok())
            .flatten();
    }
    mail.subparts.iter().find_map(text_part)
}
