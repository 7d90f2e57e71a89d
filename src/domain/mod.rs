//! Parse-don't-validate types for everything a signer (or a letter's author) types.

// Each type can only be built through its `parse` function, so holding a value is proof
// that the input was checked and cleaned: handlers parse form fields into these types at
// the edge, and the rest of the service never handles raw strings.

mod canonical_email;
mod confirmation_token;
mod content;
mod country;
mod error;
mod short_text;
mod signer_email;
mod signer_name;
mod skeleton;
mod slug;
mod text;
mod website;

pub use canonical_email::canonical_email;
pub use confirmation_token::ConfirmationToken;
pub use content::ContentProblem;
pub use country::Country;
pub use error::DomainError;
pub use short_text::ShortText;
pub use signer_email::SignerEmail;
pub use signer_name::SignerName;
pub use skeleton::name_skeleton;
pub use slug::Slug;
pub use website::Website;
