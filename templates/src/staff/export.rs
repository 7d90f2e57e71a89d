//! The export screen of a letter: a GET form choosing the format, the columns and the
//! filters; sending it downloads the file (nothing changes, so GET is right).

use maud::{Markup, html};

use super::moderation::{FilterField, KINDS, STATUSES, filter_input, filter_select};
use super::{StaffBar, page};
use crate::util::field_error;

/// One column the form offers.
#[derive(Clone, Debug)]
pub struct ExportColumn {
    /// The name used in the file and in `--columns`.
    pub name: &'static str,
    /// Marked as personal (admins only).
    pub personal: bool,
    pub checked: bool,
}

/// The export form, with what was typed and the problems found, if any.
#[derive(Clone, Debug)]
pub struct ExportPage<'a> {
    pub bar: StaffBar<'a>,
    pub letter_id: i64,
    pub letter_title: &'a str,
    /// The columns this account may choose (personal ones for admins only).
    pub columns: &'a [ExportColumn],
    /// "csv" or "jsonl".
    pub format: &'a str,
    pub bom: bool,
    pub kind: &'a str,
    pub status: &'a str,
    pub version: &'a str,
    pub since: &'a str,
    pub until: &'a str,
    /// (field, message)
    pub errors: &'a [(&'static str, String)],
}

/// Where the summary's link for a field's problem leads.
fn anchor(field: &str) -> String {
    match field {
        "format" | "columns" => format!("#export-{field}"),
        other => format!("#filter-{other}"),
    }
}

pub fn export(p: &ExportPage<'_>) -> Markup {
    let title = format!("Export signatures: {}", p.letter_title);
    let e = p.errors;
    let messages = |field: &str| -> Vec<&str> {
        e.iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
            .collect()
    };
    let format_messages = messages("format");
    let column_messages = messages("columns");
    page(
        &title,
        Some(&p.bar),
        html! {
            h1 { "Export signatures" }
            p { "Letter: " strong { (p.letter_title) } }
            nav aria-label="This letter" {
                ul.inline-list {
                    li { a href=(format!("/staff/letters/{}", p.letter_id)) { "Letter overview" } }
                    li { a href=(format!("/staff/letters/{}/signatures", p.letter_id)) { "Search signatures" } }
                }
            }
            @if !e.is_empty() {
                div.error-summary role="alert" {
                    h2 { "The export cannot start" }
                    ul {
                        @for (field, message) in e {
                            li { a href=(anchor(field)) { (message) } }
                        }
                    }
                }
            }
            p { "Rows come in the order they were signed. Every export is recorded in the audit log with its columns and filters." }
            form method="get" action=(format!("/staff/letters/{}/export/download", p.letter_id)) {
                fieldset id="export-format" {
                    legend { "Format" }
                    (field_error("export-format-error", &format_messages))
                    div.field.checkbox {
                        div.checkbox-row {
                            input type="radio" id="export-format-csv" name="format" value="csv" checked[p.format != "jsonl"];
                            label for="export-format-csv" { "CSV (for spreadsheets)" }
                        }
                        div.checkbox-row {
                            input type="radio" id="export-format-jsonl" name="format" value="jsonl" checked[p.format == "jsonl"];
                            label for="export-format-jsonl" { "JSON Lines (for programs)" }
                        }
                        div.checkbox-row {
                            input type="checkbox" id="export-bom" name="bom" value="on" checked[p.bom];
                            label for="export-bom" { "Start the CSV with a byte-order mark (some spreadsheet programs need it to read accents and non-Latin scripts)" }
                        }
                    }
                    p.hint { "In CSV, a cell starting with =, +, -, @, a tab or a carriage return gets a ' in front, so that a spreadsheet shows it instead of running it as a formula." }
                }
                fieldset id="export-columns" {
                    legend { "Columns" }
                    (field_error("export-columns-error", &column_messages))
                    @for c in p.columns {
                        div.checkbox-row {
                            input type="checkbox" id=(format!("export-column-{}", c.name)) name="columns" value=(c.name) checked[c.checked];
                            label for=(format!("export-column-{}", c.name)) {
                                code { (c.name) }
                                @if c.personal { " (personal)" }
                            }
                        }
                    }
                    p.hint { "Personal columns (email address, IP address) are offered to admins only and never included unless ticked." }
                }
                fieldset {
                    legend { "Which signatures" }
                    (filter_select("kind", "Kind", p.kind, KINDS, e))
                    (filter_select("status", "Status", p.status, STATUSES, e))
                    (filter_input(&FilterField { name: "version", label: "Version signed", kind: "number", value: p.version, hint: Some("The number of the letter's version; empty for all.") }, e))
                    (filter_input(&FilterField { name: "since", label: "Signed on or after (UTC)", kind: "date", value: p.since, hint: Some("YYYY-MM-DD") }, e))
                    (filter_input(&FilterField { name: "until", label: "Signed on or before (UTC)", kind: "date", value: p.until, hint: Some("YYYY-MM-DD") }, e))
                }
                button.button type="submit" { "Download" }
            }
        },
    )
}
