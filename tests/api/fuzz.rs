//! Arbitrary input to every form endpoint, query string and the API never gives a 5xx,
//! and whatever signers type never reaches an email's headers.
//!
//! One application per test, many cases against it: proptest drives a runtime of the
//! test's own so that a failing case still shrinks to a small one.

use std::collections::BTreeSet;
use std::future::Future;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::header::CONTENT_TYPE;

use undersigned::entities::OutboxStatus;

use crate::support::smtp::ReceivedMessage;
use crate::support::{LETTER, TestApp, individual};

/// Cases per endpoint: enough to find the obvious, few enough to run in seconds.
const CASES: u32 = 64;

const FORM: &str = "application/x-www-form-urlencoded";

/// Text a signer might type, and what an attacker would: line breaks with header names,
/// NUL and other controls, encoded words, very long runs, any Unicode.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9 @.<>,;:\"'\\\\=?\r\n\t\u{0}\u{7f}\u{85}\u{2028}é漢🙂-]{0,60}",
        "[a-z]{1,12}\r\n(Bcc|Cc|To|Subject|Reply-To|Content-Type): [a-z@.]{1,20}(\r\n)?",
        "=\\?utf-8\\?[bBqQ]\\?[A-Za-z0-9+/=_]{0,30}\\?=",
        (any::<char>(), 1usize..20_000).prop_map(|(c, n)| c.to_string().repeat(n)),
    ]
}

/// Email fields: mostly well-formed (so mail is really sent and its headers checked),
/// with hostile variants around them.
fn email_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z]{1,10}(\\+[a-z]{1,5})?@example\\.org",
        1 => "[a-z]{1,10}@example\\.org(\r\n|\n|\r|\u{0})(Bcc|To): [a-z]{1,8}@evil\\.example",
        1 => "\"[a-z\r\n ]{1,10}\" <[a-z]{1,8}@example\\.org>",
        1 => hostile_text(),
    ]
}

/// Any bytes, percent-encoded so that they survive as a URL path segment or query.
fn percent_encoded(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

/// A url-encoded form body with these fields (values encoded whatever they hold).
fn form_body(fields: &[(String, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The sign form of either kind with every field hostile (or left out).
fn sign_fields() -> impl Strategy<Value = Vec<(String, String)>> {
    let names = [
        "name",
        "country",
        "city",
        "occupation",
        "organisation_name",
        "website",
        "role",
        "show_publicly",
        "wants_updates",
    ];
    (
        prop_oneof![
            Just("individual".to_string()),
            Just("organisation".to_string()),
            hostile_text()
        ],
        email_text(),
        proptest::collection::vec(proptest::option::of(hostile_text()), names.len()),
        prop_oneof![Just("FR".to_string()), hostile_text()],
    )
        .prop_map(move |(kind, email, values, country)| {
            let mut fields = vec![("kind".to_string(), kind), ("email".to_string(), email)];
            for (name, value) in names.iter().zip(values) {
                let value = if *name == "country" {
                    Some(country.clone())
                } else {
                    value
                };
                if let Some(value) = value {
                    fields.push((name.to_string(), value));
                }
            }
            fields
        })
}

/// Signings the service accepts, whose name (and organisation name) hold what is most
/// dangerous in a header: line breaks that collapse to spaces, header names, quotes,
/// angle brackets, commas, encoded words. These are mailed, so their headers are checked.
fn accepted_signing() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        "[A-Za-z]{1,8}(\r\n|\n|\r|\t)(Bcc|Cc|To|Subject): [a-z]{1,8}@evil\\.example",
        "[A-Za-z \"'<>,;:@=?()\\\\é漢🙂]{1,40}",
        "=\\?utf-8\\?[bBqQ]\\?[A-Za-z0-9+/=_]{1,30}\\?= [A-Za-z]{1,8}",
    ];
    (
        any::<bool>(),
        name.clone(),
        name,
        "[a-z]{1,10}@example\\.org",
    )
        .prop_map(|(organisation, name, organisation_name, email)| {
            let mut fields = vec![
                ("name".to_string(), name),
                ("email".to_string(), email),
                ("country".to_string(), "FR".to_string()),
                ("version".to_string(), "1".to_string()),
                ("form_stamp".to_string(), crate::support::default_stamp()),
            ];
            if organisation {
                fields.extend([
                    ("kind".to_string(), "organisation".to_string()),
                    ("organisation_name".to_string(), organisation_name),
                    ("website".to_string(), "https://example.org".to_string()),
                    ("role".to_string(), "Director".to_string()),
                ]);
            } else {
                fields.push(("kind".to_string(), "individual".to_string()));
            }
            fields
        })
}

/// What one case sends.
#[derive(Clone, Debug)]
enum Probe {
    /// A POST with this path, content type and raw body.
    Post {
        path: String,
        content_type: Option<&'static str>,
        body: Vec<u8>,
    },
    /// A GET of this path (with its query string).
    Get { path: String },
}

/// Raw bodies: arbitrary bytes (invalid UTF-8 included), oversized ones, and forms with
/// duplicated or broken encodings.
fn raw_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        "([a-z_]{1,12}=[%A-Za-z0-9+&=]{0,20}&?){0,8}".prop_map(String::into_bytes),
        // Our own field names, each holding any bytes (invalid UTF-8, NUL, CR LF).
        proptest::collection::vec(
            (
                "(kind|name|email|country|city|occupation|organisation_name|website|role|letter|show_publicly)",
                proptest::collection::vec(any::<u8>(), 0..64),
            ),
            0..10,
        )
        .prop_map(|fields| fields
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encoded(v)))
            .collect::<Vec<_>>()
            .join("&")
            .into_bytes()),
        (any::<u8>(), 60_000usize..80_000).prop_map(|(b, n)| vec![b; n]),
    ]
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        4 => Just(Some(FORM)),
        1 => Just(None),
        1 => Just(Some("application/json")),
        1 => Just(Some("multipart/form-data; boundary=x")),
        1 => Just(Some("application/x-www-form-urlencoded; charset=utf-16")),
    ]
}

/// Sends one probe on a fresh connection; a 5xx or a connection the server dropped
/// fails the case.
async fn send(app: &TestApp, cookie: Option<&str>, probe: &Probe) -> Result<u16, TestCaseError> {
    // No connection reuse: the server may close a connection after refusing a body
    // (413), and a request racing that close on a pooled connection would fail on the
    // client's side, not the server's.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .map_err(|e| TestCaseError::fail(format!("an HTTP client: {e}")))?;
    let request = match probe {
        Probe::Post {
            path,
            content_type,
            body,
        } => {
            let mut request = client.post(app.url(path)).body(body.clone());
            if let Some(content_type) = content_type {
                request = request.header(CONTENT_TYPE, *content_type);
            }
            request
        }
        Probe::Get { path } => client.get(app.url(path)),
    };
    let request = match cookie {
        Some(cookie) => request.header("cookie", cookie),
        None => request,
    };
    let response = request
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .map_err(|e| TestCaseError::fail(format!("no answer to {probe:?}: {e}")))?;
    let status = response.status().as_u16();
    if status >= 500 {
        let body = response.text().await.unwrap_or_default();
        return Err(TestCaseError::fail(format!(
            "{status} for {probe:?}: {body}"
        )));
    }
    Ok(status)
}

/// Runs `CASES` cases of `strategy` against the app, each as the probe `to_probe` makes.
fn fuzz<S: Strategy>(
    runtime: &tokio::runtime::Runtime,
    app: &TestApp,
    strategy: S,
    to_probe: impl Fn(S::Value) -> Probe,
) {
    fuzz_as(runtime, app, None, strategy, to_probe)
}

/// As `fuzz`, sending `cookie` (a signed-in staff member's) with every probe.
fn fuzz_as<S: Strategy>(
    runtime: &tokio::runtime::Runtime,
    app: &TestApp,
    cookie: Option<&str>,
    strategy: S,
    to_probe: impl Fn(S::Value) -> Probe,
) {
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let outcome = runner.run(&strategy, |value| {
        let probe = to_probe(value);
        runtime.block_on(send(app, cookie, &probe)).map(|_| ())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}

/// A runtime of the test's own (proptest's runner is synchronous).
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

fn block_on<F: Future>(runtime: &tokio::runtime::Runtime, future: F) -> F::Output {
    runtime.block_on(future)
}

#[test]
fn arbitrary_input_to_every_endpoint_never_gives_a_server_error() {
    let runtime = runtime();
    let app = block_on(&runtime, TestApp::spawn());
    let sign = format!("/letters/{LETTER}/sign");

    // Both sign forms, url-encoded, with hostile fields.
    fuzz(&runtime, &app, sign_fields(), |fields| Probe::Post {
        path: sign.clone(),
        content_type: Some(FORM),
        body: form_body(&fields).into_bytes(),
    });
    fuzz(&runtime, &app, accepted_signing(), |fields| Probe::Post {
        path: sign.clone(),
        content_type: Some(FORM),
        body: form_body(&fields).into_bytes(),
    });
    // The sign form as raw bytes under any content type.
    fuzz(
        &runtime,
        &app,
        (content_type(), raw_body()),
        |(ct, body)| Probe::Post {
            path: sign.clone(),
            content_type: ct,
            body,
        },
    );
    // A letter that does not exist, or a slug that is not one.
    fuzz(
        &runtime,
        &app,
        proptest::collection::vec(any::<u8>(), 0..200),
        |slug| Probe::Post {
            path: format!("/letters/{}/sign", percent_encoded(&slug)),
            content_type: Some(FORM),
            body: form_body(&[("kind".into(), "individual".into())]).into_bytes(),
        },
    );
    // Confirmation links: any token, shown and posted, with any body.
    fuzz(
        &runtime,
        &app,
        (proptest::collection::vec(any::<u8>(), 0..300), raw_body()),
        |(token, body)| Probe::Post {
            path: format!("/confirm/{}", percent_encoded(&token)),
            content_type: Some(FORM),
            body,
        },
    );
    fuzz(
        &runtime,
        &app,
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..300).prop_map(|t| percent_encoded(&t)),
            "[A-Za-z0-9_-]{0,100}".prop_map(|t| t),
        ],
        |token| Probe::Get {
            path: format!("/confirm/{token}"),
        },
    );
    // Asking for a new link: hostile fields, and raw bodies.
    fuzz(
        &runtime,
        &app,
        (email_text(), hostile_text(), any::<bool>()),
        |(email, letter, with_letter)| {
            let mut fields = vec![("email".to_string(), email)];
            if with_letter {
                fields.push(("letter".to_string(), letter));
            }
            Probe::Post {
                path: "/confirm/resend".into(),
                content_type: Some(FORM),
                body: form_body(&fields).into_bytes(),
            }
        },
    );
    fuzz(
        &runtime,
        &app,
        (content_type(), raw_body()),
        |(ct, body)| Probe::Post {
            path: "/confirm/resend".into(),
            content_type: ct,
            body,
        },
    );
    // Withdrawal links (any token, any body) and data requests (hostile and raw bodies).
    fuzz(
        &runtime,
        &app,
        (proptest::collection::vec(any::<u8>(), 0..300), raw_body()),
        |(token, body)| Probe::Post {
            path: format!("/withdraw/{}", percent_encoded(&token)),
            content_type: Some(FORM),
            body,
        },
    );
    fuzz(&runtime, &app, email_text(), |email| Probe::Post {
        path: "/my-data".into(),
        content_type: Some(FORM),
        body: form_body(&[("email".to_string(), email)]).into_bytes(),
    });
    fuzz(
        &runtime,
        &app,
        (content_type(), raw_body()),
        |(ct, body)| Probe::Post {
            path: "/my-data".into(),
            content_type: ct,
            body,
        },
    );
    // Query strings on the letter page, encoded and raw.
    fuzz(
        &runtime,
        &app,
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..400).prop_map(|q| percent_encoded(&q)),
            "([a-z]{1,6}=[-0-9a-z%+&=;]{0,30}&?){0,6}".prop_map(|q| q),
            "page=(-?[0-9]{1,30}|[a-z]{1,5}|%00|%FF|%C3%28)".prop_map(|q| q),
        ],
        |query| Probe::Get {
            path: format!("/letters/{LETTER}?{query}"),
        },
    );
    // The API, with any slug and any query.
    fuzz(
        &runtime,
        &app,
        (
            proptest::collection::vec(any::<u8>(), 0..200),
            proptest::collection::vec(any::<u8>(), 0..200),
        ),
        |(slug, query)| Probe::Get {
            path: format!(
                "/api/letters/{}?{}",
                percent_encoded(&slug),
                percent_encoded(&query)
            ),
        },
    );

    // Whatever was accepted is mailed; no header carries what a signer typed.
    let baseline = individual("Baseline Signer", "baseline@example.org");
    block_on(&runtime, async {
        assert_eq!(app.sign(&baseline).await.status(), 303);
        app.drain_outbox().await;
    });
    let messages = app.smtp().messages();
    assert!(
        messages
            .iter()
            .any(|m| m.rcpt_to == ["baseline@example.org"]),
        "the baseline signing was mailed"
    );
    assert!(
        messages.len() > 1,
        "some hostile signings were accepted and mailed, so their headers were checked"
    );
    for message in &messages {
        assert_clean_headers(message);
    }
    block_on(&runtime, async {
        assert!(
            app.outbox()
                .await
                .iter()
                .all(|row| row.status != OutboxStatus::Pending),
            "the outbox was drained"
        );
    });
    block_on(&runtime, app.stop());
}

/// The header names of every email we send, lower case.
const HEADERS: &[&str] = &[
    "from",
    "to",
    "subject",
    "message-id",
    "mime-version",
    "date",
    "content-type",
];

/// Exactly our header set, one To naming the envelope recipient, a subject of our own
/// making, and parts with nothing but their content headers.
fn assert_clean_headers(message: &ReceivedMessage) {
    let raw = String::from_utf8_lossy(&message.data).to_string();
    let parsed = message.parsed();
    let names: Vec<String> = parsed
        .headers
        .iter()
        .map(|h| h.get_key().to_ascii_lowercase())
        .collect();
    let set: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(
        set,
        HEADERS.iter().copied().collect::<BTreeSet<_>>(),
        "headers of:\n{raw}"
    );
    assert_eq!(names.len(), HEADERS.len(), "no header twice in:\n{raw}");
    assert_eq!(message.rcpt_to.len(), 1, "one envelope recipient:\n{raw}");
    let to = mailparse::addrparse_header(
        parsed
            .headers
            .iter()
            .find(|h| h.get_key().eq_ignore_ascii_case("to"))
            .unwrap_or_else(|| panic!("a To header in:\n{raw}")),
    )
    .unwrap_or_else(|e| panic!("an unparsable To ({e}) in:\n{raw}"));
    let count = to.len();
    let single = to.extract_single_info();
    assert!(
        count == 1 && single.as_ref().map(|s| s.addr.as_str()) == Some(&message.rcpt_to[0]),
        "To names exactly the recipient {} in:\n{raw}",
        message.rcpt_to[0]
    );
    let subject = message.subject();
    assert!(
        subject == "Confirm your signature: Free the prisoners of conscience"
            || subject == "You have already signed: Free the prisoners of conscience"
            // A fuzzed data request that happened to name an address that had signed.
            || subject == "Your data at undersigned",
        "a subject of our own: {subject:?}"
    );
    for part in &parsed.subparts {
        for header in &part.headers {
            let key = header.get_key().to_ascii_lowercase();
            assert!(
                key == "content-type" || key == "content-transfer-encoding",
                "part header {key} in:\n{raw}"
            );
        }
    }
}

/// Staff form fields: names the staff forms read (and a few they do not), any values,
/// led by the session's CSRF token most of the time so the handlers' own parsing is
/// reached, not only the token check.
fn staff_fields(csrf: String) -> impl Strategy<Value = Vec<(String, String)>> {
    let names = [
        "title",
        "slug",
        "summary",
        "body",
        "language",
        "deadline",
        "goal",
        "targets",
        "target-0-name",
        "target-0-email",
        "target-0-person",
        "target-0-person_title",
        "target-1-email",
        "individuals_may_sign",
        "organisations_may_sign",
        "organisations_need_approval",
        "action",
        "id",
        "reason",
        "all",
        "confirm",
        "count",
        "upto",
        "name",
        "email",
        "domain",
        "ip",
        "status",
        "kind",
        "since",
        "until",
        "version",
        "pattern",
        "rule",
        "list",
        "on",
        "email_domain",
        "role",
        "current",
        "password",
        "format",
        "columns",
        "bom",
        "before",
        "zzz",
    ];
    (
        prop::bool::weighted(0.9),
        proptest::collection::vec(
            (proptest::sample::select(names.to_vec()), hostile_text()),
            0..12,
        ),
    )
        .prop_map(move |(with_token, fields)| {
            let mut out: Vec<(String, String)> = Vec::new();
            if with_token {
                out.push(("csrf".into(), csrf.clone()));
            }
            out.extend(fields.into_iter().map(|(k, v)| (k.to_owned(), v)));
            out
        })
}

#[test]
fn arbitrary_input_to_every_staff_form_and_screen_never_gives_a_server_error() {
    let runtime = runtime();
    let app = block_on(&runtime, TestApp::spawn());
    let mut admin = block_on(&runtime, crate::support::staff::admin(&app));
    let csrf = block_on(&runtime, admin.csrf(&app));
    let cookie = admin.cookie.clone().expect("a session cookie");
    let cookie = Some(cookie.as_str());

    // The test letter is letter 1; 999 names none.
    let posts = [
        "/staff/letters/new",
        "/staff/letters/1/edit",
        "/staff/letters/1/publish",
        "/staff/letters/1/close",
        "/staff/letters/1/reopen",
        "/staff/letters/1/preview-link",
        "/staff/letters/1/approvals/approve",
        "/staff/letters/1/approvals/reject",
        "/staff/letters/1/signatures/invalidate",
        "/staff/letters/1/signatures/restore",
        "/staff/letters/1/quarantine/release",
        "/staff/letters/1/quarantine/invalidate",
        "/staff/letters/1/attack",
        "/staff/letters/999/edit",
        "/staff/lists",
        "/staff/lists/remove",
        "/staff/accounts",
        "/staff/accounts/reset",
        "/staff/password",
    ];
    for path in posts {
        fuzz_as(
            &runtime,
            &app,
            cookie,
            staff_fields(csrf.clone()),
            |fields| Probe::Post {
                path: path.to_owned(),
                content_type: Some(FORM),
                body: form_body(&fields).into_bytes(),
            },
        );
    }
    // Raw bodies under any content type, to one form of each screen group.
    for path in [
        "/staff/letters/new",
        "/staff/letters/1/signatures/invalidate",
        "/staff/lists",
    ] {
        fuzz_as(
            &runtime,
            &app,
            cookie,
            (content_type(), raw_body()),
            |(ct, body)| Probe::Post {
                path: path.to_owned(),
                content_type: ct,
                body,
            },
        );
    }
    // Every screen that reads a query, with any query; and any letter id.
    let gets = [
        "/staff/letters",
        "/staff/letters/1/signatures",
        "/staff/letters/1/export/download",
        "/staff/letters/1/approvals",
        "/staff/letters/1/quarantine",
        "/staff/letters/1/dashboard",
        "/staff/letters/1/edit",
        "/staff/audit",
    ];
    for path in gets {
        fuzz_as(
            &runtime,
            &app,
            cookie,
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..300).prop_map(|q| percent_encoded(&q)),
                // Field names the screens read, with short values: a URL is not a body,
                // and an oversized one is refused by the connection layer (tested elsewhere).
                staff_fields(String::new()).prop_map(|fields| {
                    let short: Vec<(String, String)> = fields
                        .into_iter()
                        .map(|(k, v)| (k, v.chars().take(40).collect()))
                        .collect();
                    form_body(&short)
                }),
            ],
            |query| Probe::Get {
                path: format!("{path}?{query}"),
            },
        );
    }
    fuzz_as(
        &runtime,
        &app,
        cookie,
        proptest::collection::vec(any::<u8>(), 0..60),
        |id| Probe::Get {
            path: format!("/staff/letters/{}/dashboard", percent_encoded(&id)),
        },
    );
    // Found by this test on PostgreSQL (which refuses a NUL in text): filters with
    // control characters are answered, not sent to the database.
    let audit = block_on(
        &runtime,
        admin.get(&app, "/staff/audit?action=%00&actor=a%00"),
    );
    assert_eq!(audit.status(), 200);
    let search = block_on(
        &runtime,
        admin.get(
            &app,
            "/staff/letters/1/signatures?name=%00&email=%0A&domain=x%00",
        ),
    );
    assert_eq!(search.status(), 422);
    // Still signed in: nothing above broke the session.
    let home = block_on(&runtime, admin.get(&app, "/staff"));
    assert_eq!(home.status(), 200);
    block_on(&runtime, app.stop());
}
