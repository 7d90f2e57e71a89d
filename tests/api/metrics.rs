//! `/metrics`: off unless asked for, guarded by its token, served on its own address when
//! configured, and its figures move with what the service does.

use std::collections::BTreeMap;

use undersigned::Settings;

use crate::support::{LETTER, TestApp, individual};

const TOKEN: &str = "a long metrics token for the scraper";

/// One sample of the exposition text: the metric name and its labels, and the value.
type Samples = BTreeMap<String, f64>;

/// Parses the Prometheus text exposition format strictly enough to fail on anything a
/// scraper would refuse: comment lines are `# HELP name text` or `# TYPE name kind`,
/// sample lines are `name{label="value",...} number`, names and label names are valid,
/// label values are quoted with escapes, every sample belongs to a declared type.
fn parse_exposition(text: &str) -> Samples {
    fn valid_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    }
    let mut typed: BTreeMap<String, String> = BTreeMap::new();
    let mut samples = Samples::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix("# ") {
            let mut parts = comment.splitn(3, ' ');
            let keyword = parts.next().unwrap();
            let name = parts.next().expect("a metric name after HELP/TYPE");
            assert!(valid_name(name), "bad metric name in {line:?}");
            match keyword {
                "HELP" => {}
                "TYPE" => {
                    let kind = parts.next().expect("a type");
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                        "bad type in {line:?}"
                    );
                    typed.insert(name.to_owned(), kind.to_owned());
                }
                other => panic!("unknown comment keyword {other} in {line:?}"),
            }
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("a sample has a value");
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v
                .parse()
                .unwrap_or_else(|_| panic!("bad value in {line:?}")),
        };
        let name = series.split('{').next().unwrap();
        assert!(valid_name(name), "bad sample name in {line:?}");
        if let Some(labels) = series.strip_prefix(name)
            && !labels.is_empty()
        {
            let inner = labels
                .strip_prefix('{')
                .and_then(|l| l.strip_suffix('}'))
                .unwrap_or_else(|| panic!("bad label set in {line:?}"));
            let mut rest = inner;
            while !rest.is_empty() {
                let (label, after) = rest.split_once("=\"").expect("label=\"value\"");
                assert!(valid_name(label), "bad label name in {line:?}");
                // The value ends at the first quote not escaped by a backslash.
                let mut end = None;
                let mut escaped = false;
                for (i, c) in after.char_indices() {
                    match c {
                        '\\' if !escaped => escaped = true,
                        '"' if !escaped => {
                            end = Some(i);
                            break;
                        }
                        _ => escaped = false,
                    }
                }
                let end = end.unwrap_or_else(|| panic!("unterminated label in {line:?}"));
                rest = after[end + 1..]
                    .strip_prefix(',')
                    .unwrap_or(&after[end + 1..]);
            }
        }
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s).filter(|f| typed.contains_key(*f)))
            .unwrap_or(name);
        assert!(typed.contains_key(family), "sample {name} has no TYPE line");
        samples.insert(series.to_owned(), value);
    }
    samples
}

async fn scrape(app: &TestApp) -> Samples {
    let response = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    parse_exposition(&response.text().await.unwrap())
}

fn value(samples: &Samples, series: &str) -> f64 {
    samples.get(series).copied().unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_do_not_exist_unless_an_operator_turns_them_on() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/metrics").await.status(), 404);
    let with_a_token = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(with_a_token.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn metrics_need_the_exact_bearer_token() {
    let app = TestApp::spawn_with(|s| s.metrics_token = Some(TOKEN.into())).await;
    let without = app.get("/metrics").await;
    assert_eq!(without.status(), 401);
    assert!(
        without.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    for wrong in ["wrong", &TOKEN[1..], &format!("{TOKEN}x")] {
        let response = app
            .client
            .get(app.url("/metrics"))
            .bearer_auth(wrong)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "token {wrong:?}");
        assert!(!response.text().await.unwrap().contains("undersigned_"));
    }
    let basic = app
        .client
        .get(app.url("/metrics"))
        .basic_auth("metrics", Some(TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);
    let samples = scrape(&app).await;
    assert!(samples.contains_key("undersigned_outbox_pending"));
    app.stop().await;
}

#[tokio::test]
async fn a_signing_and_a_confirmation_move_the_counters() {
    let app = TestApp::spawn_with(|s| s.metrics_token = Some(TOKEN.into())).await;
    let before = scrape(&app).await;
    assert_eq!(
        value(&before, "undersigned_signings_total{kind=\"individual\"}"),
        0.0
    );

    let signed = app
        .sign(&individual("Ada Lovelace", "ada@example.com"))
        .await;
    assert_eq!(signed.status(), 303);
    let queued = scrape(&app).await;
    assert_eq!(
        value(&queued, "undersigned_signings_total{kind=\"individual\"}"),
        1.0
    );
    assert_eq!(value(&queued, "undersigned_outbox_pending"), 1.0);
    let sign_route = "undersigned_http_requests_total{route=\"/letters/{slug}/sign\",method=\"POST\",status=\"303\"}";
    assert_eq!(value(&queued, sign_route), 1.0, "{queued:#?}");
    // The raw path, which would carry the slug (and for links, tokens), is never a label.
    assert!(queued.keys().all(|k| !k.contains(LETTER)));

    app.drain_outbox().await;
    let mail = app.wait_for_mail(1).await;
    let path = TestApp::confirmation_path(&mail[0]);
    assert_eq!(app.post_form(&path, &[]).await.status(), 200);

    let after = scrape(&app).await;
    assert_eq!(
        value(
            &after,
            "undersigned_confirmations_total{kind=\"individual\"}"
        ),
        1.0
    );
    assert_eq!(
        value(&after, "undersigned_smtp_results_total{class=\"sent\"}"),
        1.0
    );
    assert_eq!(value(&after, "undersigned_outbox_pending"), 0.0);
    // The signing and the confirmation each went through the group-commit writer, alone
    // in their batch (they came one after the other).
    assert_eq!(value(&after, "undersigned_write_batch_items_total"), 2.0);
    assert_eq!(value(&after, "undersigned_write_batches_total"), 2.0);
    assert_eq!(value(&after, "undersigned_write_batches_failed_total"), 0.0);
    // The confirmation waits for the roll-up, and the lag says so; the roll-up clears it.
    app.clock.advance(chrono::Duration::seconds(3));
    let lagging = scrape(&app).await;
    assert!(value(&lagging, "undersigned_count_rollup_lag_seconds") >= 3.0);
    app.roll_up().await;
    let rolled = scrape(&app).await;
    assert_eq!(value(&rolled, "undersigned_count_rollup_lag_seconds"), 0.0);
    app.stop().await;
}

#[tokio::test]
async fn the_oldest_due_outbox_row_shows_its_age() {
    let app = TestApp::spawn_with(|s| s.metrics_token = Some(TOKEN.into())).await;
    app.sign(&individual("Ada Lovelace", "ada@example.com"))
        .await;
    app.clock.advance(chrono::Duration::seconds(90));
    let samples = scrape(&app).await;
    assert_eq!(
        value(&samples, "undersigned_outbox_oldest_due_age_seconds"),
        90.0
    );
    app.drain_outbox().await;
    app.stop().await;
}

#[tokio::test]
async fn rate_limit_rejections_are_counted_by_limit() {
    let app = TestApp::spawn_with(|s| {
        s.metrics_token = Some(TOKEN.into());
        s.sign_rate_per_minute = 1;
        s.sign_burst = 1;
    })
    .await;
    app.sign(&individual("Ada Lovelace", "ada@example.com"))
        .await;
    let refused = app
        .sign(&individual("Grace Hopper", "grace@example.com"))
        .await;
    assert_eq!(refused.status(), 429);
    let samples = scrape(&app).await;
    assert_eq!(
        value(
            &samples,
            "undersigned_rate_limit_rejections_total{limit=\"sign_address\"}"
        ),
        1.0
    );
    app.drain_outbox().await;
    app.stop().await;
}

#[tokio::test]
async fn a_separate_metrics_address_serves_metrics_alone() {
    let app = TestApp::spawn_with(|s| s.metrics_bind = Some("127.0.0.1:0".parse().unwrap())).await;
    let port = app.metrics_port.expect("a metrics listener");
    assert_ne!(port, app.port);
    let response = app
        .client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let samples = parse_exposition(&response.text().await.unwrap());
    assert!(samples.contains_key("undersigned_outbox_pending"));
    // Nothing else is served there, and the main address still has no /metrics.
    let other = app
        .client
        .get(format!("http://127.0.0.1:{port}/letters/{LETTER}"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
    assert_eq!(app.get("/metrics").await.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn a_public_metrics_address_needs_an_explicit_setting() {
    let vars = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (format!("UNDERSIGNED_{k}"), v.to_string()))
            .collect::<Vec<_>>()
    };
    let refused = Settings::from_sources(None, vars(&[("METRICS_BIND", "0.0.0.0:9100")]));
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("not a loopback address")
    );
    let allowed = Settings::from_sources(
        None,
        vars(&[
            ("METRICS_BIND", "0.0.0.0:9100"),
            ("METRICS_BIND_ALLOW_PUBLIC", "true"),
        ]),
    )
    .unwrap();
    let warnings = allowed.check().unwrap();
    assert!(warnings.iter().any(|w| w.contains("metrics")));
    // The token is a secret: never printed.
    let with_token =
        Settings::from_sources(None, vars(&[("METRICS_TOKEN", "do-not-print-me")])).unwrap();
    assert!(!format!("{with_token:?}").contains("do-not-print-me"));
}
