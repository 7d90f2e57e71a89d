//! Sending email: over SMTP with lettre, or, when no relay is configured, into .eml files
//! that the development mailbox page shows.

mod mailbox;

pub use mailbox::{MailboxEntry, read_mailbox};

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;
use lettre::message::{Mailbox, MultiPart, SinglePart, header};
use lettre::transport::smtp::AsyncSmtpTransportBuilder;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Settings;

/// One email ready to go.
#[derive(Clone, Debug)]
pub struct OutgoingEmail {
    pub to: Mailbox,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Without angle brackets; the same on every retry so receivers can drop duplicates.
    pub message_id: String,
    /// Where replies go, when not to the From address.
    pub reply_to: Option<Mailbox>,
    /// Files sent with the message (the delivery's PDF and CSV); none for most emails.
    pub attachments: Vec<Attachment>,
}

/// A file attached to an email.
#[derive(Clone, Debug)]
pub struct Attachment {
    /// The file name the receiver sees (safe characters only).
    pub file_name: String,
    /// A MIME type, e.g. `application/pdf`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Why a send failed, in the two kinds the outbox treats differently.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth retrying later: a 4xx reply, a refused connection, a timeout, a TLS hiccup.
    #[error("temporary failure: {0}")]
    Temporary(String),
    /// Will not succeed by retrying: a 5xx reply, an address that cannot be written.
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// The configured transport.
#[derive(Clone)]
pub enum Mailer {
    Smtp { relay: Arc<Relay>, from: Mailbox },
    Files { dir: PathBuf, from: Mailbox },
}

impl Mailer {
    /// SMTP when `smtp_url` is set, otherwise files in `mail_dir`.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Mailer> {
        let from: Mailbox = settings
            .mail_from
            .parse()
            .with_context(|| format!("mail_from `{}` is not an address", settings.mail_from))?;
        match settings.smtp_url() {
            None => {
                std::fs::create_dir_all(&settings.mail_dir).with_context(|| {
                    format!(
                        "creating the mail directory {}",
                        settings.mail_dir.display()
                    )
                })?;
                Ok(Mailer::Files {
                    dir: settings.mail_dir.clone(),
                    from,
                })
            }
            Some(url) => {
                let builder = smtp_transport(url, settings)?;
                Ok(Mailer::Smtp {
                    relay: Arc::new(Relay::new(builder, settings.smtp_timeout)),
                    from,
                })
            }
        }
    }

    /// Where mail goes, for the start-up message (no credentials).
    pub fn describe(&self) -> String {
        match self {
            Mailer::Smtp { .. } => "SMTP relay (smtp_url)".to_string(),
            Mailer::Files { dir, .. } => {
                format!("files in {}", dir.display())
            }
        }
    }

    /// Sends one email; the error says whether a retry can help.
    pub async fn send(&self, email: OutgoingEmail) -> Result<(), SendError> {
        let from = match self {
            Mailer::Smtp { from, .. } | Mailer::Files { from, .. } => from.clone(),
        };
        let message = compose(from, &email)?;
        match self {
            Mailer::Smtp { relay, .. } => relay.send(message).await,
            Mailer::Files { dir, .. } => write_file(dir, &email.message_id, &message.formatted())
                .await
                .map_err(|e| SendError::Temporary(format!("writing the mail file: {e}"))),
        }
    }
}

/// The SMTP relay: lettre's pooled transport, with every conversation bounded end to end.
///
/// lettre's own `timeout` bounds only the TCP connect of its async transport: a relay that
/// accepts the connection and never greets, or takes the message and never answers it,
/// holds the send for good. So each whole send (connect, greeting, TLS, AUTH, MAIL, RCPT,
/// DATA and the final reply) runs under `smtp_timeout` here.
///
/// A send cut short that way leaves its connection in mid-conversation, and lettre's pool
/// takes a dropped connection back as healthy (only an error it saw marks one broken). A
/// later send could then read the stalled relay's late reply as the answer to its own
/// command. So a timeout retires the whole pool: the next send starts a fresh one, and no
/// connection of the old pool is handed out again.
///
/// Known limits, both inside lettre: a send that took the old pool from `current` just
/// before the timeout and asks it for a connection just after could still be given the
/// interrupted one (its NOOP probe usually fails, costing that send a timeout too); and
/// when the old pool is dropped lettre says QUIT on each of its connections without a
/// timeout, so that background task waits until the hung relay closes the socket.
pub struct Relay {
    builder: AsyncSmtpTransportBuilder,
    timeout: Duration,
    /// The pool in use and its generation, so that of several sends timing out on one
    /// pool only the first replaces it.
    current: Mutex<(u64, AsyncSmtpTransport<Tokio1Executor>)>,
}

impl Relay {
    fn new(builder: AsyncSmtpTransportBuilder, timeout: Duration) -> Relay {
        let transport = builder.clone().build();
        Relay {
            builder,
            timeout,
            current: Mutex::new((0, transport)),
        }
    }

    async fn send(&self, message: Message) -> Result<(), SendError> {
        let (generation, transport) = self
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match tokio::time::timeout(self.timeout, transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Ok(Err(e)) => Err(SendError::Temporary(e.to_string())),
            Err(_) => {
                self.retire(generation);
                Err(SendError::Temporary(format!(
                    "the SMTP relay did not finish the conversation within {} s \
                     (smtp_timeout_secs)",
                    self.timeout.as_secs_f64()
                )))
            }
        }
    }

    /// Replaces the pool of `generation` (unless another send did already). lettre closes
    /// the old pool's connections once its last send has finished with it.
    fn retire(&self, generation: u64) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.0 == generation {
            *current = (generation.wrapping_add(1), self.builder.clone().build());
            tracing::warn!("SMTP connection pool replaced after a timed-out conversation");
        }
    }
}

/// A multipart/alternative message with plain-text and HTML parts; with attachments, that
/// part comes first in a multipart/mixed message, followed by the files.
fn compose(from: Mailbox, email: &OutgoingEmail) -> Result<Message, SendError> {
    let mut builder = Message::builder()
        .from(from)
        .to(email.to.clone())
        .subject(email.subject.clone())
        .message_id(Some(format!("<{}>", email.message_id)));
    if let Some(reply_to) = &email.reply_to {
        builder = builder.reply_to(reply_to.clone());
    }
    let alternative = MultiPart::alternative()
        .singlepart(
            SinglePart::builder()
                .header(header::ContentType::TEXT_PLAIN)
                .body(email.text.clone()),
        )
        .singlepart(
            SinglePart::builder()
                .header(header::ContentType::TEXT_HTML)
                .body(email.html.clone()),
        );
    let body = if email.attachments.is_empty() {
        alternative
    } else {
        let mut mixed = MultiPart::mixed().multipart(alternative);
        for file in &email.attachments {
            let content_type = header::ContentType::parse(&file.content_type).map_err(|e| {
                SendError::Permanent(format!("attachment type {}: {e}", file.content_type))
            })?;
            mixed = mixed.singlepart(
                lettre::message::Attachment::new(file.file_name.clone())
                    .body(file.bytes.clone(), content_type),
            );
        }
        mixed
    };
    builder
        .multipart(body)
        .map_err(|e| SendError::Permanent(format!("building the message: {e}")))
}

/// The SMTP transport's builder for a lettre URL; `smtp_ca_file` adds a trusted root for relays
/// with a private certificate authority.
fn smtp_transport(url: &str, settings: &Settings) -> anyhow::Result<AsyncSmtpTransportBuilder> {
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .context("smtp_url is not a valid SMTP URL (see the README for the forms)")?
        .timeout(Some(settings.smtp_timeout));
    if let Some(ca_file) = &settings.smtp_ca_file {
        let pem = std::fs::read(ca_file)
            .with_context(|| format!("reading smtp_ca_file {}", ca_file.display()))?;
        let parsed = url::Url::parse(url).context("smtp_url is not a URL")?;
        let host = parsed
            .host_str()
            .context("smtp_url has no host")?
            .to_string();
        let parameters = TlsParameters::builder(host)
            .add_root_certificate(
                Certificate::from_pem(&pem).context("smtp_ca_file is not a PEM certificate")?,
            )
            .build_rustls()
            .context("setting up TLS for SMTP")?;
        let mode = parsed
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let tls = match (parsed.scheme(), mode.as_deref()) {
            ("smtps", _) => Tls::Wrapper(parameters),
            ("smtp", Some("required")) => Tls::Required(parameters),
            ("smtp", Some("opportunistic")) => Tls::Opportunistic(parameters),
            _ => anyhow::bail!("smtp_ca_file is set but smtp_url does not use TLS"),
        };
        builder = builder.tls(tls);
    }
    Ok(builder)
}

/// Writes a message atomically (temporary name, then rename) so the mailbox never shows
/// half a file.
async fn write_file(dir: &std::path::Path, message_id: &str, bytes: &[u8]) -> std::io::Result<()> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ");
    let safe: String = message_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = format!("{stamp}-{safe}.eml");
    let partial = dir.join(format!(".{name}.partial"));
    tokio::fs::write(&partial, bytes).await?;
    tokio::fs::rename(&partial, dir.join(name)).await
}
