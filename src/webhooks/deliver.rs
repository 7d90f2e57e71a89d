//! Sending one queued webhook delivery: build the body from current data, sign it, post
//! it over a connection to a checked address, and record the attempt.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::http::{HeaderValue, Request, header};
use chrono::{DateTime, SecondsFormat, Utc};
use hyper_util::rt::TokioIo;
use sea_orm::{ActiveModelTrait, DatabaseConnection, DbErr, EntityTrait, Set};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore, pki_types::ServerName};
use url::Url;

use super::target;
use crate::clock::Clock;
use crate::config::Settings;
use crate::entities::{SignatureKind, outbox, webhook_attempt, webhook_endpoint};
use crate::letters::status_name;
use crate::mail::SendError;
use crate::metrics::Metrics;
use crate::store::{letters, signatures};

/// Longest error text kept with an attempt.
const ERROR_MAX: usize = 500;

/// What one queued delivery is about (the outbox job's fields).
#[derive(Clone, Copy, Debug)]
pub struct Delivery<'a> {
    pub endpoint_id: i64,
    pub letter_id: i64,
    pub event: &'a str,
    pub signature_id: Option<i64>,
    pub occurred_at_ms: i64,
}

/// Carries out one delivery attempt. `Ok` when the endpoint answered 2xx, or when there is
/// nothing to send any more (endpoint removed, letter or signature gone). A refused target
/// is a permanent failure; any other failure (no answer, not 2xx) is temporary and the
/// outbox retries it with backoff. Every attempt that was made is recorded.
pub async fn deliver(
    db: &DatabaseConnection,
    settings: &Settings,
    clock: &Clock,
    row: &outbox::Model,
    delivery: Delivery<'_>,
    metrics: Option<&Metrics>,
) -> Result<(), SendError> {
    let database = |e: DbErr| SendError::Temporary(format!("database: {e}"));
    let Some(endpoint) = webhook_endpoint::Entity::find_by_id(delivery.endpoint_id)
        .one(db)
        .await
        .map_err(database)?
    else {
        return Ok(());
    };
    let Some(body) = body(db, &endpoint, &delivery).await.map_err(database)? else {
        return Ok(());
    };
    let id = message_id(row);
    let timestamp = clock.now().timestamp();
    let signature = super::signature(&endpoint.secret, &id, timestamp, &body)
        .ok_or_else(|| SendError::Permanent("the endpoint's secret is malformed".into()))?;
    let started = Instant::now();
    let sent = tokio::time::timeout(
        settings.webhook_timeout,
        post(
            &endpoint.url,
            settings.webhook_allow_private_targets,
            &[
                ("webhook-id", id.as_str()),
                ("webhook-timestamp", &timestamp.to_string()),
                ("webhook-signature", &signature),
            ],
            body,
        ),
    )
    .await
    .unwrap_or_else(|_| {
        Err(Failure::Failed(format!(
            "no answer within {} s",
            settings.webhook_timeout.as_secs()
        )))
    });
    let took = started.elapsed();
    let (status_code, error, result) = match sent {
        Ok(status) if (200..300).contains(&status) => (Some(status), None, Ok(())),
        Ok(status) => {
            let reason = format!("the endpoint answered {status}");
            (
                Some(status),
                Some(reason.clone()),
                Err(SendError::Temporary(reason)),
            )
        }
        Err(Failure::Refused(reason)) => (
            None,
            Some(reason.clone()),
            Err(SendError::Permanent(reason)),
        ),
        Err(Failure::Failed(reason)) => (
            None,
            Some(reason.clone()),
            Err(SendError::Temporary(reason)),
        ),
    };
    if let Some(metrics) = metrics {
        metrics.webhook_attempt(match &result {
            Ok(()) => "delivered",
            Err(SendError::Permanent(_)) => "refused",
            Err(SendError::Temporary(_)) => "failed",
        });
    }
    webhook_attempt::ActiveModel {
        endpoint_id: Set(endpoint.id),
        letter_id: Set(endpoint.letter_id),
        outbox_id: Set(row.id),
        event: Set(delivery.event.to_owned()),
        attempt: Set(row.attempts),
        status_code: Set(status_code.map(i32::from)),
        error: Set(error.map(|e| e.chars().take(ERROR_MAX).collect())),
        duration_ms: Set(i64::try_from(took.as_millis()).unwrap_or(i64::MAX)),
        attempted_at: Set(clock.now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(database)?;
    result
}

/// The `webhook-id`: the same on every attempt of one delivery, so receivers can drop
/// duplicates; the outbox row's random key keeps it unique across databases.
fn message_id(row: &outbox::Model) -> String {
    match row.message_key.as_deref() {
        Some(key) => format!("msg_{}_{key}", row.id),
        None => format!("msg_{}", row.id),
    }
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The JSON body: `{"type", "timestamp", "data": {"letter": .., "signature": ..}}`, read
/// now. Signers' names and addresses only when the endpoint asks for personal data.
/// `None` when what the event is about no longer exists.
async fn body(
    db: &DatabaseConnection,
    endpoint: &webhook_endpoint::Model,
    delivery: &Delivery<'_>,
) -> Result<Option<String>, DbErr> {
    let Some(letter) = letters::find_by_id(db, delivery.letter_id).await? else {
        return Ok(None);
    };
    let occurred = DateTime::<Utc>::from_timestamp_millis(delivery.occurred_at_ms)
        .unwrap_or(letter.updated_at);
    let mut data = json!({
        "letter": {
            "id": letter.id,
            "slug": letter.slug,
            "title": letter.title,
            "status": status_name(letter.status),
        }
    });
    if let Some(signature_id) = delivery.signature_id {
        let Some(sig) = signatures::find(db, signature_id).await? else {
            return Ok(None);
        };
        let mut signature = json!({
            "id": sig.id,
            "kind": sig.kind.as_str(),
            "confirmed_at": sig.confirmed_at.map(rfc3339),
        });
        if let (true, Value::Object(fields)) = (endpoint.include_personal, &mut signature) {
            fields.insert("name".into(), json!(sig.name));
            fields.insert("email".into(), json!(sig.email));
            if sig.kind == SignatureKind::Organisation {
                fields.insert("organisation_name".into(), json!(sig.organisation_name));
            }
        }
        if let Value::Object(fields) = &mut data {
            fields.insert("signature".into(), signature);
        }
    }
    let body = json!({
        "type": delivery.event,
        "timestamp": rfc3339(occurred),
        "data": data,
    });
    Ok(Some(body.to_string()))
}

/// Why a post did not get an answer.
enum Failure {
    /// The target is not allowed (see `target`): retrying will not help.
    Refused(String),
    /// No connection, TLS or HTTP failure: worth retrying.
    Failed(String),
}

/// Posts `body` as JSON to `raw_url` and returns the answer's status. Connects only to
/// addresses `target::resolve` checked; redirects are not followed.
async fn post(
    raw_url: &str,
    allow_private: bool,
    extra: &[(&'static str, &str)],
    body: String,
) -> Result<u16, Failure> {
    let url = Url::parse(raw_url).map_err(|e| Failure::Refused(format!("bad address: {e}")))?;
    let addresses = target::resolve(&url, allow_private)
        .await
        .map_err(|e| Failure::Refused(e.0))?;
    let stream = connect(&addresses).await?;
    let host = url
        .host_str()
        .ok_or_else(|| Failure::Refused("the address has no host".into()))?;
    let authority = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let path = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let mut request = Request::post(path)
        .header(header::HOST, authority)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, "undersigned-webhooks");
    for (name, value) in extra {
        let value = HeaderValue::from_str(value)
            .map_err(|e| Failure::Refused(format!("bad header value: {e}")))?;
        request = request.header(*name, value);
    }
    let request = request
        .body(body)
        .map_err(|e| Failure::Refused(format!("building the request: {e}")))?;
    if url.scheme() == "https" {
        let name = ServerName::try_from(host.trim_matches(['[', ']']).to_owned())
            .map_err(|e| Failure::Refused(format!("bad host name for TLS: {e}")))?;
        let tls = TlsConnector::from(tls_config().map_err(Failure::Failed)?)
            .connect(name, stream)
            .await
            .map_err(|e| Failure::Failed(format!("TLS: {e}")))?;
        exchange(tls, request).await
    } else {
        exchange(stream, request).await
    }
}

/// The first of `addresses` that takes a connection.
async fn connect(addresses: &[SocketAddr]) -> Result<TcpStream, Failure> {
    let mut last = String::from("no address");
    for address in addresses {
        match TcpStream::connect(address).await {
            Ok(stream) => return Ok(stream),
            Err(e) => last = format!("connecting to {address}: {e}"),
        }
    }
    Err(Failure::Failed(last))
}

/// One HTTP/1.1 request on `stream`; the answer's body is not read.
async fn exchange<S>(stream: S, request: Request<String>) -> Result<u16, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| Failure::Failed(format!("HTTP: {e}")))?;
    let driver = tokio::spawn(connection);
    let answer = sender
        .send_request(request)
        .await
        .map_err(|e| Failure::Failed(format!("HTTP: {e}")));
    drop(sender);
    driver.abort();
    Ok(answer?.status().as_u16())
}

/// TLS with the Mozilla roots (webpki-roots) and ring, made once.
fn tls_config() -> Result<Arc<ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map(|b| Arc::new(b.with_root_certificates(roots).with_no_client_auth()))
                .map_err(|e| format!("TLS setup: {e}"))
        })
        .clone()
}
