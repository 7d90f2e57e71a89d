//! The one error type of the domain module; its `Display` is shown to the signer.

/// Why a value typed into a form was refused.
///
/// The `Display` text is shown next to the form field, so each message is a polite
/// instruction that tells the person what to do, never what the program found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("Enter your email address")]
    EmailEmpty,
    #[error("Enter an email address of at most {max} characters")]
    EmailTooLong { max: usize },
    #[error(
        "Enter only the email address, in the form name@example.org, without a name or brackets around it"
    )]
    EmailDisplayName,
    #[error("Enter just one email address, in the form name@example.org")]
    EmailMultiple,
    #[error("Enter an email address in the form name@example.org")]
    EmailInvalid,

    #[error("Enter your name")]
    NameEmpty,
    #[error("Enter the name of the organisation")]
    OrganisationNameEmpty,
    #[error("Enter a name of at most {max} characters")]
    NameTooLong { max: usize },
    #[error("Remove the invisible control or text-direction characters from your name")]
    NameForbiddenCharacter,

    /// A name or organisation name holding a link, an address, a phone number, a leading
    /// formula character, or nothing visible.
    #[error("{}", .0.message())]
    NameContent(super::ContentProblem),

    #[error("Enter at most {max} characters here")]
    TextTooLong { max: usize },
    #[error("Remove the invisible control or text-direction characters from this field")]
    TextForbiddenCharacter,

    /// A signer's city, occupation or role with what a name may not hold either.
    #[error("{}", .0.message())]
    TextContent(super::ContentProblem),

    #[error("Choose a country from the list")]
    CountryUnknown,

    #[error("Enter a web address of at most {max} characters")]
    WebsiteTooLong { max: usize },
    #[error(
        "Enter a web address that starts with http:// or https://, or just the address, like example.org"
    )]
    WebsiteScheme,
    #[error("Enter a web address with a domain name, like example.org")]
    WebsiteHost,
    #[error("Enter the web address without a user name or password in it")]
    WebsiteCredentials,
    #[error("Enter a web address in the form example.org or https://example.org/page")]
    WebsiteInvalid,

    #[error("Enter a short address for the letter")]
    SlugEmpty,
    #[error("Use at most {max} characters for the letter's short address")]
    SlugTooLong { max: usize },
    #[error(
        "Use only lowercase letters a to z, digits and single hyphens for the letter's short address, with no hyphen at the start or end"
    )]
    SlugInvalid,

    #[error(
        "This confirmation link is incomplete or damaged. Open the link from the email again, or copy the whole link into your browser"
    )]
    TokenInvalid,
}
