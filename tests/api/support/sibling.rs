//! A second instance of the application on the same database, as a second replica behind
//! a load balancer would be: limits kept in the database must hold across both.

use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use undersigned::{Application, Settings};

use super::{LETTER, TestApp};

/// Another replica: its own port, in-memory limits and caches; the same database, clock
/// and SMTP server as the `TestApp` it was spawned from.
pub struct Sibling {
    pub address: String,
    pub client: reqwest::Client,
    shutdown: CancellationToken,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    /// A second instance on this app's database, with this app's settings as `configure`
    /// leaves them.
    pub async fn spawn_sibling(&self, configure: impl FnOnce(&mut Settings)) -> Sibling {
        let mut settings = self.settings.clone();
        configure(&mut settings);
        let app = Application::build(settings, self.clock.clone())
            .await
            .expect("building the second instance");
        let port = app.port();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(app.run_until_stopped(shutdown.clone()));
        Sibling {
            address: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
            shutdown,
            server: Some(server),
        }
    }
}

impl Sibling {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Posts the sign form of the test letter.
    pub async fn sign(&self, fields: &[(&str, String)]) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/letters/{LETTER}/sign")))
            .form(fields)
            .send()
            .await
            .expect("a POST request")
    }

    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
        }
    }
}
