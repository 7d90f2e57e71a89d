//! The two signing forms on a letter page (individual and organisation), with inline errors and an error summary.

use maud::{Markup, html};

use crate::i18n::Lang;
use crate::util::{
    HeadingLevel, SummaryItem, described_by, error_summary, field_error_in, sign_path,
};

/// Which text the forms were shown with, carried back in hidden fields.
pub(crate) struct FormText<'a> {
    pub(crate) version: u32,
    pub(crate) text_id: &'a str,
    /// The signed time the form was rendered at.
    pub(crate) form_stamp: &'a str,
    /// The language of the translation shown instead of the original, if any.
    pub(crate) text_language: Option<&'a str>,
}

/// The name of the honeypot field: people never see it, some robots fill it in.
pub const HONEYPOT_FIELD: &str = "homepage";

/// The hidden fields every sign form carries back: its kind, the text it was shown
/// with, the signed render time, and the honeypot. The honeypot is moved off screen
/// by the stylesheet, hidden from assistive technology, out of the tab order and never
/// autofilled; its label still tells anyone who meets it to leave it empty.
fn hidden_fields(lang: &Lang, kind: SignerKind, text: &FormText<'_>) -> Markup {
    let id = format!("{}-{HONEYPOT_FIELD}", kind.id_prefix());
    html! {
        input type="hidden" name="kind" value=(kind.as_str());
        input type="hidden" name="version" value=(text.version);
        input type="hidden" name="text_id" value=(text.text_id);
        input type="hidden" name="form_stamp" value=(text.form_stamp);
        @if let Some(text_language) = text.text_language {
            input type="hidden" name="text_language" value=(text_language);
        }
        div.hp aria-hidden="true" {
            label for=(id) { (lang.t("honeypot-label")) }
            input type="text" id=(id) name=(HONEYPOT_FIELD) value="" tabindex="-1" autocomplete="off";
        }
    }
}

/// Who is signing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignerKind {
    Individual,
    Organisation,
}

impl SignerKind {
    /// The value of the hidden `kind` field of each form.
    pub fn as_str(self) -> &'static str {
        match self {
            SignerKind::Individual => "individual",
            SignerKind::Organisation => "organisation",
        }
    }

    /// Parses the hidden `kind` field; `None` for anything else.
    pub fn from_form_value(value: &str) -> Option<Self> {
        match value {
            "individual" => Some(SignerKind::Individual),
            "organisation" => Some(SignerKind::Organisation),
            _ => None,
        }
    }

    /// Prefix of every element id in this kind's form, so the two forms never share an id.
    fn id_prefix(self) -> &'static str {
        match self {
            SignerKind::Individual => "ind",
            SignerKind::Organisation => "org",
        }
    }

    /// Input names in the order they appear, which is also the order of the error summary.
    fn fields(self) -> &'static [&'static str] {
        match self {
            SignerKind::Individual => &[
                "name",
                "email",
                "country",
                "city",
                "occupation",
                "show_publicly",
                "wants_updates",
            ],
            SignerKind::Organisation => &[
                "organisation_name",
                "country",
                "website",
                "name",
                "email",
                "role",
                "wants_updates",
            ],
        }
    }
}

/// What the signer typed, echoed back when the form has to be shown again.
#[derive(Clone, Debug, Default)]
pub struct SignFormValues {
    pub name: String,
    pub email: String,
    /// Country code, one of the codes in [`SignForm::countries`].
    pub country: String,
    pub city: String,
    pub occupation: String,
    pub organisation_name: String,
    pub website: String,
    pub role: String,
    pub show_publicly: bool,
    pub wants_updates: bool,
}

/// A validation problem with one field.
#[derive(Clone, Debug)]
pub struct FieldError {
    /// The input name (e.g. "email"). Any other value is listed in the summary without a link.
    pub field: String,
    pub message: String,
}

/// State of the signing forms on a letter page.
#[derive(Clone, Debug)]
pub struct SignForm<'a> {
    /// Which form was submitted; its values and errors are shown in that form only.
    pub submitted: Option<SignerKind>,
    pub values: SignFormValues,
    pub errors: Vec<FieldError>,
    /// `(code, name)` pairs for the country select.
    pub countries: &'a [(&'static str, &'static str)],
    /// Which kinds of signer the letter takes: only their forms are shown.
    pub kinds: SignerKinds,
}

/// Which kinds of signer a letter takes (at least one, as staff set it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignerKinds {
    pub individuals: bool,
    pub organisations: bool,
}

impl Default for SignerKinds {
    fn default() -> Self {
        SignerKinds {
            individuals: true,
            organisations: true,
        }
    }
}

impl SignerKinds {
    /// Whether the form of `kind` is offered.
    pub fn offers(self, kind: SignerKind) -> bool {
        match kind {
            SignerKind::Individual => self.individuals,
            SignerKind::Organisation => self.organisations,
        }
    }
}

impl SignForm<'_> {
    /// True when the submitted form has errors to show.
    pub(crate) fn has_errors(&self) -> bool {
        self.submitted.is_some() && !self.errors.is_empty()
    }
}

/// Id of the error summary of a form, for links from elsewhere on the page.
pub(crate) fn error_summary_id(kind: SignerKind) -> String {
    format!("{}-errors", kind.id_prefix())
}

/// Id of a form element.
pub(crate) fn form_id(kind: SignerKind) -> &'static str {
    match kind {
        SignerKind::Individual => "sign-individual",
        SignerKind::Organisation => "sign-organisation",
    }
}

/// What one of the two forms shows: its own values and errors, or blanks.
struct FormCtx<'a> {
    lang: &'a Lang,
    kind: SignerKind,
    values: &'a SignFormValues,
    errors: Vec<&'a FieldError>,
}

impl<'a> FormCtx<'a> {
    fn new(
        lang: &'a Lang,
        kind: SignerKind,
        form: &'a SignForm<'_>,
        blank: &'a SignFormValues,
    ) -> Self {
        // Only the submitted form keeps what was typed; the other one starts afresh
        // so that, say, a person's name never lands in the organisation form.
        if form.submitted == Some(kind) {
            FormCtx {
                lang,
                kind,
                values: &form.values,
                errors: form.errors.iter().collect(),
            }
        } else {
            FormCtx {
                lang,
                kind,
                values: blank,
                errors: Vec::new(),
            }
        }
    }

    fn id(&self, field: &str) -> String {
        format!("{}-{}", self.kind.id_prefix(), field.replace('_', "-"))
    }

    fn messages(&self, field: &str) -> Vec<&'a str> {
        self.errors
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
            .collect()
    }

    fn summary(&self) -> Markup {
        if self.errors.is_empty() {
            return html! {};
        }
        let fields = self.kind.fields();
        let mut errors = self.errors.clone();
        // Stable sort: errors follow the order of the fields, unknown fields last.
        errors.sort_by_key(|e| {
            fields
                .iter()
                .position(|f| *f == e.field)
                .unwrap_or(fields.len())
        });
        let items: Vec<SummaryItem<'_>> = errors
            .iter()
            .map(|e| SummaryItem {
                href: fields
                    .contains(&e.field.as_str())
                    .then(|| format!("#{}", self.id(&e.field))),
                message: &e.message,
            })
            .collect();
        error_summary(
            &error_summary_id(self.kind),
            HeadingLevel::H4,
            &self.lang.t("sign-problem"),
            &items,
        )
    }
}

/// Description of one text input; `label` and `hint` are message keys.
struct TextField<'v> {
    name: &'static str,
    label: &'static str,
    value: &'v str,
    input_type: &'static str,
    autocomplete: &'static str,
    optional: bool,
    hint: Option<&'static str>,
}

fn text_field(ctx: &FormCtx<'_>, f: &TextField<'_>) -> Markup {
    let id = ctx.id(f.name);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let messages = ctx.messages(f.name);
    let invalid = !messages.is_empty();
    let describedby = described_by(&[
        f.hint.map(|_| hint_id.as_str()),
        invalid.then_some(error_id.as_str()),
    ]);
    html! {
        div.field."field--invalid"[invalid] {
            label for=(id) {
                (ctx.lang.t(f.label))
                @if f.optional { " " span.optional { (ctx.lang.t("optional")) } }
            }
            (field_error_in(ctx.lang, &error_id, &messages))
            input type=(f.input_type) id=(id) name=(f.name) value=(f.value)
                autocomplete=(f.autocomplete) required[!f.optional]
                aria-invalid=[invalid.then_some("true")] aria-describedby=[describedby];
            @if let Some(hint) = f.hint {
                p.hint id=(hint_id) { (ctx.lang.t(hint)) }
            }
        }
    }
}

fn country_field(ctx: &FormCtx<'_>, countries: &[(&'static str, &'static str)]) -> Markup {
    let id = ctx.id("country");
    let error_id = format!("{id}-error");
    let messages = ctx.messages("country");
    let invalid = !messages.is_empty();
    let selected = ctx.values.country.as_str();
    html! {
        div.field."field--invalid"[invalid] {
            label for=(id) { (ctx.lang.t("field-country")) }
            (field_error_in(ctx.lang, &error_id, &messages))
            select id=(id) name="country" autocomplete="country" required
                aria-invalid=[invalid.then_some("true")]
                aria-describedby=[invalid.then_some(error_id.as_str())] {
                option value="" selected[selected.is_empty()] { (ctx.lang.t("choose-country")) }
                // Country names are data (`undersigned::domain::Country`, in English).
                @for (code, name) in countries {
                    option value=(code) selected[*code == selected] { (name) }
                }
            }
        }
    }
}

/// "How we use your data: privacy." under each form.
fn privacy_note(lang: &Lang) -> Markup {
    lang.html(
        "privacy-note",
        &[(
            "link",
            html! { a href="/privacy" { (lang.t("privacy-note-link")) } },
        )],
    )
}

fn checkbox_field(
    ctx: &FormCtx<'_>,
    name: &'static str,
    label: &'static str,
    checked: bool,
    hint: Option<&'static str>,
) -> Markup {
    let id = ctx.id(name);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let messages = ctx.messages(name);
    let invalid = !messages.is_empty();
    let describedby = described_by(&[
        hint.map(|_| hint_id.as_str()),
        invalid.then_some(error_id.as_str()),
    ]);
    html! {
        div.field.checkbox."field--invalid"[invalid] {
            (field_error_in(ctx.lang, &error_id, &messages))
            div.checkbox-row {
                input type="checkbox" id=(id) name=(name) value="on" checked[checked]
                    aria-invalid=[invalid.then_some("true")] aria-describedby=[describedby];
                label for=(id) { (ctx.lang.t(label)) }
            }
            @if let Some(hint) = hint {
                p.hint id=(hint_id) { (ctx.lang.t(hint)) }
            }
        }
    }
}

const EMAIL_HINT: &str = "hint-email";
const UPDATES_LABEL: &str = "field-wants-updates";
const UPDATES_HINT: &str = "hint-wants-updates";

fn individual_form(
    slug: &str,
    text: &FormText<'_>,
    ctx: &FormCtx<'_>,
    countries: &[(&'static str, &'static str)],
) -> Markup {
    let v = ctx.values;
    let kind = SignerKind::Individual;
    html! {
        form.sign-form id=(form_id(kind)) method="post" action=(sign_path(slug))
            novalidate aria-labelledby="sign-individual-heading" {
            h3 id="sign-individual-heading" { (ctx.lang.t("sign-individual")) }
            (ctx.summary())
            (hidden_fields(ctx.lang, kind, text))
            (text_field(ctx, &TextField {
                name: "name", label: "field-full-name", value: &v.name, input_type: "text",
                autocomplete: "name", optional: false, hint: None,
            }))
            (text_field(ctx, &TextField {
                name: "email", label: "field-email", value: &v.email, input_type: "email",
                autocomplete: "email", optional: false, hint: Some(EMAIL_HINT),
            }))
            (country_field(ctx, countries))
            (text_field(ctx, &TextField {
                name: "city", label: "field-city", value: &v.city, input_type: "text",
                autocomplete: "address-level2", optional: true, hint: None,
            }))
            (text_field(ctx, &TextField {
                name: "occupation", label: "field-occupation", value: &v.occupation, input_type: "text",
                autocomplete: "organization-title", optional: true,
                hint: Some("hint-occupation"),
            }))
            (checkbox_field(ctx, "show_publicly", "field-show-publicly",
                v.show_publicly, Some("hint-show-publicly")))
            (checkbox_field(ctx, "wants_updates", UPDATES_LABEL, v.wants_updates, Some(UPDATES_HINT)))
            button.button type="submit" { (ctx.lang.t("sign-individual")) }
            p.hint { (privacy_note(ctx.lang)) }
        }
    }
}

fn organisation_form(
    slug: &str,
    text: &FormText<'_>,
    ctx: &FormCtx<'_>,
    countries: &[(&'static str, &'static str)],
) -> Markup {
    let v = ctx.values;
    let kind = SignerKind::Organisation;
    html! {
        form.sign-form id=(form_id(kind)) method="post" action=(sign_path(slug))
            novalidate aria-labelledby="sign-organisation-heading" {
            h3 id="sign-organisation-heading" { (ctx.lang.t("sign-organisation")) }
            p { (ctx.lang.t("sign-organisation-intro")) }
            (ctx.summary())
            (hidden_fields(ctx.lang, kind, text))
            (text_field(ctx, &TextField {
                name: "organisation_name", label: "field-organisation-name", value: &v.organisation_name,
                input_type: "text", autocomplete: "organization", optional: false, hint: None,
            }))
            (country_field(ctx, countries))
            (text_field(ctx, &TextField {
                name: "website", label: "field-website", value: &v.website, input_type: "url",
                autocomplete: "url", optional: true, hint: Some("hint-website"),
            }))
            (text_field(ctx, &TextField {
                name: "name", label: "field-contact-person", value: &v.name, input_type: "text",
                autocomplete: "name", optional: false, hint: Some("hint-not-shown"),
            }))
            (text_field(ctx, &TextField {
                name: "email", label: "field-contact-email", value: &v.email, input_type: "email",
                autocomplete: "email", optional: false, hint: Some(EMAIL_HINT),
            }))
            (text_field(ctx, &TextField {
                name: "role", label: "field-role", value: &v.role, input_type: "text",
                autocomplete: "organization-title", optional: true,
                hint: Some("hint-role"),
            }))
            (checkbox_field(ctx, "wants_updates", UPDATES_LABEL, v.wants_updates, Some(UPDATES_HINT)))
            button.button type="submit" { (ctx.lang.t("sign-organisation-button")) }
            p.hint { (privacy_note(ctx.lang)) }
        }
    }
}

/// The "Sign this letter" section with both forms; only rendered for open letters. Both
/// forms carry the version of the text the page shows.
pub(crate) fn sign_section(
    lang: &Lang,
    slug: &str,
    text: &FormText<'_>,
    form: &SignForm<'_>,
) -> Markup {
    let blank = SignFormValues::default();
    let individual = FormCtx::new(lang, SignerKind::Individual, form, &blank);
    let organisation = FormCtx::new(lang, SignerKind::Organisation, form, &blank);
    html! {
        section.sign id="sign" aria-labelledby="sign-heading" {
            h2 id="sign-heading" { (lang.t("sign-this-letter")) }
            @let kinds = form.kinds;
            p {
                @if kinds.individuals && kinds.organisations {
                    (lang.html("sign-intro-both", &[
                        ("individual", html! { a href="#sign-individual" { (lang.t("sign-intro-individual-link")) } }),
                        ("organisation", html! { a href="#sign-organisation" { (lang.t("sign-intro-organisation-link")) } }),
                    ]))
                } @else if kinds.organisations {
                    (lang.t("sign-intro-organisations-only"))
                } @else {
                    (lang.t("sign-intro-individuals-only"))
                }
                " "
                (lang.t("sign-intro-email"))
            }
            @if kinds.individuals {
                (individual_form(slug, text, &individual, form.countries))
            }
            @if kinds.organisations {
                (organisation_form(slug, text, &organisation, form.countries))
            }
        }
    }
}
