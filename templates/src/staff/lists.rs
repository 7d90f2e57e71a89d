//! The screening lists screen (admins): the operators' block and allow lists of email
//! domains and address ranges, and the disposable-domain list with its reload button.

use maud::{Markup, html};

use super::{StaffBar, csrf_field, page};
use crate::util::field_error;

/// One rule as listed.
#[derive(Clone, Debug)]
pub struct ListRuleRow {
    pub id: i64,
    /// `block` or `allow`.
    pub list: String,
    /// `domain` or `network`.
    pub kind: String,
    pub pattern: String,
    pub note: String,
    pub added: String,
}

/// What the add form holds when shown again with its mistakes.
#[derive(Clone, Debug, Default)]
pub struct ListRuleForm {
    pub list: String,
    pub kind: String,
    pub pattern: String,
    pub note: String,
    pub error: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ListsPage<'a> {
    pub bar: StaffBar<'a>,
    pub rules: &'a [ListRuleRow],
    pub form: ListRuleForm,
    pub disposable_count: usize,
    pub disposable_source: &'a str,
    /// A line saying what the last action did.
    pub notice: Option<String>,
}

fn option(value: &str, label: &str, chosen: &str) -> Markup {
    html! { option value=(value) selected[value == chosen] { (label) } }
}

pub fn screening_lists(p: &ListsPage<'_>) -> Markup {
    let invalid = p.form.error.is_some();
    let messages: Vec<&str> = p.form.error.iter().map(String::as_str).collect();
    page(
        "Screening lists",
        Some(&p.bar),
        html! {
            h1 { "Screening lists" }
            @if let Some(notice) = &p.notice {
                div.notice role="status" { p { (notice) } }
            }
            p {
                "Signatures are refused from blocked email domains (422, with a message beside the email field) "
                "and from blocked address ranges (403). An allowed domain or range is always taken: "
                "allowing beats blocking and the disposable-domain list. Every change is in the audit log."
            }
            h2 { "Rules" }
            @if p.rules.is_empty() {
                p.empty { "No rules yet." }
            } @else {
                table {
                    thead { tr { th { "List" } th { "Kind" } th { "Pattern" } th { "Note" } th { "Added" } th { "Actions" } } }
                    tbody {
                        @for r in p.rules {
                            tr {
                                td { (r.list) }
                                td { (r.kind) }
                                td { code { (r.pattern) } }
                                td { (r.note) }
                                td { (r.added) }
                                td {
                                    form method="post" action="/staff/lists/remove" {
                                        (csrf_field(p.bar.csrf))
                                        input type="hidden" name="id" value=(r.id);
                                        button.button.button--secondary type="submit" { "Remove " (r.pattern) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Add a rule" }
            form method="post" action="/staff/lists" {
                (csrf_field(p.bar.csrf))
                fieldset {
                    legend { "Which list" }
                    div.field {
                        label for="rule-list" { "List" }
                        select id="rule-list" name="list" {
                            (option("block", "Block", &p.form.list))
                            (option("allow", "Allow", &p.form.list))
                        }
                    }
                    div.field {
                        label for="rule-kind" { "Kind" }
                        select id="rule-kind" name="kind" {
                            (option("domain", "Email domain", &p.form.kind))
                            (option("network", "Address range", &p.form.kind))
                        }
                    }
                }
                div.field."field--invalid"[invalid] {
                    label for="rule-pattern" { "Pattern" }
                    p.hint id="rule-pattern-hint" {
                        "An email domain (example.com: that domain only; *.example.com: its subdomains), "
                        "or an address range in CIDR form (192.0.2.0/24, 2001:db8::/48) or one address."
                    }
                    (field_error("rule-pattern-error", &messages))
                    input type="text" id="rule-pattern" name="pattern" value=(p.form.pattern) required
                        autocomplete="off"
                        aria-invalid=[invalid.then_some("true")]
                        aria-describedby=(if invalid { "rule-pattern-hint rule-pattern-error" } else { "rule-pattern-hint" });
                }
                div.field {
                    label for="rule-note" { "Note " span.optional { "(optional)" } }
                    input type="text" id="rule-note" name="note" value=(p.form.note) maxlength="200" autocomplete="off";
                }
                button.button type="submit" { "Add rule" }
            }
            h2 { "Disposable email domains" }
            p {
                (p.disposable_count) " domains are refused as disposable, read from " (p.disposable_source) ". "
                "To update the list, replace the file and reload it here (or send the service SIGHUP)."
            }
            form method="post" action="/staff/lists/reload" {
                (csrf_field(p.bar.csrf))
                button.button type="submit" { "Reload the disposable-domain list" }
            }
        },
    )
}
