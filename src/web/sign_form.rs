//! The sign form as posted, and its checking into a `NewSignature` or one message per
//! bad field.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::{Country, DomainError, ShortText, SignerEmail, SignerName, Website};
use crate::entities::{SignatureKind, letter};
use crate::store::signatures::NewSignature;

/// Longest city, occupation or role we keep.
const SHORT_TEXT_MAX: usize = 120;

/// Every field of both forms, as text; missing fields are empty. `Serialize` gives the
/// fields back as the proof-of-work page carries them (`web::pow`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SignFormInput {
    pub kind: String,
    pub name: String,
    pub email: String,
    pub country: String,
    pub city: String,
    pub occupation: String,
    pub organisation_name: String,
    pub website: String,
    pub role: String,
    pub show_publicly: Option<String>,
    pub wants_updates: Option<String>,
    /// The version of the letter's text the form was shown with (a hidden field).
    pub version: String,
    /// The fingerprint of that text (a hidden field, see [`text_id`]); checked when sent.
    pub text_id: Option<String>,
    /// A solved proof of work, when the letter is under attack (see `web::pow`).
    #[serde(skip_serializing)]
    pub altcha: Option<String>,
    /// A delay ticket, the no-JavaScript way past the under-attack mode.
    #[serde(skip_serializing)]
    pub pow_ticket: Option<String>,
    /// The signed render time (a hidden field, see `crate::abuse::screen`).
    pub form_stamp: String,
    /// The honeypot ([`templates::HONEYPOT_FIELD`]): people leave it empty.
    pub homepage: String,
    /// The language of the letter's translation the form was shown with (a hidden
    /// field, empty for the original); recorded with the signature once checked.
    pub text_language: String,
}

/// What the sign form showed: the version number and fingerprint it carries back.
#[derive(Clone, Debug, Default)]
pub struct Shown {
    pub version: Option<i32>,
    pub text_id: Option<String>,
}

impl Shown {
    /// Whether the form showed the text `letter` has now. The number alone is not enough:
    /// a version nobody has signed yet is corrected in place and keeps its number, and the
    /// fingerprint tells a form from before the correction. A form without a fingerprint
    /// (not from our page) is judged by the number alone.
    pub fn is_current(&self, letter: &letter::Model) -> bool {
        self.version == Some(letter.version)
            && self
                .text_id
                .as_deref()
                .is_none_or(|shown| shown == text_id(letter))
    }
}

/// A short fingerprint of a letter's text (title, summary, body): 96 bits of a SHA-256
/// over the three, each prefixed by its length so no two texts share an input.
pub fn text_id(letter: &letter::Model) -> String {
    let mut hash = Sha256::new();
    for part in [&letter.title, &letter.summary, &letter.body] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    URL_SAFE_NO_PAD.encode(&hash.finalize()[..12])
}

impl SignFormInput {
    /// Which form was sent; anything else is not a form of ours.
    pub fn kind(&self) -> Option<SignatureKind> {
        match self.kind.as_str() {
            "individual" => Some(SignatureKind::Individual),
            "organisation" => Some(SignatureKind::Organisation),
            _ => None,
        }
    }

    /// The version of the letter's text the signer was shown, when the form says one;
    /// `None` for a form without it (from before versions, or made by hand) or with
    /// anything but a version number, which counts as stale.
    pub fn shown_version(&self) -> Option<i32> {
        self.version.trim().parse().ok().filter(|v| *v > 0)
    }

    /// What the form says it showed.
    pub fn shown(&self) -> Shown {
        Shown {
            version: self.shown_version(),
            text_id: self.text_id.clone(),
        }
    }

    /// The values to put back into the form when it is shown again.
    pub fn values(&self) -> templates::SignFormValues {
        templates::SignFormValues {
            name: self.name.clone(),
            email: self.email.clone(),
            country: self.country.clone(),
            city: self.city.clone(),
            occupation: self.occupation.clone(),
            organisation_name: self.organisation_name.clone(),
            website: self.website.clone(),
            role: self.role.clone(),
            show_publicly: ticked(&self.show_publicly),
            wants_updates: ticked(&self.wants_updates),
        }
    }

    /// Checks every field of the form of `kind`, collecting all problems at once (their
    /// messages in English).
    pub fn parse(
        &self,
        kind: SignatureKind,
        client_ip: Option<String>,
    ) -> Result<NewSignature, Vec<templates::FieldError>> {
        self.parse_with(kind, client_ip, &|e| e.to_string())
    }

    /// [`SignFormInput::parse`] with the messages in `lang`, for the signer's page.
    pub fn parse_in(
        &self,
        lang: &templates::Lang,
        kind: SignatureKind,
        client_ip: Option<String>,
    ) -> Result<NewSignature, Vec<templates::FieldError>> {
        self.parse_with(kind, client_ip, &|e| super::i18n::domain_message(lang, e))
    }

    fn parse_with(
        &self,
        kind: SignatureKind,
        client_ip: Option<String>,
        message: &dyn Fn(&DomainError) -> String,
    ) -> Result<NewSignature, Vec<templates::FieldError>> {
        let mut errors = Vec::new();
        let organisation = kind == SignatureKind::Organisation;
        let organisation_name = if organisation {
            check(
                &mut errors,
                message,
                "organisation_name",
                SignerName::parse(&self.organisation_name).map_err(|e| match e {
                    DomainError::NameEmpty => DomainError::OrganisationNameEmpty,
                    other => other,
                }),
            )
            .map(Some)
        } else {
            Some(None)
        };
        let name = check(&mut errors, message, "name", SignerName::parse(&self.name));
        let email = check(
            &mut errors,
            message,
            "email",
            SignerEmail::parse(&self.email),
        );
        let country = check(
            &mut errors,
            message,
            "country",
            Country::parse(&self.country),
        );
        let (city, occupation, website, role) = if organisation {
            (
                Some(None),
                Some(None),
                check(
                    &mut errors,
                    message,
                    "website",
                    optional_website(&self.website),
                ),
                check(
                    &mut errors,
                    message,
                    "role",
                    ShortText::parse_signer_optional(&self.role, SHORT_TEXT_MAX),
                ),
            )
        } else {
            (
                check(
                    &mut errors,
                    message,
                    "city",
                    ShortText::parse_signer_optional(&self.city, SHORT_TEXT_MAX),
                ),
                check(
                    &mut errors,
                    message,
                    "occupation",
                    ShortText::parse_signer_optional(&self.occupation, SHORT_TEXT_MAX),
                ),
                Some(None),
                Some(None),
            )
        };
        match (
            name,
            email,
            country,
            city,
            occupation,
            organisation_name,
            website,
            role,
        ) {
            (
                Some(name),
                Some(email),
                Some(country),
                Some(city),
                Some(occupation),
                Some(organisation_name),
                Some(website),
                Some(role),
            ) if errors.is_empty() => Ok(NewSignature {
                kind,
                name,
                email,
                country,
                city,
                occupation,
                organisation_name,
                website,
                role,
                // Organisations are listed by name; the contact person never is.
                show_publicly: !organisation && ticked(&self.show_publicly),
                wants_updates: ticked(&self.wants_updates),
                client_ip,
                // The handler sets the languages the form was shown in.
                language: templates::Lang::english().tag().to_owned(),
                text_language: None,
            }),
            _ => Err(errors),
        }
    }
}

/// The value, or `None` with the field's message added to `errors`.
fn check<T>(
    errors: &mut Vec<templates::FieldError>,
    message: &dyn Fn(&DomainError) -> String,
    field: &str,
    result: Result<T, crate::domain::DomainError>,
) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(templates::FieldError {
                field: field.to_string(),
                message: message(&e),
            });
            None
        }
    }
}

/// The website is optional: small groups often have none.
fn optional_website(input: &str) -> Result<Option<Website>, DomainError> {
    if input.trim().is_empty() {
        Ok(None)
    } else {
        Website::parse(input).map(Some)
    }
}

/// A checkbox counts only when it was ticked (browsers send "on").
fn ticked(value: &Option<String>) -> bool {
    matches!(value.as_deref(), Some("on" | "true" | "1" | "yes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn individual() -> SignFormInput {
        SignFormInput {
            kind: "individual".into(),
            name: "Ada Lovelace".into(),
            email: "ada@example.org".into(),
            country: "GB".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_individual_form_parses() {
        let new = individual().parse(SignatureKind::Individual, None).unwrap();
        assert_eq!(new.name.as_str(), "Ada Lovelace");
        assert!(!new.show_publicly && !new.wants_updates);
    }

    #[test]
    fn only_a_positive_number_is_a_shown_version() {
        let with = |v: &str| SignFormInput {
            version: v.into(),
            ..individual()
        };
        assert_eq!(with("2").shown_version(), Some(2));
        assert_eq!(with(" 3 ").shown_version(), Some(3));
        for garbage in ["", "0", "-1", "1.5", "two", "99999999999"] {
            assert_eq!(with(garbage).shown_version(), None, "{garbage}");
        }
    }

    #[test]
    fn a_form_shows_the_current_text_only_with_its_number_and_fingerprint() {
        let at = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap();
        let mut letter = letter::Model {
            id: 1,
            slug: "l".into(),
            title: "Free them".into(),
            summary: "Now".into(),
            body: "We ask.".into(),
            language: "en".into(),
            status: crate::entities::LetterStatus::Open,
            goal: None,
            deadline: None,
            opened_at: Some(at),
            created_at: at,
            updated_at: at,
            individuals_may_sign: true,
            organisations_may_sign: true,
            organisations_need_approval: false,
            preview_key: None,
            version: 2,
            closed_at: None,
        };
        let shown = |version: &str, text: Option<String>| {
            SignFormInput {
                version: version.into(),
                text_id: text,
                ..individual()
            }
            .shown()
        };
        assert!(shown("2", Some(text_id(&letter))).is_current(&letter));
        assert!(shown("2", None).is_current(&letter));
        assert!(!shown("1", Some(text_id(&letter))).is_current(&letter));
        assert!(!shown("", None).is_current(&letter));
        assert!(!shown("2", Some(String::new())).is_current(&letter));
        // Corrected in place: same number, another text.
        let before = text_id(&letter);
        letter.body.push_str(" Corrected.");
        assert!(!shown("2", Some(before)).is_current(&letter));
        // The fields cannot trade characters and keep the fingerprint.
        let mut moved = letter.clone();
        moved.title = format!("{}{}", letter.title, letter.summary);
        moved.summary = String::new();
        assert_ne!(text_id(&moved), text_id(&letter));
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let form = SignFormInput {
            kind: "individual".into(),
            email: "not-an-email".into(),
            ..Default::default()
        };
        let errors = form.parse(SignatureKind::Individual, None).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "email", "country"]);
    }

    #[test]
    fn an_organisation_needs_its_name_and_a_website_that_works_if_given() {
        let mut form = individual();
        form.kind = "organisation".into();
        form.website = "javascript:alert(1)".into();
        let errors = form.parse(SignatureKind::Organisation, None).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["organisation_name", "website"]);
        assert_eq!(errors[0].message, "Enter the name of the organisation");
        form.organisation_name = "Rights Watch".into();
        form.website = "rights.example.org".into();
        form.show_publicly = Some("on".into());
        let new = form.parse(SignatureKind::Organisation, None).unwrap();
        assert_eq!(new.website.unwrap().as_str(), "https://rights.example.org/");
        assert!(!new.show_publicly);
    }
}
