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
    /// A POST to the write API: a JSON-ish body with a partner's key and, maybe, an
    /// Idempotency-Key header.
    Api {
        path: String,
        content_type: Option<&'static str>,
        body: Vec<u8>,
        key: String,
        idempotency: Option<String>,
    },
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
        Probe::Api {
            path,
            content_type,
            body,
            key,
            idempotency,
        } => {
            let mut request = client
                .post(app.url(path))
                .bearer_auth(key)
                .body(body.clone());
            if let Some(content_type) = content_type {
                request = request.header(CONTENT_TYPE, *content_type);
            }
            if let Some(idempotency) = idempotency {
                request = request.header("idempotency-key", idempotency);
            }
            request
        }
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
    fuzz_cases(runtime, app, cookie, CASES, strategy, to_probe);
}

/// As `fuzz_as`, with `cases` cases; returns the statuses answered, so a test can show
/// its probes reached the handler and not only a check in front of it.
fn fuzz_cases<S: Strategy>(
    runtime: &tokio::runtime::Runtime,
    app: &TestApp,
    cookie: Option<&str>,
    cases: u32,
    strategy: S,
    to_probe: impl Fn(S::Value) -> Probe,
) -> BTreeSet<u16> {
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let statuses = std::cell::RefCell::new(BTreeSet::new());
    let outcome = runner.run(&strategy, |value| {
        let probe = to_probe(value);
        let status = runtime.block_on(send(app, cookie, &probe))?;
        statuses.borrow_mut().insert(status);
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    statuses.into_inner()
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
        "when",
        "reply_to",
        "target",
        "letter",
        "letters",
        "all_letters",
        "url",
        "events",
        "include_personal",
        "next",
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

/// Cases per endpoint of the forms below: they share one application, and together
/// they would otherwise double the test's time.
const FEW: u32 = 24;

/// A path segment: small numbers (to reach rows that exist), signs and huge numbers, and
/// any bytes.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,3}".prop_map(|s| s),
        Just("-1".to_string()),
        Just("99999999999999999999999".to_string()),
        proptest::collection::vec(any::<u8>(), 0..120).prop_map(|b| percent_encoded(&b)),
    ]
}

/// The sign-in form: the real account's address or any text, any password, any `next`.
fn sign_in_fields() -> impl Strategy<Value = Vec<(String, String)>> {
    (
        prop_oneof![Just(crate::support::staff::ADMIN.to_string()), email_text(),],
        prop_oneof![
            Just(crate::support::staff::ADMIN_PASSWORD.to_string()),
            hostile_text(),
        ],
        proptest::option::of(prop_oneof![
            Just("//evil.example/".to_string()),
            Just("https://evil.example/".to_string()),
            Just("/\\evil.example".to_string()),
            hostile_text(),
        ]),
    )
        .prop_map(|(email, password, next)| {
            let mut fields = vec![
                ("email".to_string(), email),
                ("password".to_string(), password),
            ];
            if let Some(next) = next {
                fields.push(("next".to_string(), next));
            }
            fields
        })
}

/// Bodies for the write API: any bytes; JSON of the documented shape with values of the
/// wrong types in it; and well-typed JSON whose strings are hostile, most of it, so that
/// the API's own checks (and the signing behind them) are reached.
fn api_body() -> impl Strategy<Value = Vec<u8>> {
    let any_value = prop_oneof![
        hostile_text().prop_map(serde_json::Value::String),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        any::<bool>().prop_map(serde_json::Value::Bool),
        Just(serde_json::Value::Null),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
    ];
    let text = || {
        prop_oneof![
            2 => "[A-Za-z][a-z]{1,10}".prop_map(serde_json::Value::String),
            1 => hostile_text().prop_map(serde_json::Value::String),
        ]
    };
    let well_typed = (
        text(),
        proptest::option::of(text()),
        email_text().prop_map(serde_json::Value::String),
        prop_oneof![3 => Just(serde_json::json!("US")), 1 => text()],
        prop_oneof![
            2 => Just(serde_json::json!("individual")),
            1 => Just(serde_json::json!("organisation")),
            1 => text(),
        ],
        proptest::option::of((text(), text(), text())),
        prop_oneof![
            Just(serde_json::json!(1)),
            Just(serde_json::json!(2.0)),
            Just(serde_json::Value::Null)
        ],
    )
        .prop_map(|(given, family, email, country, kind, org, version)| {
            let mut body = serde_json::json!({
                "person": {
                    "given_name": given,
                    "family_name": family,
                    "email_addresses": [{ "address": email }],
                    "postal_addresses": [{ "locality": "Arlington", "country": country }]
                },
                "kind": kind,
                "letter_version": version,
                "show_publicly": true
            });
            if let Some((name, website, role)) = org {
                body["organisation"] =
                    serde_json::json!({ "name": name, "website": website, "role": role });
            }
            body.to_string().into_bytes()
        });
    let ill_typed =
        (any_value.clone(), any_value.clone(), any_value).prop_map(|(given, address, country)| {
            serde_json::json!({
                "person": {
                    "given_name": given,
                    "email_addresses": [{ "address": address }],
                    "postal_addresses": [{ "country": country }]
                }
            })
            .to_string()
            .into_bytes()
        });
    prop_oneof![4 => well_typed, 1 => ill_typed, 1 => raw_body()]
}

/// A partner key made on the staff screen, as a partner would be given it.
async fn partner_key(app: &TestApp, admin: &mut crate::support::staff::Browser) -> String {
    let page = admin
        .get(app, "/staff/api-keys")
        .await
        .text()
        .await
        .unwrap();
    let csrf = crate::support::staff::csrf_of(&page);
    let made = admin
        .post(
            app,
            "/staff/api-keys",
            &[
                ("csrf", &csrf),
                ("name", "Fuzzing partner"),
                ("all_letters", "on"),
            ],
        )
        .await;
    assert_eq!(made.status(), 200);
    let page = made.text().await.unwrap();
    let start = page.find("<code>usk_").expect("the new key") + "<code>".len();
    let end = start + page[start..].find('<').expect("the end of the key");
    page[start..end].to_owned()
}

#[test]
fn arbitrary_input_to_the_sign_in_every_other_staff_form_and_the_write_api_never_gives_a_server_error()
 {
    let runtime = runtime();
    let app = block_on(
        &runtime,
        TestApp::spawn_with(|s| {
            // The sign-in's own limits would answer 429 to nearly every case; here the
            // form behind them is what is probed (the limits are tested elsewhere).
            s.staff_sign_in_per_minute = 100_000;
            s.staff_sign_in_per_account_per_hour = 100_000;
        }),
    );
    let mut admin = block_on(&runtime, crate::support::staff::admin(&app));
    let csrf = block_on(&runtime, admin.csrf(&app));
    let key = block_on(&runtime, partner_key(&app, &mut admin));
    let cookie = admin.cookie.clone().expect("a session cookie");
    let cookie = Some(cookie.as_str());

    // The write API with a partner's key: any body, any content type, any letter, any
    // Idempotency-Key.
    let json_or_any = prop_oneof![
        3 => Just(Some("application/json")),
        1 => content_type(),
    ];
    let api = fuzz_cases(
        &runtime,
        &app,
        None,
        CASES,
        (
            json_or_any,
            api_body(),
            prop_oneof![3 => Just(LETTER.to_string()), 1 => segment()],
            proptest::option::of("[!-~]{0,80}"),
        ),
        |(ct, body, slug, idempotency)| Probe::Api {
            path: format!("/api/v1/letters/{slug}/signatures"),
            content_type: ct,
            body,
            key: key.clone(),
            idempotency,
        },
    );
    assert!(
        api.iter().any(|s| (200..300).contains(s)) && api.contains(&422),
        "some cases signed, others were refused by the API's own checks: {api:?}"
    );
    // A well-formed signing still goes through afterwards: the key was good throughout.
    // (First, before the staff forms below, whose probes might revoke the key or deliver
    // the letter.)
    let good = block_on(&runtime, async {
        app.client
            .post(app.url(&format!("/api/v1/letters/{LETTER}/signatures")))
            .bearer_auth(&key)
            .json(&serde_json::json!({
                "person": {
                    "given_name": "Grace",
                    "family_name": "Hopper",
                    "email_addresses": [{ "address": "grace@example.org" }],
                    "postal_addresses": [{ "locality": "Arlington", "country": "US" }]
                },
                "show_publicly": true
            }))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert!(good.is_success(), "{good}");

    // Signing in, without a session: any fields, any bytes. Some cases sign in (303),
    // others are refused by the form itself (200 with the form again), not a limit.
    let signed_in = fuzz_cases(&runtime, &app, None, CASES, sign_in_fields(), |fields| {
        Probe::Post {
            path: "/staff/sign-in".into(),
            content_type: Some(FORM),
            body: form_body(&fields).into_bytes(),
        }
    });
    assert!(
        signed_in.contains(&303)
            && signed_in
                .iter()
                .any(|s| (400..500).contains(s) || *s == 200),
        "{signed_in:?}"
    );
    // Found by this test on PostgreSQL: a NUL in the address reached the audit log of
    // the failed sign-in, which PostgreSQL refuses.
    let nul = block_on(&runtime, async {
        app.client
            .post(app.url("/staff/sign-in"))
            .form(&[("email", "a@example.org\0Bcc: x"), ("password", "x")])
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(nul, 422, "refused like any wrong address");
    fuzz_cases(
        &runtime,
        &app,
        None,
        FEW,
        (content_type(), raw_body()),
        |(ct, body)| Probe::Post {
            path: "/staff/sign-in".into(),
            content_type: ct,
            body,
        },
    );
    // Password links: any token, shown and posted with any fields.
    fuzz_cases(
        &runtime,
        &app,
        None,
        FEW,
        (segment(), staff_fields(String::new())),
        |(token, fields)| Probe::Post {
            path: format!("/staff/password/{token}"),
            content_type: Some(FORM),
            body: form_body(&fields).into_bytes(),
        },
    );
    fuzz_cases(&runtime, &app, None, FEW, segment(), |token| Probe::Get {
        path: format!("/staff/password/{token}"),
    });
    // Withdrawal links shown with any token (posting them is fuzzed above).
    fuzz_cases(&runtime, &app, None, FEW, segment(), |token| Probe::Get {
        path: format!("/withdraw/{token}"),
    });

    // The staff forms not probed by the test above, signed in, with any fields.
    let posts = [
        "/staff/lists/reload",
        "/staff/accounts/disable",
        "/staff/api-keys",
        "/staff/api-keys/revoke",
        "/staff/letters/1/delivery",
        "/staff/letters/1/translations",
        "/staff/letters/1/translations/delete",
        "/staff/letters/1/webhooks",
        "/staff/letters/1/snapshots",
    ];
    for path in posts {
        fuzz_cases(
            &runtime,
            &app,
            cookie,
            FEW,
            staff_fields(csrf.clone()),
            |fields| Probe::Post {
                path: path.to_owned(),
                content_type: Some(FORM),
                body: form_body(&fields).into_bytes(),
            },
        );
    }
    // Forms with ids in their path: any id, any fields.
    let with_ids: [fn(&str, &str) -> String; 4] = [
        |letter, target| format!("/staff/letters/{letter}/delivery/targets/{target}/resend"),
        |letter, delivery| format!("/staff/letters/{letter}/delivery/{delivery}/cancel"),
        |letter, endpoint| format!("/staff/letters/{letter}/webhooks/{endpoint}/delete"),
        |letter, _| format!("/staff/letters/{letter}/snapshots"),
    ];
    for path in with_ids {
        fuzz_cases(
            &runtime,
            &app,
            cookie,
            FEW,
            (segment(), segment(), staff_fields(csrf.clone())),
            |(letter, id, fields)| Probe::Post {
                path: path(&letter, &id),
                content_type: Some(FORM),
                body: form_body(&fields).into_bytes(),
            },
        );
    }
    // Raw bodies to one form of each of these screens.
    for path in [
        "/staff/api-keys",
        "/staff/letters/1/delivery",
        "/staff/letters/1/translations",
        "/staff/letters/1/webhooks",
    ] {
        fuzz_cases(
            &runtime,
            &app,
            cookie,
            FEW,
            (content_type(), raw_body()),
            |(ct, body)| Probe::Post {
                path: path.to_owned(),
                content_type: ct,
                body,
            },
        );
    }

    // Found by this test on PostgreSQL: a NUL as the language of a translation to remove
    // reached the database.
    let nul = block_on(
        &runtime,
        admin.post(
            &app,
            "/staff/letters/1/translations/delete",
            &[("csrf", &csrf), ("language", "\0")],
        ),
    );
    assert_eq!(nul.status(), 400);

    // Signing out last, with any fields: it ends the session the probes above used.
    fuzz_cases(
        &runtime,
        &app,
        cookie,
        FEW,
        staff_fields(csrf.clone()),
        |fields| Probe::Post {
            path: "/staff/sign-out".into(),
            content_type: Some(FORM),
            body: form_body(&fields).into_bytes(),
        },
    );
    block_on(&runtime, app.stop());
}
