//! The staff screens for letters: the list, the create and edit form (with its Markdown
//! preview and target rows), and a letter's overview with its lifecycle actions. Every
//! form works without JavaScript; every POST form carries the session's CSRF token.

use maud::{Markup, PreEscaped, html};

use super::{StaffBar, csrf_field, page};
use crate::sign_form::FieldError;
use crate::util::{described_by, field_error, format_count, letter_path, path_segment};

/// The statuses the list can be filtered by, with their labels.
pub const LETTER_STATUSES: [(&str, &str); 4] = [
    ("draft", "Draft"),
    ("open", "Open"),
    ("closed", "Closed"),
    ("delivered", "Delivered"),
];

/// One letter in the staff list.
#[derive(Clone, Debug)]
pub struct StaffLetterRow {
    pub id: i64,
    pub title: String,
    pub slug: String,
    /// "draft", "open", "closed" or "delivered".
    pub status: &'static str,
    pub individuals: u64,
    pub organisations: u64,
    /// Already formatted, UTC.
    pub deadline: Option<String>,
}

/// The list of every letter, newest first, a page at a time.
#[derive(Clone, Debug)]
pub struct StaffLettersPage<'a> {
    pub bar: StaffBar<'a>,
    pub rows: &'a [StaffLetterRow],
    /// The status filter ("" for all).
    pub status: &'a str,
    /// The query string of the next (older) page, when there is one.
    pub older: Option<String>,
}

fn staff_letter_path(id: i64) -> String {
    format!("/staff/letters/{id}")
}

pub fn staff_letters(p: &StaffLettersPage<'_>) -> Markup {
    page(
        "Letters",
        Some(&p.bar),
        html! {
            h1 { "Letters" }
            p { a.button href="/staff/letters/new" { "Write a new letter" } }
            form method="get" action="/staff/letters" {
                div.field {
                    label for="letters-status" { "Status" }
                    select id="letters-status" name="status" {
                        option value="" selected[p.status.is_empty()] { "All" }
                        @for (value, label) in LETTER_STATUSES {
                            option value=(value) selected[p.status == value] { (label) }
                        }
                    }
                }
                button.button.button--secondary type="submit" { "Filter" }
            }
            @if p.rows.is_empty() {
                p { "No letters." }
            } @else {
                table {
                    thead { tr {
                        th { "Title" } th { "Status" } th { "Organisations" }
                        th { "Individuals" } th { "Deadline (UTC)" }
                    } }
                    tbody {
                        @for r in p.rows {
                            tr {
                                td {
                                    a href=(staff_letter_path(r.id)) { (r.title) }
                                    br;
                                    small { code { (r.slug) } }
                                }
                                td { (r.status) }
                                td { (format_count(r.organisations)) }
                                td { (format_count(r.individuals)) }
                                td { (r.deadline.as_deref().unwrap_or("none")) }
                            }
                        }
                    }
                }
            }
            @if let Some(older) = &p.older {
                p { a href=(format!("/staff/letters?{older}")) { "Older letters" } }
            }
        },
    )
}

/// One target row of the form, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetInput {
    pub name: String,
    pub person: String,
    pub person_title: String,
    pub email: String,
}

impl TargetInput {
    /// A row with nothing typed in it is ignored.
    pub fn is_empty(&self) -> bool {
        [&self.name, &self.person, &self.person_title, &self.email]
            .iter()
            .all(|v| v.trim().is_empty())
    }
}

/// What the letter form holds, as typed.
#[derive(Clone, Debug, Default)]
pub struct LetterFormValues {
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub body: String,
    pub language: String,
    /// `YYYY-MM-DDTHH:MM`, UTC.
    pub deadline: String,
    pub goal: String,
    pub individuals_may_sign: bool,
    pub organisations_may_sign: bool,
    pub organisations_need_approval: bool,
    pub targets: Vec<TargetInput>,
}

/// The create or edit form.
#[derive(Clone, Debug)]
pub struct LetterFormPage<'a> {
    pub bar: StaffBar<'a>,
    /// `None` for a new letter.
    pub letter_id: Option<i64>,
    pub values: &'a LetterFormValues,
    /// By input name; a target's fields are `target-{i}-name`, `target-{i}-email`, ...
    pub errors: &'a [FieldError],
    /// The letter has opened once: its address can no longer change.
    pub slug_locked: bool,
    /// The rendered, sanitised body, after the Preview button.
    pub preview_html: Option<&'a str>,
    /// What the last save did ("Saved as version 3: ...").
    pub notice: Option<&'a str>,
}

impl LetterFormPage<'_> {
    fn messages(&self, name: &str) -> Vec<&str> {
        self.errors
            .iter()
            .filter(|e| e.field == name)
            .map(|e| e.message.as_str())
            .collect()
    }
}

/// One labelled input, textarea or number with its hint and its messages beside it.
struct Input<'a> {
    name: &'a str,
    label: &'a str,
    kind: &'a str,
    value: &'a str,
    hint: Option<&'a str>,
    required: bool,
    readonly: bool,
}

fn input(p: &LetterFormPage<'_>, f: &Input<'_>) -> Markup {
    let id = format!("letter-{}", f.name);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let messages = p.messages(f.name);
    let invalid = !messages.is_empty();
    let describedby = described_by(&[
        f.hint.map(|_| hint_id.as_str()),
        invalid.then_some(error_id.as_str()),
    ]);
    html! {
        div.field."field--invalid"[invalid] {
            label for=(id) {
                (f.label)
                @if !f.required { " " span.optional { "(optional)" } }
            }
            @if let Some(hint) = f.hint {
                p.hint id=(hint_id) { (hint) }
            }
            (field_error(&error_id, &messages))
            @if f.kind == "textarea" {
                textarea id=(id) name=(f.name) rows="16"
                    aria-invalid=[invalid.then_some("true")] aria-describedby=[describedby.as_deref()] {
                    (f.value)
                }
            } @else {
                input type=(f.kind) id=(id) name=(f.name) value=(f.value)
                    readonly[f.readonly]
                    aria-invalid=[invalid.then_some("true")] aria-describedby=[describedby.as_deref()];
            }
        }
    }
}

fn checkbox(p: &LetterFormPage<'_>, name: &str, label: &str, checked: bool) -> Markup {
    let id = format!("letter-{name}");
    html! {
        div.field.checkbox {
            div.checkbox-row {
                input type="checkbox" id=(id) name=(name) value="on" checked[checked]
                    aria-invalid=[(!p.messages(name).is_empty()).then_some("true")];
                label for=(id) { (label) }
            }
        }
    }
}

fn target_row(p: &LetterFormPage<'_>, i: usize, t: &TargetInput) -> Markup {
    let cell = |field: &str, label: &str, kind: &str, value: &str| {
        let name = format!("target-{i}-{field}");
        let id = format!("letter-{name}");
        let error_id = format!("{id}-error");
        let messages = p.messages(&name);
        let invalid = !messages.is_empty();
        html! {
            div.field."field--invalid"[invalid] {
                label for=(id) { (label) }
                (field_error(&error_id, &messages))
                input type=(kind) id=(id) name=(name) value=(value)
                    aria-invalid=[invalid.then_some("true")]
                    aria-describedby=[invalid.then_some(error_id.as_str())];
            }
        }
    };
    html! {
        fieldset.target {
            legend { "Target " (i + 1) }
            (cell("name", "Institution", "text", &t.name))
            (cell("person", "Person (optional)", "text", &t.person))
            (cell("person_title", "Person's title (optional)", "text", &t.person_title))
            (cell("email", "Email", "email", &t.email))
        }
    }
}

pub fn letter_form(p: &LetterFormPage<'_>) -> Markup {
    let v = p.values;
    let (title, action) = match p.letter_id {
        None => (
            "Write a new letter".to_owned(),
            "/staff/letters/new".to_owned(),
        ),
        Some(id) if v.title.trim().is_empty() => (
            "Edit the letter".to_owned(),
            format!("/staff/letters/{id}/edit"),
        ),
        Some(id) => (
            format!("Edit: {}", v.title.trim()),
            format!("/staff/letters/{id}/edit"),
        ),
    };
    let kinds_messages = p.messages("kinds");
    let kinds_invalid = !kinds_messages.is_empty();
    page(
        &title,
        Some(&p.bar),
        html! {
            h1 { (title) }
            @if let Some(id) = p.letter_id {
                p { a href=(staff_letter_path(id)) { "Back to the letter's overview" } }
            }
            @if let Some(notice) = p.notice {
                p.notice role="status" { (notice) }
            }
            @if !p.errors.is_empty() {
                div.error-summary role="alert" tabindex="-1" {
                    h2.error-summary-title { "Nothing was saved: please correct the problems below" }
                    ul {
                        @for e in p.errors {
                            li { a href=(format!("#letter-{}", e.field)) { (e.message) } }
                        }
                    }
                }
            }
            form method="post" action=(action) novalidate {
                (csrf_field(p.bar.csrf))
                input type="hidden" name="targets" value=(v.targets.len());
                (input(p, &Input { name: "title", label: "Title", kind: "text", value: &v.title, hint: None, required: true, readonly: false }))
                @if p.slug_locked {
                    (input(p, &Input { name: "slug", label: "Address (slug)", kind: "text", value: &v.slug,
                        hint: Some("The letter has been published, so its address no longer changes."),
                        required: true, readonly: true }))
                } @else {
                    (input(p, &Input { name: "slug", label: "Address (slug)", kind: "text", value: &v.slug,
                        hint: Some("The end of the letter's address: lower-case letters, digits and hyphens. Left empty, it is made from the title. It can change until the letter is published."),
                        required: false, readonly: false }))
                }
                (input(p, &Input { name: "summary", label: "Summary", kind: "text", value: &v.summary,
                    hint: Some("One or two sentences, shown in lists and link previews."), required: false, readonly: false }))
                (input(p, &Input { name: "body", label: "Text (Markdown)", kind: "textarea", value: &v.body,
                    hint: Some("The letter itself. Markdown: *emphasis*, **strong**, [links](https://example.org), lists, headings. HTML is removed."),
                    required: true, readonly: false }))
                button.button.button--secondary type="submit" name="action" value="preview" { "Preview the text" }
                @if let Some(html) = p.preview_html {
                    section.letter-preview aria-labelledby="letter-preview-heading" {
                        h2 id="letter-preview-heading" { "Preview (not saved)" }
                        // Rendered from Markdown and sanitised by the caller.
                        div.letter-body { (PreEscaped(html)) }
                    }
                }
                (input(p, &Input { name: "language", label: "Language", kind: "text", value: &v.language,
                    hint: Some("The language of the text, as a language tag such as en, fr or pt-BR."), required: true, readonly: false }))
                (input(p, &Input { name: "deadline", label: "Deadline (UTC)", kind: "datetime-local", value: &v.deadline,
                    hint: Some("Date and time in UTC, as YYYY-MM-DDTHH:MM. From then on the letter takes no signatures and is closed."),
                    required: false, readonly: false }))
                (input(p, &Input { name: "goal", label: "Goal (number of signatures)", kind: "number", value: &v.goal,
                    hint: None, required: false, readonly: false }))
                fieldset."field--invalid"[kinds_invalid] id="letter-kinds" aria-describedby=[kinds_invalid.then_some("letter-kinds-error")] {
                    legend { "Who may sign" }
                    (field_error("letter-kinds-error", &kinds_messages))
                    (checkbox(p, "organisations_may_sign", "Organisations", v.organisations_may_sign))
                    (checkbox(p, "individuals_may_sign", "Individuals", v.individuals_may_sign))
                    (checkbox(p, "organisations_need_approval", "Organisations are listed and counted only after staff approve them", v.organisations_need_approval))
                }
                fieldset.targets id="letter-targets" {
                    legend { "Targets" }
                    p.hint { "The institutions the letter is addressed to. At least one is needed to publish. Empty a row to remove that target." }
                    (field_error("letter-targets-error", &p.messages("targets")))
                    @for (i, t) in v.targets.iter().enumerate() {
                        (target_row(p, i, t))
                    }
                    button.button.button--secondary type="submit" name="action" value="add-target" { "Add another target" }
                }
                button.button type="submit" name="action" value="save" {
                    @if p.letter_id.is_some() { "Save" } @else { "Save as a draft" }
                }
            }
        },
    )
}

/// One target on the overview.
#[derive(Clone, Debug)]
pub struct TargetView {
    pub name: String,
    pub person: Option<String>,
    pub person_title: Option<String>,
    pub email: String,
}

/// One version of the text on the overview.
#[derive(Clone, Debug)]
pub struct VersionView {
    pub number: i32,
    pub title: String,
    /// Already formatted, UTC.
    pub created_at: String,
}

/// A letter's overview: its state, links and actions.
#[derive(Clone, Debug)]
pub struct LetterOverviewPage<'a> {
    pub bar: StaffBar<'a>,
    pub id: i64,
    pub title: &'a str,
    pub slug: &'a str,
    /// "draft", "open", "closed" or "delivered".
    pub status: &'static str,
    pub individuals: u64,
    pub organisations: u64,
    pub goal: Option<i64>,
    pub deadline: Option<String>,
    pub kinds: &'static str,
    pub organisations_need_approval: bool,
    /// The public address, once the letter is public.
    pub public_url: Option<String>,
    /// The private preview address, while there is a key.
    pub preview_url: Option<String>,
    pub targets: &'a [TargetView],
    pub versions: &'a [VersionView],
    pub current_version: i32,
    /// What the last action did.
    pub notice: Option<&'a str>,
    /// The under-attack mode, when it was ever switched: on or off, since when, and why.
    pub under_attack: Option<String>,
}

fn action_form(id: i64, csrf: &str, step: &str, label: &str, hint: Option<&str>) -> Markup {
    html! {
        form method="post" action=(format!("/staff/letters/{id}/{step}")) {
            (csrf_field(csrf))
            @if let Some(hint) = hint { p.hint { (hint) } }
            button.button type="submit" { (label) }
        }
    }
}

pub fn letter_overview(p: &LetterOverviewPage<'_>) -> Markup {
    let base = staff_letter_path(p.id);
    page(
        p.title,
        Some(&p.bar),
        html! {
            h1 { (p.title) }
            @if let Some(notice) = p.notice {
                p.notice role="status" { (notice) }
            }
            dl {
                dt { "Status" } dd { (p.status) }
                dt { "Address" } dd {
                    @if let Some(url) = &p.public_url { a href=(url) { (url) } }
                    @else { code { (letter_path(p.slug)) } " (not public while a draft)" }
                }
                dt { "Signatures (confirmed)" } dd {
                    (format_count(p.organisations)) " organisations, "
                    (format_count(p.individuals)) " individuals"
                }
                dt { "Goal" } dd { @if let Some(goal) = p.goal { (goal) } @else { "none" } }
                dt { "Deadline (UTC)" } dd { (p.deadline.as_deref().unwrap_or("none")) }
                dt { "Who may sign" } dd { (p.kinds) }
                dt { "Organisations need approval" } dd { (if p.organisations_need_approval { "yes" } else { "no" }) }
                dt { "Under-attack mode" } dd {
                    (p.under_attack.as_deref().unwrap_or("off (never switched)")) " "
                    a href=(format!("{base}/attack")) { "Under-attack mode" }
                }
            }
            nav aria-label="This letter" {
                ul {
                    li { a href=(format!("{base}/edit")) { "Edit the letter" } }
                    li { a href=(format!("{base}/dashboard")) { "Dashboard" } }
                    li { a href=(format!("{base}/approvals")) { "Approvals" } }
                    li { a href=(format!("{base}/signatures")) { "Signatures" } }
                    li { a href=(format!("{base}/export")) { "Export signatures" } }
                    li { a href=(format!("{base}/webhooks")) { "Webhooks" } }
                    li { a href=(format!("{base}/snapshots")) { "Verifiable list (snapshots)" } }
                    li { a href=(format!("{base}/translations")) { "Translations" } }
                    li { a href=(format!("{base}/delivery")) { "Deliver" } }
                }
            }
            h2 { "Lifecycle" }
            @match p.status {
                "draft" => (action_form(p.id, p.bar.csrf, "publish", "Publish",
                    Some("Opens the letter for signatures on its public page. Its address then no longer changes."))),
                "open" => (action_form(p.id, p.bar.csrf, "close", "Close", Some("The letter stops taking signatures."))),
                "closed" => (action_form(p.id, p.bar.csrf, "reopen", "Reopen", Some("The letter takes signatures again (not after its deadline)."))),
                _ => p { "No action." },
            }
            @if let Some(url) = &p.public_url { (crate::embed::embed_section(url, p.title)) }
            h2 { "Private preview link" }
            @if let Some(url) = &p.preview_url {
                p { "Anyone with this link can read the letter as it stands, drafts included:" }
                p { code { (url) } }
            } @else {
                p { "There is no preview link." }
            }
            form method="post" action=(format!("{base}/preview-link")) {
                (csrf_field(p.bar.csrf))
                button.button.button--secondary type="submit" name="action" value="make" {
                    @if p.preview_url.is_some() { "Replace the link" } @else { "Make a link" }
                }
                @if p.preview_url.is_some() {
                    " "
                    button.button.button--secondary type="submit" name="action" value="revoke" { "Revoke the link" }
                }
            }
            h2 { "Targets" }
            @if p.targets.is_empty() {
                p { "No target yet." }
            } @else {
                ul {
                    @for t in p.targets {
                        li {
                            (t.name)
                            @if let Some(person) = &t.person {
                                ", " (person)
                                @if let Some(title) = &t.person_title { " (" (title) ")" }
                            }
                            " <" (t.email) ">"
                        }
                    }
                }
            }
            h2 { "Versions of the text" }
            table {
                thead { tr { th { "Version" } th { "Title" } th { "Saved (UTC)" } } }
                tbody {
                    @for v in p.versions {
                        tr {
                            td {
                                (v.number)
                                @if v.number == p.current_version { " (current)" }
                            }
                            td { (v.title) }
                            td { (v.created_at) }
                        }
                    }
                }
            }
        },
    )
}

/// The address of a letter's private preview.
pub fn preview_path(slug: &str, key: &str) -> String {
    format!("{}/preview/{}", letter_path(slug), path_segment(key))
}
