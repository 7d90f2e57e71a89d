//! End to end in a real browser: headless Chromium, driven through chromedriver, against
//! the real application. It skips, saying why, when no chromedriver is installed
//! (`apt-get install chromium chromium-driver`; `.ci/run` installs them).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use thirtyfour::prelude::*;
use undersigned::auth::accounts;

use crate::support::TestApp;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A free port on the loopback interface (the tiny race until it is bound again is
/// harmless in a test).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding a free port");
    listener.local_addr().expect("its address").port()
}

/// chromedriver on its own port, killed when dropped.
struct Driver {
    process: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl Driver {
    async fn start() -> Option<Driver> {
        if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
            eprintln!(
                "skipping the browser test: {CHROMEDRIVER} or {CHROMIUM} is missing \
                 (apt-get install chromium chromium-driver)"
            );
            return None;
        }
        let port = free_port();
        let process = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting chromedriver");
        // Owned by the guard at once, so every way out of here stops it.
        let driver = Driver {
            process,
            url: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..100 {
            if let Ok(response) = client.get(format!("{}/status", driver.url)).send().await
                && response.status().is_success()
            {
                return Some(driver);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not answer on {}", driver.url);
    }

    async fn browser(&self) -> WebDriver {
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(CHROMIUM).expect("the binary");
        for arg in [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-dev-shm-usage",
            "--window-size=1280,1000",
        ] {
            caps.add_arg(arg).expect("an argument");
        }
        WebDriver::new(&self.url, caps)
            .await
            .expect("a browser session")
    }
}

/// The application on a known port, with `base_url` pointing at it, so every link it
/// prints is one the browser can follow.
async fn app_for_browser() -> TestApp {
    let port = free_port();
    TestApp::spawn_with(move |s| {
        s.bind = format!("127.0.0.1:{port}").parse().expect("an address");
        s.base_url = format!("http://127.0.0.1:{port}").parse().expect("a URL");
    })
    .await
}

async fn fill(browser: &WebDriver, name: &str, value: &str) {
    let input = browser
        .find(By::Name(name))
        .await
        .unwrap_or_else(|e| panic!("the field {name}: {e}"));
    input.clear().await.expect("clearing a field");
    input.send_keys(value).await.expect("typing");
}

async fn press(browser: &WebDriver, label: &str) {
    browser
        .find(By::XPath(format!("//button[normalize-space()='{label}']")))
        .await
        .unwrap_or_else(|e| panic!("the button {label}: {e}"))
        .click()
        .await
        .expect("clicking");
}

async fn heading(browser: &WebDriver) -> String {
    browser
        .find(By::Tag("h1"))
        .await
        .expect("a heading")
        .text()
        .await
        .expect("its text")
}

#[tokio::test]
async fn a_new_admin_writes_and_publishes_a_letter_in_a_browser() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = app_for_browser().await;
    let browser = driver.browser().await;

    // The link `serve` prints when no staff account exists.
    let link = accounts::first_admin_link(&app.db, &app.settings.base_url, app.clock.now())
        .await
        .expect("reading the accounts")
        .expect("a first-admin link");
    browser.goto(&link).await.expect("opening the link");
    assert_eq!(heading(&browser).await, "Create the first admin account");
    fill(&browser, "email", "admin@example.org").await;
    fill(&browser, "password", "violet staple river moon").await;
    press(&browser, "Save and sign in").await;
    assert!(
        browser
            .current_url()
            .await
            .expect("the URL")
            .path()
            .starts_with("/staff"),
    );

    browser.quit().await.expect("closing the browser");
    app.stop().await;
}
