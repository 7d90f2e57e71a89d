//! Letter rules in one place: whether a letter takes signatures now.

use chrono::{DateTime, Utc};

use crate::entities::{LetterStatus, letter};

/// Whether `letter` takes signatures and confirmations at `now`: it is open and its
/// deadline, if it has one, has not passed. This is the one rule; every write that depends
/// on it calls it inside its own transaction, on the letter as read there, so a letter
/// closed or run out meanwhile takes nothing, whether or not a job has closed it yet.
pub fn accepts_signatures(letter: &letter::Model, now: DateTime<Utc>) -> bool {
    letter.status == LetterStatus::Open && letter.deadline.is_none_or(|deadline| now < deadline)
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn letter(status: LetterStatus, deadline: Option<DateTime<Utc>>) -> letter::Model {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap();
        letter::Model {
            id: 1,
            slug: "l".into(),
            title: "L".into(),
            summary: String::new(),
            body: String::new(),
            language: "en".into(),
            status,
            goal: None,
            deadline,
            opened_at: Some(at),
            created_at: at,
            updated_at: at,
            individuals_may_sign: true,
            organisations_may_sign: true,
            organisations_need_approval: false,
            preview_key: None,
            version: 1,
            closed_at: None,
        }
    }

    #[test]
    fn only_an_open_letter_before_its_deadline_takes_signatures() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).single().unwrap();
        assert!(accepts_signatures(&letter(LetterStatus::Open, None), now));
        let later = Some(now + Duration::seconds(1));
        assert!(accepts_signatures(&letter(LetterStatus::Open, later), now));
        // The deadline itself is already too late.
        assert!(!accepts_signatures(
            &letter(LetterStatus::Open, Some(now)),
            now
        ));
        for status in [
            LetterStatus::Draft,
            LetterStatus::Closed,
            LetterStatus::Delivered,
        ] {
            assert!(!accepts_signatures(&letter(status, None), now));
        }
    }
}
