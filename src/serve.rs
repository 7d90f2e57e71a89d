//! The HTTP server's accept loop: header and idle timeouts, caps on open connections, and a
//! shutdown that ends in bounded time whatever clients do.
//!
//! `axum::serve` has none of these: a client trickling one header byte every few seconds
//! held its connection (and a file descriptor) for ever, so a thousand of them from one
//! address exhausted the process's open-file limit for everyone, and a single one kept the
//! process alive long after SIGTERM.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::response::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use ipnet::IpNet;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use crate::abuse::{is_trusted_proxy, limit_key};
use crate::config::Settings;

/// First pause after an accept error such as EMFILE; doubled while errors go on.
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
/// Longest pause after accept errors: long enough to let descriptors free up, short
/// enough that service resumes quickly once they do.
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);
/// Refused connections are logged at most this often (with a count), so an attack does
/// not turn into a flood of log lines.
const REFUSAL_LOG_EVERY: Duration = Duration::from_secs(10);
/// Descriptors the process needs besides client connections: the database pool, SMTP,
/// mail files, the listener, logs.
const FD_MARGIN: u64 = 256;

/// Serves `app` on `listener` until `shutdown` fires, then lets connections finish what
/// they are doing for at most `shutdown_timeout` and closes whatever is left.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    settings: &Settings,
    shutdown: CancellationToken,
) {
    let gate = Arc::new(Gate::new(settings));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout)
        .keep_alive(true);
    let http = Arc::new(http);
    let idle_timeout = settings.idle_timeout;
    let connections = TaskTracker::new();
    // Cancelled when the shutdown timeout has passed: connections still open are dropped.
    let cut = CancellationToken::new();
    let mut backoff = ACCEPT_BACKOFF_MIN;
    let mut refusals = RefusalLog::default();

    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                backoff = ACCEPT_BACKOFF_MIN;
                match gate.admit(peer.ip()) {
                    Ok(permit) => {
                        let connection = Connection {
                            stream,
                            peer,
                            app: app.clone(),
                            http: http.clone(),
                            idle_timeout,
                            shutdown: shutdown.clone(),
                            cut: cut.clone(),
                            _permit: permit,
                        };
                        connections.spawn(connection.run());
                    }
                    // Closed at once rather than answered with a 503: writing costs
                    // time and a buffer for every refused connection, the client most
                    // likely has its request in flight already so our close turns into
                    // a reset that discards any answer, and only a client holding
                    // many idle connections open ever gets here.
                    Err(refusal) => {
                        drop(stream);
                        refusals.note(refusal, peer.ip());
                    }
                }
            }
            // Failures of one connection (reset before we accepted it): nothing to wait for.
            Err(e) if is_connection_error(&e) => {}
            // EMFILE, ENFILE, ENOBUFS...: the listener is fine but the process is short of
            // something. Pause so connections can close, and go on.
            Err(e) => {
                tracing::warn!(
                    error = %e,
                    pause_ms = backoff.as_millis() as u64,
                    "accepting a connection failed; pausing"
                );
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
            }
        }
    }

    // New connections are refused by the kernel from here on.
    drop(listener);
    connections.close();
    let open = connections.len();
    if open > 0 {
        tracing::info!(open, "waiting for open connections to finish");
    }
    let timeout = settings.shutdown_timeout;
    if tokio::time::timeout(timeout, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            open = connections.len(),
            timeout_secs = timeout.as_secs(),
            "connections still open after the shutdown timeout; closing them"
        );
        cut.cancel();
        connections.wait().await;
    }
}

/// Raises the soft open-file limit towards the hard limit when it is too low for
/// `max_connections` (every connection holds a descriptor), and warns when it stays too low.
///
/// The usual default soft limit is 1,024: far below the default of 10,000 connections,
/// and a process out of descriptors cannot accept anyone, nor open its database.
pub fn raise_open_file_limit(settings: &Settings) {
    let wanted = u64::from(settings.max_connections)
        + u64::from(settings.database_max_connections)
        + FD_MARGIN;
    match rlimit::increase_nofile_limit(wanted) {
        Ok(limit) if limit >= wanted => {
            tracing::debug!(limit, "open-file limit is sufficient")
        }
        Ok(limit) => tracing::warn!(
            limit,
            wanted,
            max_connections = settings.max_connections,
            "the open-file limit is below what max_connections needs and the hard limit \
             does not allow more; raise it (LimitNOFILE= in systemd, ulimits in compose) \
             or lower max_connections"
        ),
        Err(e) => tracing::warn!(error = %e, wanted, "could not read or raise the open-file limit"),
    }
}

/// Per-connection errors from `accept` that say nothing about the listener.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Why a connection was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refusal {
    /// `max_connections` are open.
    Full,
    /// The client's address (or /64) holds `max_connections_per_address`.
    PerAddress,
}

/// Counts of open connections, in all and per client address.
struct Gate {
    max_total: usize,
    max_per_address: usize,
    trusted_proxies: Vec<IpNet>,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    total: usize,
    /// Only addresses with open connections: at most `max_total` entries.
    by_address: HashMap<IpAddr, usize>,
}

impl Gate {
    fn new(settings: &Settings) -> Gate {
        Gate {
            max_total: settings.max_connections as usize,
            max_per_address: settings.max_connections_per_address as usize,
            trusted_proxies: settings.trusted_proxies.clone(),
            open: Mutex::new(Open::default()),
        }
    }

    /// Counts a new connection from `peer`, or says why it must be closed.
    fn admit(self: &Arc<Self>, peer: IpAddr) -> Result<Permit, Refusal> {
        // A proxy carries many clients on its connections; their addresses are only known
        // per request, and the rate limits deal with them there.
        let key = (!is_trusted_proxy(peer, &self.trusted_proxies)).then(|| limit_key(peer));
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if open.total >= self.max_total {
            return Err(Refusal::Full);
        }
        if let Some(key) = key {
            let count = open.by_address.entry(key).or_insert(0);
            if *count >= self.max_per_address {
                return Err(Refusal::PerAddress);
            }
            *count += 1;
        }
        open.total += 1;
        Ok(Permit {
            gate: self.clone(),
            key,
        })
    }
}

/// One admitted connection; dropping it frees its place.
struct Permit {
    gate: Arc<Gate>,
    key: Option<IpAddr>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut open = self
            .gate
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        open.total = open.total.saturating_sub(1);
        if let Some(key) = self.key
            && let Some(count) = open.by_address.get_mut(&key)
        {
            *count -= 1;
            if *count == 0 {
                open.by_address.remove(&key);
            }
        }
    }
}

/// Counts refused connections and logs them now and then.
#[derive(Default)]
struct RefusalLog {
    full: u64,
    per_address: u64,
    last: Option<(Instant, IpAddr)>,
}

impl RefusalLog {
    fn note(&mut self, refusal: Refusal, peer: IpAddr) {
        match refusal {
            Refusal::Full => self.full += 1,
            Refusal::PerAddress => self.per_address += 1,
        }
        let now = Instant::now();
        if self
            .last
            .is_some_and(|(at, _)| now.duration_since(at) < REFUSAL_LOG_EVERY)
        {
            return;
        }
        tracing::warn!(
            over_max_connections = self.full,
            over_max_connections_per_address = self.per_address,
            // The network only (/24 or /48): full addresses stay out of the logs.
            latest_network = %crate::privacy::ip::prefix(peer),
            "refused connections over the connection limits"
        );
        self.full = 0;
        self.per_address = 0;
        self.last = Some((now, peer));
    }
}

/// An admitted connection, served on its own task.
struct Connection {
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    http: Arc<http1::Builder>,
    idle_timeout: Duration,
    shutdown: CancellationToken,
    cut: CancellationToken,
    _permit: Permit,
}

impl Connection {
    async fn run(self) {
        let Connection {
            stream,
            peer,
            app,
            http,
            idle_timeout,
            shutdown,
            cut,
            _permit,
        } = self;
        // Small responses go out at once instead of waiting for an ACK (Nagle).
        stream.set_nodelay(true).ok();
        let activity = Arc::new(Activity::new());
        let io = TokioIo::new(Tracked {
            inner: stream,
            activity: activity.clone(),
        });
        let in_service = activity.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            // The `ClientIp` extractor reads the peer address from here.
            request.extensions_mut().insert(ConnectInfo(peer));
            let busy = Busy::start(&in_service);
            let app = app.clone();
            async move {
                let response: Result<Response, Infallible> = app.oneshot(request).await;
                drop(busy);
                response
            }
        });
        let connection = http.serve_connection(io, service);
        tokio::pin!(connection);
        let mut draining = false;
        loop {
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        // Header timeouts, resets and malformed requests: the client's doing.
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                    return;
                }
                () = activity.idle_for(idle_timeout) => {
                    tracing::debug!(%peer, "closing a connection idle for the idle timeout");
                    return;
                }
                // Requests in flight finish; an idle connection closes at once.
                () = shutdown.cancelled(), if !draining => {
                    connection.as_mut().graceful_shutdown();
                    draining = true;
                }
                () = cut.cancelled() => return,
            }
        }
    }
}

/// When a connection last moved a byte, and whether a request is being handled.
struct Activity {
    start: Instant,
    /// Milliseconds from `start` to the last read or write.
    last_ms: AtomicU64,
    /// Requests whose response has not been produced yet (a slow handler is not idle).
    busy: AtomicUsize,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
            busy: AtomicUsize::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// Resolves once nothing has moved for `timeout` while no request was being handled.
    async fn idle_for(&self, timeout: Duration) {
        loop {
            let last = self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
            let quiet = last.elapsed();
            if quiet >= timeout && self.busy.load(Ordering::Relaxed) == 0 {
                return;
            }
            let wait = timeout
                .saturating_sub(quiet)
                .max(Duration::from_millis(100));
            tokio::time::sleep(wait).await;
        }
    }
}

/// Marks a request as being handled until dropped.
struct Busy(Arc<Activity>);

impl Busy {
    fn start(activity: &Arc<Activity>) -> Busy {
        activity.busy.fetch_add(1, Ordering::Relaxed);
        Busy(activity.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.touch();
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A stream that records when bytes last moved, for the idle timeout.
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(total: u32, per_address: u32, trusted: &[&str]) -> Arc<Gate> {
        let settings = Settings {
            max_connections: total,
            max_connections_per_address: per_address,
            trusted_proxies: trusted.iter().map(|n| n.parse().unwrap()).collect(),
            ..Settings::default()
        };
        Arc::new(Gate::new(&settings))
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_address_over_its_cap_is_refused_and_others_are_not() {
        let gate = gate(10, 2, &[]);
        let a1 = gate.admit(ip("192.0.2.1")).unwrap();
        let _a2 = gate.admit(ip("192.0.2.1")).unwrap();
        assert_eq!(gate.admit(ip("192.0.2.1")).err(), Some(Refusal::PerAddress));
        assert!(gate.admit(ip("192.0.2.2")).is_ok());
        drop(a1);
        assert!(gate.admit(ip("192.0.2.1")).is_ok());
    }

    #[test]
    fn ipv6_addresses_share_the_cap_of_their_64() {
        let gate = gate(10, 1, &[]);
        let _first = gate.admit(ip("2001:db8:1:2::1")).unwrap();
        assert_eq!(
            gate.admit(ip("2001:db8:1:2:ffff::9")).err(),
            Some(Refusal::PerAddress)
        );
        assert!(gate.admit(ip("2001:db8:1:3::1")).is_ok());
    }

    #[test]
    fn trusted_proxies_skip_the_address_cap_but_count_in_the_total() {
        let gate = gate(3, 1, &["10.0.0.0/8"]);
        let _p1 = gate.admit(ip("10.0.0.2")).unwrap();
        let _p2 = gate.admit(ip("10.0.0.2")).unwrap();
        let _other = gate.admit(ip("192.0.2.1")).unwrap();
        assert_eq!(gate.admit(ip("10.0.0.2")).err(), Some(Refusal::Full));
        assert_eq!(gate.admit(ip("192.0.2.9")).err(), Some(Refusal::Full));
    }

    #[test]
    fn closed_connections_leave_no_entries_behind() {
        let gate = gate(100, 100, &[]);
        let permits: Vec<_> = (0..50)
            .map(|i| gate.admit(ip(&format!("192.0.2.{i}"))).unwrap())
            .collect();
        drop(permits);
        let open = gate.open.lock().unwrap();
        assert_eq!(open.total, 0);
        assert!(open.by_address.is_empty());
    }
}
