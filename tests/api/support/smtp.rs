//! In-process SMTP server for the API integration tests: the application sends real mail to it
//! with lettre, and tests read back what arrived or make delivery fail on purpose.
//!
//! It speaks just enough of RFC 5321, plus STARTTLS (RFC 3207) and AUTH PLAIN/LOGIN (RFC 4954),
//! for lettre's `AsyncSmtpTransport`, including its connection pool (which probes idle
//! connections with NOOP). Every connection is its own tokio task. It can also hang like a
//! broken relay: never greet, or take a message and never answer it (for everyone, or for
//! one recipient while the others are served).
// Not every test uses every helper.
#![allow(dead_code)]

use std::{
    net::Ipv4Addr,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use anyhow::{Context, Result, bail};
use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader},
    net::TcpListener,
    sync::{Notify, oneshot},
    task::{JoinHandle, JoinSet},
};
use tokio_rustls::{
    TlsAcceptor,
    rustls::{
        self,
        pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    },
};

/// How the server is configured: optional STARTTLS and optional required authentication.
#[derive(Clone, Default)]
pub struct SmtpOptions {
    /// Offer STARTTLS with this certificate; AUTH is then only offered after STARTTLS.
    pub tls: Option<TestCertificate>,
    /// Offer AUTH PLAIN/LOGIN, accept only this (username, password) and require it for MAIL.
    pub credentials: Option<(String, String)>,
}

/// A PEM certificate and private key for the server's STARTTLS.
#[derive(Clone)]
pub struct TestCertificate {
    /// The certificate chain (here a single self-signed certificate), PEM encoded.
    pub cert_pem: String,
    /// The private key, PEM encoded.
    pub key_pem: String,
}

impl TestCertificate {
    /// A fresh self-signed certificate for `localhost` and `127.0.0.1`; clients must trust
    /// `cert_pem` as a root certificate.
    pub fn localhost() -> Result<Self> {
        let names = ["localhost", "127.0.0.1"].map(String::from);
        let generated = rcgen::generate_simple_self_signed(names)
            .context("generating a self-signed certificate")?;
        Ok(Self {
            cert_pem: generated.cert.pem(),
            key_pem: generated.signing_key.serialize_pem(),
        })
    }

    fn acceptor(&self) -> Result<TlsAcceptor> {
        let certs = CertificateDer::pem_slice_iter(self.cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .context("parsing the certificate PEM")?;
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes())
            .context("parsing the private key PEM")?;
        // An explicit provider, so nothing depends on a process-wide default being installed.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .context("building the TLS server config")?;
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

/// What the server answers to mail transactions; switch it at any time with
/// [`TestSmtpServer::set_behaviour`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Accept every message.
    Accept,
    /// Reply `451 4.3.0` to MAIL FROM (lettre reports a transient error).
    TemporaryFailure,
    /// Reply `550 5.1.1` to RCPT TO (lettre reports a permanent error).
    PermanentFailure,
    /// Accept the TCP connection and say nothing, not even the greeting, until the client
    /// hangs up (a hung relay). Applies to connections accepted while it is set.
    NeverGreet,
    /// Take the whole message after DATA and never send the final reply, until the client
    /// hangs up. The message is not accepted; it is kept in
    /// [`TestSmtpServer::stalled_messages`].
    StallAfterData,
}

/// One message the server accepted.
#[derive(Clone, Debug)]
pub struct ReceivedMessage {
    /// The envelope sender (MAIL FROM), without angle brackets; empty for the null sender.
    pub mail_from: String,
    /// The envelope recipients (RCPT TO), without angle brackets, in order.
    pub rcpt_to: Vec<String>,
    /// The message as transmitted, dot-unstuffed, with CRLF line endings. It includes the CRLF
    /// before the terminating "." (RFC 5321), so for lettre it is `formatted()` plus "\r\n".
    pub data: Vec<u8>,
    /// The user name the session authenticated as, if it did.
    pub authenticated_as: Option<String>,
    /// Whether the session had been upgraded with STARTTLS.
    pub over_tls: bool,
}

impl ReceivedMessage {
    /// The parsed MIME message; panics (failing the test) if it cannot be parsed.
    pub fn parsed(&self) -> mailparse::ParsedMail<'_> {
        let data = &self.data;
        mailparse::parse_mail(data).unwrap_or_else(|e| {
            panic!("unparsable message: {e}\n{}", String::from_utf8_lossy(data))
        })
    }

    /// The first header called `name` (case-insensitive), with RFC 2047 encoded words decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        use mailparse::MailHeaderMap;
        self.parsed().headers.get_first_value(name)
    }

    /// The decoded Subject header, or "" if there is none.
    pub fn subject(&self) -> String {
        self.header("Subject").unwrap_or_default()
    }

    /// The first inline `text/plain` part, transfer- and charset-decoded, with `\n` line endings
    /// and no trailing line breaks; "" if there is none.
    pub fn text_body(&self) -> String {
        self.body_of_type("text/plain")
    }

    /// The first inline `text/html` part, decoded like [`ReceivedMessage::text_body`].
    pub fn html_body(&self) -> String {
        self.body_of_type("text/html")
    }

    /// Every `http://` or `https://` URL in the text part, in order. A URL ends at whitespace,
    /// `<`, `>` or a quote; trailing sentence punctuation is not part of it.
    pub fn links(&self) -> Vec<String> {
        let text = self.text_body();
        let words = text.split(|c: char| c.is_whitespace() || "<>\"'".contains(c));
        let start = |word: &str| {
            [word.find("http://"), word.find("https://")]
                .iter()
                .flatten()
                .min()
                .copied()
        };
        words
            .filter_map(|word| Some(&word[start(word)?..]))
            .map(|link| {
                link.trim_end_matches(['.', ',', ';', ':', '!', '?', ')'])
                    .to_owned()
            })
            .collect()
    }

    fn body_of_type(&self, mimetype: &str) -> String {
        use mailparse::DispositionType::Attachment;
        let parsed = self.parsed();
        let part = parsed.parts().find(|part| {
            part.ctype.mimetype.eq_ignore_ascii_case(mimetype)
                && part.get_content_disposition().disposition != Attachment
        });
        let Some(part) = part else {
            return String::new();
        };
        let body = part
            .get_body()
            .unwrap_or_else(|error| panic!("decoding the {mimetype} part: {error}"));
        // Tests compare against the text the application rendered. The wire form has CRLF, and
        // lettre adds line breaks at the end (after the body and before the final ".").
        body.replace("\r\n", "\n").trim_end_matches('\n').to_owned()
    }
}

/// A running SMTP server on 127.0.0.1. Dropping it stops it, like [`TestSmtpServer::stop`]
/// but without waiting.
pub struct TestSmtpServer {
    shared: Arc<Shared>,
    port: u16,
    url: String,
    // Sending (or dropping) this tells the accept loop to close the listener and every session.
    shutdown: oneshot::Sender<()>,
    accept_loop: JoinHandle<()>,
}

impl TestSmtpServer {
    /// Starts a plain-text server without authentication on a free port.
    pub async fn start() -> Result<Self> {
        Self::start_with(SmtpOptions::default()).await
    }

    /// Starts a server with the given options on a free port.
    pub async fn start_with(options: SmtpOptions) -> Result<Self> {
        Self::start_on(0, options).await
    }

    /// Starts a server on `port` (0 for any free port), e.g. to bring SMTP "back up" on the
    /// port a stopped server used.
    pub async fn start_on(port: u16, options: SmtpOptions) -> Result<Self> {
        let tls = options
            .tls
            .as_ref()
            .map(TestCertificate::acceptor)
            .transpose()?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .await
            .with_context(|| format!("binding the test SMTP server to 127.0.0.1:{port}"))?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            credentials: options.credentials.clone(),
            tls,
            behaviour: Mutex::new(Behaviour::Accept),
            stall_for: Mutex::new(None),
            messages: Mutex::new(Vec::new()),
            stalled_messages: Mutex::new(Vec::new()),
            stalls_in_progress: AtomicUsize::new(0),
            stall_began: Notify::new(),
            attempts: AtomicUsize::new(0),
            arrived: Notify::new(),
        });
        let (shutdown, stopped) = oneshot::channel();
        let accept_loop = tokio::spawn(accept_loop(listener, Arc::clone(&shared), stopped));
        let url = connection_url(port, &options);
        Ok(Self {
            shared,
            port,
            url,
            shutdown,
            accept_loop,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A lettre connection URL for this server: `smtp://127.0.0.1:PORT` when plain,
    /// `smtp://localhost:PORT?tls=required` with TLS (the certificate names `localhost`), with
    /// percent-encoded `user:password@` when credentials are configured. With TLS the client
    /// must additionally trust [`TestCertificate::cert_pem`].
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Changes how following mail transactions are answered.
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        *lock(&self.shared.behaviour) = behaviour;
    }

    /// Makes messages to `recipient` stall after DATA like [`Behaviour::StallAfterData`]
    /// while every other message is served as the behaviour says; `None` ends it.
    pub fn stall_recipient(&self, recipient: Option<&str>) {
        *lock(&self.shared.stall_for) = recipient.map(str::to_owned);
    }

    /// Messages that were taken in full and then left without a reply, oldest first.
    pub fn stalled_messages(&self) -> Vec<ReceivedMessage> {
        lock(&self.shared.stalled_messages).clone()
    }

    /// How many connections are being held right now without an answer (never greeted,
    /// or stalled after DATA), waiting for their client to hang up.
    pub fn stalls_in_progress(&self) -> usize {
        self.shared.stalls_in_progress.load(Ordering::SeqCst)
    }

    /// Waits until at least `n` connections are held without an answer or `timeout`
    /// passed; returns how many are held either way.
    pub async fn wait_for_stalls(&self, n: usize, timeout: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let began = self.shared.stall_began.notified();
            let held = self.stalls_in_progress();
            if held >= n || tokio::time::timeout_at(deadline, began).await.is_err() {
                return self.stalls_in_progress();
            }
        }
    }

    /// Every message accepted so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMessage> {
        lock(&self.shared.messages).clone()
    }

    /// Waits until at least `n` messages were accepted or `timeout` passed, and returns all
    /// accepted messages either way (so the caller's assertion shows what did arrive).
    pub async fn wait_for_messages(&self, n: usize, timeout: Duration) -> Vec<ReceivedMessage> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Created before checking, so a message accepted in between still wakes us.
            let arrived = self.shared.arrived.notified();
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.messages();
            }
        }
    }

    /// How many MAIL FROM commands were received, accepted or refused (i.e. delivery attempts).
    pub fn attempts(&self) -> usize {
        self.shared.attempts.load(Ordering::SeqCst)
    }

    /// Stops listening and closes every connection; when this returns, the port refuses
    /// connections.
    pub async fn stop(self) {
        let _ = self.shutdown.send(());
        let _ = self.accept_loop.await;
    }
}

/// A port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, release it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|error| panic!("finding a free port on 127.0.0.1: {error}"))
}

fn connection_url(port: u16, options: &SmtpOptions) -> String {
    let userinfo = options
        .credentials
        .as_ref()
        .map(|(user, password)| format!("{}:{}@", percent_encode(user), percent_encode(password)))
        .unwrap_or_default();
    match options.tls {
        Some(_) => format!("smtp://{userinfo}localhost:{port}?tls=required"),
        None => format!("smtp://{userinfo}127.0.0.1:{port}"),
    }
}

/// Encodes everything but RFC 3986 unreserved characters; lettre percent-decodes userinfo.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// State shared by the server handle and all sessions.
struct Shared {
    credentials: Option<(String, String)>,
    tls: Option<TlsAcceptor>,
    behaviour: Mutex<Behaviour>,
    /// A recipient whose messages stall after DATA whatever the behaviour.
    stall_for: Mutex<Option<String>>,
    messages: Mutex<Vec<ReceivedMessage>>,
    stalled_messages: Mutex<Vec<ReceivedMessage>>,
    stalls_in_progress: AtomicUsize,
    stall_began: Notify,
    attempts: AtomicUsize,
    arrived: Notify,
}

/// Locks ignoring poisoning: a panicking test thread must not hide the messages from others.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: oneshot::Receiver<()>) {
    // Sessions live in this set so that shutting it down closes every open connection.
    let mut sessions = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let session = Session::new(Arc::clone(&shared), false);
                    // Errors only mean the client went away or broke the protocol.
                    sessions.spawn(async move { _ = session.run(Box::new(stream)).await });
                }
                // E.g. out of file descriptors: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = sessions.join_next() => {}
        }
    }
    drop(listener);
    sessions.shutdown().await;
}

/// Anything a session can run over: the TCP stream, then possibly TLS on top of it.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

type Connection = BufReader<Box<dyn Io>>;

/// One client connection and its protocol state.
struct Session {
    shared: Arc<Shared>,
    over_tls: bool,
    greeted: bool,
    authenticated_as: Option<String>,
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
}

impl Session {
    fn new(shared: Arc<Shared>, over_tls: bool) -> Self {
        Self {
            shared,
            over_tls,
            greeted: false,
            authenticated_as: None,
            mail_from: None,
            rcpt_to: Vec::new(),
        }
    }

    async fn run(mut self, stream: Box<dyn Io>) -> Result<()> {
        let mut conn: Connection = BufReader::new(stream);
        if *lock(&self.shared.behaviour) == Behaviour::NeverGreet {
            return hold(&self.shared, &mut conn).await;
        }
        reply(&mut conn, "220 localhost ESMTP undersigned test server").await?;
        while let Some(line) = read_line(&mut conn).await? {
            let (verb, argument) = line.split_once(' ').unwrap_or((&line, ""));
            let argument = argument.trim();
            let answer: String = match verb.to_ascii_uppercase().as_str() {
                verb @ ("EHLO" | "HELO") => self.hello(verb == "EHLO", argument),
                "STARTTLS" => {
                    let Some(acceptor) = self.shared.tls.clone().filter(|_| !self.over_tls) else {
                        reply(&mut conn, "502 5.5.1 STARTTLS not available").await?;
                        continue;
                    };
                    reply(&mut conn, "220 2.0.0 Ready to start TLS").await?;
                    // Anything the client pipelined in plain text is discarded with the buffer.
                    let tls = acceptor.accept(conn.into_inner()).await?;
                    conn = BufReader::new(Box::new(tls));
                    // RFC 3207: forget everything learnt before the handshake; expect EHLO.
                    self = Session::new(Arc::clone(&self.shared), true);
                    continue;
                }
                "AUTH" => self.auth(&mut conn, argument).await?.into(),
                "MAIL" => self.mail(argument).into(),
                "RCPT" => self.rcpt(argument).into(),
                "DATA" => self.data(&mut conn).await?.into(),
                "RSET" => {
                    self.reset();
                    "250 2.0.0 OK".into()
                }
                "NOOP" => "250 2.0.0 OK".into(),
                "QUIT" => {
                    reply(&mut conn, "221 2.0.0 Bye").await?;
                    return Ok(());
                }
                "VRFY" | "EXPN" | "HELP" | "BDAT" | "ETRN" => "502 5.5.1 Not implemented".into(),
                _ => "500 5.5.2 Command not recognized".into(),
            };
            reply(&mut conn, &answer).await?;
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.mail_from = None;
        self.rcpt_to.clear();
    }

    /// AUTH is offered only with credentials, and with TLS configured only once encrypted.
    fn auth_available(&self) -> bool {
        self.shared.credentials.is_some() && (self.shared.tls.is_none() || self.over_tls)
    }

    /// EHLO (`extended`) or HELO; EHLO lists the extensions.
    fn hello(&mut self, extended: bool, domain: &str) -> String {
        if domain.is_empty() {
            return "501 5.5.4 A domain is required".into();
        }
        self.greeted = true;
        self.reset();
        if !extended {
            return "250 localhost".into();
        }
        let mut lines = vec![format!("localhost greets {domain}"), "8BITMIME".into()];
        lines.push("SMTPUTF8".into());
        if self.shared.tls.is_some() && !self.over_tls {
            lines.push("STARTTLS".into());
        }
        if self.auth_available() {
            lines.push("AUTH PLAIN LOGIN".into());
        }
        // Every line but the last has a hyphen after the code (RFC 5321 4.2.1).
        let last = lines.len() - 1;
        let numbered = lines.iter().enumerate();
        let numbered =
            numbered.map(|(i, line)| format!("250{}{line}", if i == last { ' ' } else { '-' }));
        numbered.collect::<Vec<_>>().join("\r\n")
    }

    async fn auth(&mut self, conn: &mut Connection, argument: &str) -> Result<&'static str> {
        if self.shared.credentials.is_none() {
            return Ok("502 5.5.1 AUTH not available");
        }
        if !self.auth_available() {
            return Ok("538 5.7.11 Encryption required for requested authentication mechanism");
        }
        if self.authenticated_as.is_some() || self.mail_from.is_some() {
            return Ok("503 5.5.1 AUTH not allowed now");
        }
        let (mechanism, initial) = match argument.split_once(' ') {
            Some((mechanism, initial)) => (mechanism, Some(initial.trim().to_owned())),
            None => (argument, None),
        };
        let given = match mechanism.to_ascii_uppercase().as_str() {
            // PLAIN is "authzid NUL authcid NUL password", sent at once or after an empty 334.
            "PLAIN" => {
                let response = match initial {
                    Some(response) => response,
                    None => challenge(conn, "").await?,
                };
                decode(&response).and_then(|plain| {
                    let mut fields = plain.splitn(3, '\0').skip(1);
                    Some((fields.next()?.to_owned(), fields.next()?.to_owned()))
                })
            }
            "LOGIN" => {
                let user = match initial {
                    Some(user) => user,
                    None => challenge(conn, "Username:").await?,
                };
                let password = challenge(conn, "Password:").await?;
                decode(&user).zip(decode(&password))
            }
            _ => return Ok("504 5.5.4 Unrecognized authentication type"),
        };
        let Some((user, password)) = given else {
            return Ok("501 5.5.2 Cannot decode the response (or authentication cancelled)");
        };
        if self.shared.credentials.as_ref() == Some(&(user.clone(), password)) {
            self.authenticated_as = Some(user);
            Ok("235 2.7.0 Authentication successful")
        } else {
            Ok("535 5.7.8 Authentication credentials invalid")
        }
    }

    fn mail(&mut self, argument: &str) -> &'static str {
        self.shared.attempts.fetch_add(1, Ordering::SeqCst);
        if !self.greeted {
            return "503 5.5.1 Send EHLO first";
        }
        if self.shared.credentials.is_some() && self.authenticated_as.is_none() {
            return "530 5.7.0 Authentication required";
        }
        if self.mail_from.is_some() {
            return "503 5.5.1 Nested MAIL command";
        }
        if *lock(&self.shared.behaviour) == Behaviour::TemporaryFailure {
            return "451 4.3.0 Temporary failure, please try again later";
        }
        let Some(path) = path_argument(argument, "FROM:") else {
            return "501 5.5.4 Syntax: MAIL FROM:<address>";
        };
        self.mail_from = Some(path);
        "250 2.1.0 OK"
    }

    fn rcpt(&mut self, argument: &str) -> &'static str {
        if self.mail_from.is_none() {
            return "503 5.5.1 Need MAIL before RCPT";
        }
        if *lock(&self.shared.behaviour) == Behaviour::PermanentFailure {
            return "550 5.1.1 Mailbox unavailable";
        }
        let Some(path) = path_argument(argument, "TO:") else {
            return "501 5.5.4 Syntax: RCPT TO:<address>";
        };
        self.rcpt_to.push(path);
        "250 2.1.5 OK"
    }

    async fn data(&mut self, conn: &mut Connection) -> Result<&'static str> {
        if self.mail_from.is_none() || self.rcpt_to.is_empty() {
            return Ok("503 5.5.1 Need MAIL and RCPT before DATA");
        }
        reply(conn, "354 Start mail input; end with <CRLF>.<CRLF>").await?;
        let mut data = Vec::new();
        let mut line = Vec::new();
        loop {
            line.clear();
            if conn.read_until(b'\n', &mut line).await? == 0 {
                bail!("connection closed during DATA");
            }
            if line == b".\r\n" || line == b".\n" {
                break;
            }
            // RFC 5321 4.5.2: the client doubled every leading dot.
            data.extend_from_slice(line.strip_prefix(b".").unwrap_or(&line));
        }
        let message = ReceivedMessage {
            mail_from: self.mail_from.take().unwrap_or_default(),
            rcpt_to: std::mem::take(&mut self.rcpt_to),
            data,
            authenticated_as: self.authenticated_as.clone(),
            over_tls: self.over_tls,
        };
        let stalls = *lock(&self.shared.behaviour) == Behaviour::StallAfterData
            || lock(&self.shared.stall_for)
                .as_ref()
                .is_some_and(|stalled| message.rcpt_to.contains(stalled));
        if stalls {
            lock(&self.shared.stalled_messages).push(message);
            hold(&self.shared, conn).await?;
            bail!("the client hung up while its message was left without a reply");
        }
        lock(&self.shared.messages).push(message);
        self.shared.arrived.notify_waiters();
        Ok("250 2.0.0 OK: queued")
    }
}

/// Says nothing more on this connection and waits for the client to hang up, counted in
/// `stalls_in_progress` meanwhile (also when the session is stopped with the server).
async fn hold(shared: &Shared, conn: &mut Connection) -> Result<()> {
    struct Held<'a>(&'a AtomicUsize);
    impl Drop for Held<'_> {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }
    shared.stalls_in_progress.fetch_add(1, Ordering::SeqCst);
    let _held = Held(&shared.stalls_in_progress);
    shared.stall_began.notify_waiters();
    let mut ignored = [0u8; 1024];
    while conn.read(&mut ignored).await? > 0 {}
    Ok(())
}

/// Parses `FROM:<path> [parameters]` / `TO:<path> ...` (keyword case-insensitive) to the path.
fn path_argument(argument: &str, keyword: &str) -> Option<String> {
    let prefix = argument.get(..keyword.len())?;
    if !prefix.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let path = argument[keyword.len()..].trim_start().strip_prefix('<')?;
    Some(path.split_once('>')?.0.to_owned())
}

/// Sends a 334 challenge and returns the client's (still base64 encoded) answer.
async fn challenge(conn: &mut Connection, prompt: &str) -> Result<String> {
    reply(conn, &format!("334 {}", BASE64.encode(prompt))).await?;
    read_line(conn)
        .await?
        .context("connection closed during AUTH")
}

/// Decodes a base64 SASL response; `None` for garbage or the client's `*` cancellation.
fn decode(response: &str) -> Option<String> {
    String::from_utf8(BASE64.decode(response).ok()?).ok()
}

/// Reads one command line without its line ending; `None` once the client closed.
async fn read_line(conn: &mut Connection) -> Result<Option<String>> {
    let mut line = Vec::new();
    if conn.read_until(b'\n', &mut line).await? == 0 {
        return Ok(None);
    }
    Ok(Some(String::from_utf8_lossy(&line).trim_end().to_owned()))
}

async fn reply(conn: &mut Connection, text: &str) -> Result<()> {
    conn.write_all(format!("{text}\r\n").as_bytes()).await?;
    conn.flush().await?;
    Ok(())
}
