//! Server-rendered HTML views, emails and the stylesheet for undersigned; views take plain structs and know nothing of storage.
//!
//! Every page function returns a complete HTML document (it wraps itself in
//! [`layout`]), so a handler can hand the `Markup` straight to the response.
//! All text from users or the database is escaped by maud; the one exception
//! is [`LetterPage::body_html`], which the caller has already sanitised.

mod confirm;
mod email;
mod error_page;
mod home;
mod layout;
mod letter;
mod mailbox;
mod sign_form;
mod staff;
mod util;

#[cfg(test)]
mod tests;

pub use confirm::{
    ConfirmPage, ConfirmState, LinkInvalidPage, check_inbox, confirm, link_invalid,
    resend_requested,
};
pub use email::{
    AlreadySignedEmail, ConfirmationEmail, Email, already_signed_email, confirmation_email,
};
pub use error_page::{ErrorPage, error};
pub use home::{LetterSummary, home};
pub use layout::{Page, SITE_NAME, layout};
pub use letter::{
    IndividualSignatory, LetterPage, LetterStatus, OrganisationSignatory, Paging, letter,
};
pub use mailbox::{MailboxMessage, dev_mailbox};
pub use sign_form::{FieldError, SignForm, SignFormValues, SignerKind};
pub use staff::{
    AccountRow, AccountsPage, AuditPage, AuditRow, ChangePasswordPage, PasswordLinkPage,
    SignInPage, StaffBar, accounts, audit, change_password, password_link, sign_in, staff_home,
};
pub use staff::{
    CountRow, DashboardPage, FailureRow, HourBar, HourlyChart, LastHourView, OutboxView, Tally,
    dashboard, hourly_chart,
};

/// The site stylesheet, served by the app at `/static/style.css`.
pub const STYLESHEET: &str = include_str!("style.css");
