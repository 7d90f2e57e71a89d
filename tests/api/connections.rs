//! Connections that cannot exhaust the server: header and idle timeouts, caps on open
//! connections per address, and a shutdown that ends whatever clients do. These talk raw
//! TCP, because a well-behaved HTTP client cannot be slow on purpose.

use std::time::Duration;

use futures::StreamExt;
use futures::stream;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::support::{LETTER, TestApp};

/// Upper bound on any wait below; only keeps a broken server from hanging the test.
const GUARD: Duration = Duration::from_secs(15);

/// A second loopback address (Linux routes all of 127.0.0.0/8 to `lo`): connections from
/// here count against another per-address cap than the test's HTTP client on 127.0.0.1.
const ATTACKER: &str = "127.0.0.2";

/// A connection to the app from `source`.
async fn connect_from(source: &str, app: &TestApp) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("a socket");
    socket
        .bind(format!("{source}:0").parse().expect("an address"))
        .expect("binding the source address");
    socket
        .connect(
            format!("127.0.0.1:{}", app.port)
                .parse()
                .expect("an address"),
        )
        .await
        .expect("connecting to the app")
}

/// True once the server has closed the connection (EOF or reset); false if it is still
/// open when the guard runs out.
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(GUARD, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

/// Reads one response (headers, then a `Content-Length` body) and returns its status line.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = find(&data, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_string();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                return head.lines().next().unwrap_or_default().to_string();
            }
        }
        let n = tokio::time::timeout(GUARD, stream.read(&mut buf))
            .await
            .expect("a response before the guard")
            .expect("reading the response");
        assert!(n > 0, "connection closed mid-response: {data:?}");
        data.extend_from_slice(&buf[..n]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";

#[tokio::test]
async fn a_client_that_stops_mid_request_line_is_disconnected() {
    let app = TestApp::spawn_with(|s| s.header_read_timeout = Duration::from_secs(1)).await;
    let mut stream = connect_from("127.0.0.1", &app).await;
    stream.write_all(b"GET /heal").await.expect("writing");
    assert!(
        closed_by_server(&mut stream).await,
        "a half request line held its connection open"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_client_trickling_header_bytes_is_disconnected_though_each_byte_is_prompt() {
    // The gap between bytes (100 ms) is far below the timeout (1 s): only a timeout on the
    // whole header, not on the silence between bytes, ends this connection.
    let app = TestApp::spawn_with(|s| s.header_read_timeout = Duration::from_secs(1)).await;
    let stream = connect_from("127.0.0.1", &app).await;
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        writer
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Slow: ")
            .await
            .ok();
        // Far longer than the guard: the header never ends on its own.
        for _ in 0..1_000 {
            if writer.write_all(b"a").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let mut buf = [0u8; 1024];
    let closed = loop {
        match tokio::time::timeout(GUARD, reader.read(&mut buf)).await {
            Err(_) => break false,
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(_)) => continue,
        }
    };
    trickle.abort();
    assert!(closed, "a trickling client held its connection open");
    app.stop().await;
}

#[tokio::test]
async fn a_kept_alive_connection_left_idle_is_closed_after_the_idle_timeout() {
    // The header timeout is long here, so only the idle timeout can close it.
    let app = TestApp::spawn_with(|s| {
        s.header_read_timeout = Duration::from_secs(60);
        s.idle_timeout = Duration::from_secs(1);
    })
    .await;
    let mut stream = connect_from("127.0.0.1", &app).await;
    stream.write_all(HEALTHZ).await.expect("writing");
    assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 200"));
    assert!(
        closed_by_server(&mut stream).await,
        "an idle kept-alive connection stayed open"
    );
    app.stop().await;
}

#[tokio::test]
async fn connections_over_the_per_address_cap_are_closed_while_others_are_served() {
    const CAP: usize = 3;
    let app = TestApp::spawn_with(|s| {
        s.max_connections_per_address = CAP as u32;
        s.header_read_timeout = Duration::from_secs(60);
        s.idle_timeout = Duration::from_secs(60);
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..CAP {
        held.push(connect_from(ATTACKER, &app).await);
    }
    // Accepted in order, so this one finds the cap full.
    let mut extra = connect_from(ATTACKER, &app).await;
    assert!(
        closed_by_server(&mut extra).await,
        "the connection over the cap was not closed"
    );

    // Another address is served meanwhile.
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);

    // The first CAP connections were kept, and work.
    for stream in &mut held {
        stream.write_all(HEALTHZ).await.expect("writing");
        assert!(read_response(stream).await.starts_with("HTTP/1.1 200"));
    }

    // Closing one frees its place (the server notices the close asynchronously).
    drop(held.pop());
    let admitted = async {
        loop {
            let mut stream = connect_from(ATTACKER, &app).await;
            stream.write_all(HEALTHZ).await.ok();
            let mut first = [0u8; 12];
            if stream.read_exact(&mut first).await.is_ok() {
                return first;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let first = tokio::time::timeout(GUARD, admitted)
        .await
        .expect("a place is freed when a connection closes");
    assert_eq!(&first, b"HTTP/1.1 200");
    drop(held);
    app.stop().await;
}

#[tokio::test]
async fn connections_over_the_total_cap_are_closed_whatever_their_address() {
    let app = TestApp::spawn_with(|s| {
        s.max_connections = 2;
        s.header_read_timeout = Duration::from_secs(60);
        s.idle_timeout = Duration::from_secs(60);
    })
    .await;
    let mut held = vec![
        connect_from(ATTACKER, &app).await,
        connect_from("127.0.0.3", &app).await,
    ];
    let mut extra = connect_from("127.0.0.4", &app).await;
    assert!(
        closed_by_server(&mut extra).await,
        "the connection over the total cap was not closed"
    );
    for stream in &mut held {
        stream.write_all(HEALTHZ).await.expect("writing");
        assert!(read_response(stream).await.starts_with("HTTP/1.1 200"));
    }
    drop(held);
    app.stop().await;
}

#[tokio::test]
async fn a_thousand_slow_header_senders_from_one_address_do_not_stop_others_being_served() {
    const SLOW: usize = 1_000;
    let app = TestApp::spawn_with(|s| {
        // Let every one of them in: this is about the server holding them, not the cap.
        s.max_connections_per_address = 2_000;
        s.header_read_timeout = Duration::from_secs(60);
        s.idle_timeout = Duration::from_secs(60);
    })
    .await;
    let app_ref = &app;
    let mut slow: Vec<TcpStream> = stream::iter(0..SLOW)
        .map(|_| async move {
            let mut stream = connect_from(ATTACKER, app_ref).await;
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Slow: a")
                .await
                .expect("writing");
            stream
        })
        .buffer_unordered(100)
        .collect()
        .await;
    for stream in slow.iter_mut() {
        stream.write_all(b"a").await.expect("the server kept it");
    }

    let response = tokio::time::timeout(GUARD, app.get("/healthz"))
        .await
        .expect("/healthz answers while the slow senders are connected");
    assert_eq!(response.status(), 200);

    // They were held mid-header, not dropped: finishing the header gets an answer.
    for stream in slow.iter_mut().take(10) {
        stream.write_all(b"\r\n\r\n").await.expect("writing");
        assert!(read_response(stream).await.starts_with("HTTP/1.1 200"));
    }
    drop(slow);
    app.stop().await;
}

#[tokio::test]
async fn shutdown_ends_in_bounded_time_with_a_client_stuck_mid_header_and_finishes_requests_in_flight()
 {
    let mut app = TestApp::spawn_with(|s| {
        s.header_read_timeout = Duration::from_secs(60);
        s.idle_timeout = Duration::from_secs(60);
        s.shutdown_timeout = Duration::from_secs(1);
    })
    .await;
    let mut stuck = connect_from("127.0.0.1", &app).await;
    stuck
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Stuck: ")
        .await
        .expect("writing");

    // A signing whose body is still to come: once the server asks for the body with
    // `100 Continue`, the request is being handled.
    let body = format!(
        "kind=individual&name=Ada+Lovelace&email=ada%40example.org&country=FR&city=Lyon&version=1&form_stamp={}",
        crate::support::default_stamp()
    );
    let head = format!(
        "POST /letters/{LETTER}/sign HTTP/1.1\r\nHost: test\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Expect: 100-continue\r\n\r\n",
        body.len()
    );
    let mut in_flight = connect_from("127.0.0.1", &app).await;
    in_flight.write_all(head.as_bytes()).await.expect("writing");
    let mut buf = vec![0u8; 256];
    let mut seen = Vec::new();
    while find(&seen, b"\r\n\r\n").is_none() {
        let n = tokio::time::timeout(GUARD, in_flight.read(&mut buf))
            .await
            .expect("100 Continue before the guard")
            .expect("reading");
        assert!(n > 0, "closed before 100 Continue");
        seen.extend_from_slice(&buf[..n]);
    }
    assert!(seen.starts_with(b"HTTP/1.1 100"), "{seen:?}");

    app.signal_shutdown();
    in_flight.write_all(body.as_bytes()).await.expect("writing");
    let status = read_response(&mut in_flight).await;
    assert!(status.starts_with("HTTP/1.1 303"), "{status}");
    assert!(
        closed_by_server(&mut in_flight).await,
        "the finished connection was closed for shutdown"
    );

    app.server_stopped(GUARD)
        .await
        .expect("the server ended without error");
    assert!(
        closed_by_server(&mut stuck).await,
        "the stuck client was cut"
    );
    assert!(
        TcpStream::connect(("127.0.0.1", app.port)).await.is_err(),
        "nothing accepts connections after shutdown"
    );
    app.stop().await;
}
