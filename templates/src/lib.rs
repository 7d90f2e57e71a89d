//! Server-rendered HTML views, emails and the stylesheet for undersigned; views take plain structs and know nothing of storage.
//!
//! Every page function returns a complete HTML document (it wraps itself in
//! [`layout`]), so a handler can hand the `Markup` straight to the response.
//! All text from users or the database is escaped by maud; the one exception
//! is [`LetterPage::body_html`], which the caller has already sanitised.

mod confirm;
mod delivery_email;
mod email;
mod embed;
mod error_page;
mod home;
pub mod i18n;
mod layout;
mod letter;
mod mailbox;
mod pow;
mod privacy;
mod proofs;
mod receipt;
mod share_meta;
mod sign_form;
mod staff;
mod util;
mod versions;

#[cfg(test)]
mod i18n_tests;
#[cfg(test)]
mod tests;

pub use confirm::{
    ConfirmPage, ConfirmState, LinkInvalidPage, check_inbox, confirm, confirm_with_proof,
    link_invalid, resend_requested,
};
pub use email::{
    AlreadySignedEmail, ConfirmationEmail, Email, ReviewEmail, already_signed_email,
    approval_email, confirmation_email, rejection_email,
};
pub use error_page::{ErrorPage, error};
pub use home::{LetterSummary, home};
pub use i18n::{Dir, LANGUAGES, Lang, Language, PSEUDO_LANGUAGES};
pub use layout::{Page, SITE_NAME, layout};
pub use letter::{
    IndividualSignatory, LetterPage, LetterStatus, OrganisationSignatory, Paging, TranslationNote,
    letter,
};
pub use mailbox::{MailboxMessage, dev_mailbox};
pub use pow::{ProofPage, proof_page};
pub use privacy::{
    DataRow, MyDataPage, PrivacyPage, WithdrawPage, WithdrawState, data_request_email, my_data,
    privacy, with_withdraw_link, withdraw,
};
pub use staff::{AttackPage, AttackState, attack as attack_mode};

/// The script that solves the proof of work on [`proof_page`], served at `/static/pow.js`.
pub const POW_SCRIPT: &str = include_str!("pow.js");
pub use sign_form::{
    FieldError, HONEYPOT_FIELD, SignForm, SignFormValues, SignerKind, SignerKinds,
};
pub use staff::{
    AccountRow, AccountsPage, AuditPage, AuditRow, ChangePasswordPage, PasswordLinkPage,
    SignInPage, StaffBar, accounts, audit, change_password, password_link, sign_in, staff_home,
};
pub use staff::{ApiKeyLetter, ApiKeyRow, ApiKeysPage, api_keys};
pub use staff::{
    ApprovalRow, ApprovalsPage, BulkConfirmPage, CountRow, DashboardPage, FailureRow, HourBar,
    HourlyChart, LETTER_STATUSES, LastHourView, LetterFormPage, LetterFormValues,
    LetterOverviewPage, OutboxView, SearchFilters, SignatureRow, SignaturesPage, StaffLetterRow,
    StaffLettersPage, Tally, TargetInput, TargetView, VersionView, approvals, bulk_confirm,
    dashboard, hourly_chart, letter_form, letter_overview, preview_path, signatures, staff_letters,
};
pub use staff::{ExportColumn, ExportPage, export};
pub use staff::{ListRuleForm, ListRuleRow, ListsPage, screening_lists};
pub use staff::{QuarantinePage, QuarantineRow, quarantine};
pub use staff::{StaffSnapshotsPage, staff_snapshots};
pub use staff::{WebhookAttemptRow, WebhookForm, WebhookRow, WebhooksPage, webhooks};

pub use proofs::{
    ListRoot, SignerProofPage, SignerProofState, SnapshotRow, SnapshotsPage, consistency_path,
    list_json_path, list_path, list_root, list_snapshots, proof_json_path, proof_link_note,
    signer_proof, with_proof_link,
};
pub use staff::{TranslationForm, TranslationsPage, translations};

pub use delivery_email::{DeliveredNotice, DeliveryEmail, delivered_notice, delivery_email};
pub use receipt::{
    ReceiptPage, ReceiptTargetView, ReceiptView, receipt, receipt_block, receipt_path,
};
pub use staff::{DeliveryPage, DeliveryRow, DeliveryTargetChoice, DeliveryTargetRow, delivery};

pub use versions::{
    DiffPiece, DiffTag, VersionDiff, VersionPage, VersionRow, VersionsPage, version, versions,
};

/// The site stylesheet, served by the app at `/static/style.css`.
pub const STYLESHEET: &str = include_str!("style.css");

// Sharing a letter: the embeddable widget and the link-preview tags.
pub use embed::{
    EMBED_REFRESH_SECS, EmbedPage, embed, embed_section, embed_snippet, signature_count_text,
};
pub use layout::layout_with_head;
pub use letter::letter_with_share;
pub use share_meta::{SHARE_IMAGE_SIZE, ShareMeta, share_meta};
