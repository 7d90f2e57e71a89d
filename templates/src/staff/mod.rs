//! The staff workspace's pages: sign-in, password links, own password, home, accounts and
//! the audit log. Every form posts to the service itself and works without JavaScript;
//! every form of a signed-in person carries the session's CSRF token.

mod api_keys;
mod attack;
mod dashboard;
mod delivery;
mod export;
mod letters;
mod lists;
mod moderation;
mod quarantine;
mod snapshots;
mod translations;
mod webhooks;

pub use api_keys::{ApiKeyLetter, ApiKeyRow, ApiKeysPage, api_keys};
pub use attack::{AttackPage, AttackState, attack};
#[cfg(test)]
pub(crate) use dashboard::axis_top;
pub use dashboard::{
    CountRow, DashboardPage, FailureRow, HourBar, HourlyChart, LastHourView, OutboxView, Tally,
    dashboard, hourly_chart,
};
pub use delivery::{DeliveryPage, DeliveryRow, DeliveryTargetChoice, DeliveryTargetRow, delivery};
pub use export::{ExportColumn, ExportPage, export};
pub use letters::*;
pub use lists::{ListRuleForm, ListRuleRow, ListsPage, screening_lists};
pub use moderation::{
    ApprovalRow, ApprovalsPage, BulkConfirmPage, SearchFilters, SignatureRow, SignaturesPage,
    approvals, bulk_confirm, signatures,
};
pub use quarantine::{QuarantinePage, QuarantineRow, quarantine};
pub use snapshots::{StaffSnapshotsPage, staff_snapshots};
pub use translations::{TranslationForm, TranslationsPage, translations};
pub use webhooks::{WebhookAttemptRow, WebhookForm, WebhookRow, WebhooksPage, webhooks};

use maud::{Markup, html};

use crate::layout::{Page, layout};
use crate::util::{field_error, path_segment};

/// Who is signed in, for the bar at the top of every staff page.
#[derive(Clone, Copy, Debug)]
pub struct StaffBar<'a> {
    pub email: &'a str,
    pub is_admin: bool,
    pub csrf: &'a str,
}

fn page(title: &str, bar: Option<&StaffBar<'_>>, body: Markup) -> Markup {
    layout(
        &Page {
            title,
            lang: &crate::i18n::Lang::english(),
            description: None,
        },
        html! {
            @if let Some(bar) = bar {
                nav.staff-bar aria-label="Staff" {
                    ul {
                        li { a href="/staff" { "Staff home" } }
                        li { a href="/staff/letters" { "Letters" } }
                        @if bar.is_admin {
                            li { a href="/staff/accounts" { "Accounts" } }
                            li { a href="/staff/audit" { "Audit log" } }
                            li { a href="/staff/lists" { "Screening lists" } }
                            li { a href="/staff/api-keys" { "API keys" } }
                        }
                        li { a href="/staff/password" { "Change password" } }
                    }
                    form method="post" action="/staff/sign-out" {
                        (csrf_field(bar.csrf))
                        "Signed in as " (bar.email) " "
                        button.button.button--secondary type="submit" { "Sign out" }
                    }
                }
            }
            (body)
        },
    )
}

fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// One labelled input with its error beside it.
struct Field<'a> {
    name: &'a str,
    label: &'a str,
    kind: &'a str,
    value: &'a str,
    autocomplete: &'a str,
    error: Option<&'a str>,
}

fn field(f: &Field<'_>) -> Markup {
    let id = format!("staff-{}", f.name);
    let error_id = format!("{id}-error");
    let invalid = f.error.is_some();
    let messages: Vec<&str> = f.error.into_iter().collect();
    html! {
        div.field."field--invalid"[invalid] {
            label for=(id) { (f.label) }
            (field_error(&error_id, &messages))
            input type=(f.kind) id=(id) name=(f.name) value=(f.value)
                autocomplete=(f.autocomplete) required
                aria-invalid=[invalid.then_some("true")]
                aria-describedby=[invalid.then_some(error_id.as_str())];
        }
    }
}

/// The sign-in form.
#[derive(Clone, Debug, Default)]
pub struct SignInPage<'a> {
    pub email: &'a str,
    /// Where to go after signing in (a local path).
    pub next: &'a str,
    /// The same message for an unknown email and a wrong password.
    pub error: Option<&'a str>,
}

pub fn sign_in(p: &SignInPage<'_>) -> Markup {
    page(
        "Staff sign-in",
        None,
        html! {
            h1 { "Staff sign-in" }
            @if let Some(error) = p.error {
                div.error-summary role="alert" { p { (error) } }
            }
            form method="post" action="/staff/sign-in" {
                input type="hidden" name="next" value=(p.next);
                (field(&Field { name: "email", label: "Email", kind: "email", value: p.email, autocomplete: "username", error: None }))
                (field(&Field { name: "password", label: "Password", kind: "password", value: "", autocomplete: "current-password", error: None }))
                button.button type="submit" { "Sign in" }
            }
        },
    )
}

/// The form behind a one-time password link.
#[derive(Clone, Debug, Default)]
pub struct PasswordLinkPage<'a> {
    pub token: &'a str,
    /// The first-admin link: the person also types the email of the account.
    pub first_admin: bool,
    /// The account's email, shown for a normal link; typed for the first admin.
    pub email: &'a str,
    pub email_error: Option<&'a str>,
    pub password_error: Option<&'a str>,
}

pub fn password_link(p: &PasswordLinkPage<'_>) -> Markup {
    let title = if p.first_admin {
        "Create the first admin account"
    } else {
        "Choose your password"
    };
    html! {
        (page(title, None, html! {
            h1 { (title) }
            @if p.first_admin {
                p { "No staff account exists yet. The account you create here is an admin, who can then add the others." }
            } @else {
                p { "For the staff account " strong { (p.email) } "." }
            }
            p { "Use at least 12 characters; a few unrelated words are easy to remember and hard to guess. This link works once." }
            form method="post" action=(format!("/staff/password/{}", path_segment(p.token))) {
                @if p.first_admin {
                    (field(&Field { name: "email", label: "Your email", kind: "email", value: p.email, autocomplete: "username", error: p.email_error }))
                }
                (field(&Field { name: "password", label: "New password", kind: "password", value: "", autocomplete: "new-password", error: p.password_error }))
                button.button type="submit" { "Save and sign in" }
            }
        }))
    }
}

/// Changing one's own password.
#[derive(Clone, Debug)]
pub struct ChangePasswordPage<'a> {
    pub bar: StaffBar<'a>,
    pub current_error: Option<&'a str>,
    pub new_error: Option<&'a str>,
    pub done: bool,
}

pub fn change_password(p: &ChangePasswordPage<'_>) -> Markup {
    page(
        "Change your password",
        Some(&p.bar),
        html! {
            h1 { "Change your password" }
            @if p.done {
                p.notice role="status" { "Your password was changed. Other sessions of your account were signed out." }
            }
            form method="post" action="/staff/password" {
                (csrf_field(p.bar.csrf))
                (field(&Field { name: "current", label: "Current password", kind: "password", value: "", autocomplete: "current-password", error: p.current_error }))
                (field(&Field { name: "new", label: "New password (at least 12 characters)", kind: "password", value: "", autocomplete: "new-password", error: p.new_error }))
                button.button type="submit" { "Change password" }
            }
        },
    )
}

/// The staff home page.
pub fn staff_home(bar: &StaffBar<'_>, role: &str) -> Markup {
    page(
        "Staff",
        Some(bar),
        html! {
            h1 { "Staff workspace" }
            p { "You are signed in as " strong { (bar.email) } " (" (role) ")." }
            ul {
                li { a href="/staff/letters" { "Letters: write, publish, close" } }
                @if bar.is_admin {
                    li { a href="/staff/accounts" { "Manage staff accounts" } }
                    li { a href="/staff/audit" { "Read the audit log" } }
                    li { a href="/staff/lists" { "Block and allow email domains and address ranges" } }
                    li { a href="/staff/api-keys" { "API keys for partner sites" } }
                }
                li { a href="/staff/password" { "Change your password" } }
            }
        },
    )
}

/// One account in the accounts list.
#[derive(Clone, Debug)]
pub struct AccountRow {
    pub email: String,
    pub role: &'static str,
    pub state: &'static str,
    pub last_sign_in: Option<String>,
}

/// The accounts screen (admins only).
#[derive(Clone, Debug)]
pub struct AccountsPage<'a> {
    pub bar: StaffBar<'a>,
    pub accounts: &'a [AccountRow],
    /// A one-time link just made, shown this once: (email, link).
    pub new_link: Option<(&'a str, &'a str)>,
    pub add_email: &'a str,
    pub add_error: Option<&'a str>,
}

pub fn accounts(p: &AccountsPage<'_>) -> Markup {
    page(
        "Staff accounts",
        Some(&p.bar),
        html! {
            h1 { "Staff accounts" }
            @if let Some((email, link)) = p.new_link {
                div.notice role="status" {
                    p { "Send this one-time link to " strong { (email) } ". It works once, for 24 hours, and is not shown again:" }
                    p { code { (link) } }
                }
            }
            table {
                thead { tr { th { "Email" } th { "Role" } th { "State" } th { "Last sign-in" } th { "Actions" } } }
                tbody {
                    @for a in p.accounts {
                        tr {
                            td { (a.email) }
                            td { (a.role) }
                            td { (a.state) }
                            td { (a.last_sign_in.as_deref().unwrap_or("never")) }
                            td {
                                @if a.state != "disabled" {
                                    form method="post" action="/staff/accounts/disable" {
                                        (csrf_field(p.bar.csrf))
                                        input type="hidden" name="email" value=(a.email);
                                        button.button.button--secondary type="submit" { "Disable" }
                                    }
                                }
                                form method="post" action="/staff/accounts/reset" {
                                    (csrf_field(p.bar.csrf))
                                    input type="hidden" name="email" value=(a.email);
                                    button.button.button--secondary type="submit" { "New link" }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Add an account" }
            form method="post" action="/staff/accounts" {
                (csrf_field(p.bar.csrf))
                (field(&Field { name: "email", label: "Email", kind: "email", value: p.add_email, autocomplete: "off", error: p.add_error }))
                div.field {
                    label for="staff-role" { "Role" }
                    select id="staff-role" name="role" {
                        option value="editor" selected { "editor" }
                        option value="admin" { "admin" }
                    }
                }
                button.button type="submit" { "Add account" }
            }
        },
    )
}

/// One audit log entry as shown.
#[derive(Clone, Debug)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub client_ip: String,
}

/// The audit screen (admins only): newest first, filtered, a link to older entries.
#[derive(Clone, Debug)]
pub struct AuditPage<'a> {
    pub bar: StaffBar<'a>,
    pub rows: &'a [AuditRow],
    pub action: &'a str,
    pub actor: &'a str,
    /// The query string of the next (older) page, when there is one.
    pub older: Option<String>,
}

pub fn audit(p: &AuditPage<'_>) -> Markup {
    page(
        "Audit log",
        Some(&p.bar),
        html! {
            h1 { "Audit log" }
            form method="get" action="/staff/audit" {
                div.field {
                    label for="audit-action" { "Action" }
                    input type="text" id="audit-action" name="action" value=(p.action);
                }
                div.field {
                    label for="audit-actor" { "Actor (email, cli or system)" }
                    input type="text" id="audit-actor" name="actor" value=(p.actor);
                }
                button.button.button--secondary type="submit" { "Filter" }
            }
            @if p.rows.is_empty() {
                p { "No entries." }
            } @else {
                table {
                    thead { tr { th { "#" } th { "When (UTC)" } th { "Actor" } th { "Action" } th { "Subject" } th { "Detail" } th { "Address" } } }
                    tbody {
                        @for r in p.rows {
                            tr {
                                td { (r.id) } td { (r.at) } td { (r.actor) } td { (r.action) }
                                td { (r.subject) } td { code { (r.detail) } } td { (r.client_ip) }
                            }
                        }
                    }
                }
            }
            @if let Some(older) = &p.older {
                p { a href=(format!("/staff/audit?{older}")) { "Older entries" } }
            }
        },
    )
}
