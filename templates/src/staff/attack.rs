//! A letter's under-attack mode for staff: whether its sign form asks for a proof of work,
//! since when and why, and the switch.

use maud::{Markup, html};

use super::{StaffBar, csrf_field, page};

/// The mode as last switched.
#[derive(Clone, Debug)]
pub struct AttackState {
    pub active: bool,
    pub automatic: bool,
    /// When, as `YYYY-MM-DD HH:MM UTC`.
    pub changed_at: String,
    pub reason: String,
}

#[derive(Clone, Debug)]
pub struct AttackPage<'a> {
    pub bar: StaffBar<'a>,
    pub letter_id: i64,
    pub letter_title: &'a str,
    /// `None`: never switched.
    pub state: Option<AttackState>,
    /// Signing attempts counted this minute and the threshold that switches the mode on.
    pub rate_this_minute: i64,
    pub threshold_per_minute: u32,
}

/// The under-attack page of one letter.
pub fn attack(p: &AttackPage<'_>) -> Markup {
    let active = p.state.as_ref().is_some_and(|s| s.active);
    let body = html! {
        h1 { "Under-attack mode: " (p.letter_title) }
        p { a href=(format!("/staff/letters/{}", p.letter_id)) { "Back to the letter" } }
        @if active {
            p.notice role="status" {
                strong { "On." }
                " Signers are asked for a proof of work (or a short wait without JavaScript)."
            }
        } @else {
            p role="status" { strong { "Off." } " Signers sign without an extra step." }
        }
        @if let Some(s) = &p.state {
            dl {
                dt { "Last switched" }
                dd { (s.changed_at) @if s.automatic { " (automatically)" } @else { " (by staff)" } }
                dt { "Why" }
                dd { (s.reason) }
            }
        }
        p {
            (p.rate_this_minute) " signing attempts counted this minute; the mode switches on by "
            "itself above " (p.threshold_per_minute) " a minute, and an automatic one "
            "switches off once the rate has fallen back."
        }
        form method="post" action=(format!("/staff/letters/{}/attack", p.letter_id)) {
            (csrf_field(p.bar.csrf))
            @if active {
                input type="hidden" name="switch" value="off";
                button.button type="submit" { "Switch the mode off" }
            } @else {
                input type="hidden" name="switch" value="on";
                button.button type="submit" { "Switch the mode on" }
            }
        }
    };
    page("Under-attack mode", Some(&p.bar), body)
}
