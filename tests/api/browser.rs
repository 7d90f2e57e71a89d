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
/// How long a page may take to follow a click before the test fails.
pub(crate) const WAIT: Duration = Duration::from_secs(15);

/// A free port on the loopback interface (the tiny race until it is bound again is
/// harmless in a test).
pub(crate) fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding a free port");
    listener.local_addr().expect("its address").port()
}

/// chromedriver on its own port, killed when dropped.
pub(crate) struct Driver {
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
    pub(crate) async fn start() -> Option<Driver> {
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

    pub(crate) async fn browser(&self) -> WebDriver {
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

/// Presses a form's button and waits until the browser has left the page.
pub(crate) async fn press(browser: &WebDriver, label: &str) {
    let old_page = browser.find(By::Tag("html")).await.expect("the page");
    browser
        .find(By::XPath(format!("//button[normalize-space()='{label}']")))
        .await
        .unwrap_or_else(|e| panic!("the button {label}: {e}"))
        .click()
        .await
        .expect("clicking");
    old_page
        .wait_until()
        .wait(WAIT, Duration::from_millis(50))
        .stale()
        .await
        .unwrap_or_else(|e| panic!("no new page after pressing {label}: {e}"));
}

pub(crate) async fn heading(browser: &WebDriver) -> String {
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

    // Sign out, then back in through the sign-in form, as on any later day.
    press(&browser, "Sign out").await;
    browser
        .goto(&app.url("/staff"))
        .await
        .expect("opening the workspace");
    assert_eq!(
        browser.current_url().await.expect("the URL").path(),
        "/staff/sign-in",
        "signed out: the workspace sends the browser to the sign-in form"
    );
    fill(&browser, "email", "admin@example.org").await;
    fill(&browser, "password", "violet staple river moon").await;
    press(&browser, "Sign in").await;
    assert_eq!(
        browser.current_url().await.expect("the URL").path(),
        "/staff",
        "signed in again"
    );
    assert!(
        browser
            .source()
            .await
            .expect("the page source")
            .contains("admin@example.org"),
        "the staff home names who is signed in"
    );

    // Write a letter with two targets, look at the rendered text, save it as a draft.
    browser
        .goto(&app.url("/staff/letters/new"))
        .await
        .expect("the new letter page");
    fill(&browser, "title", "Release the journalists").await;
    fill(&browser, "summary", "An appeal to two institutions.").await;
    fill(&browser, "body", "We ask you to **act** now.").await;
    fill(&browser, "target-0-name", "European Council").await;
    fill(&browser, "target-0-email", "council@example.org").await;
    fill(&browser, "target-1-name", "European Commission").await;
    fill(&browser, "target-1-email", "commission@example.org").await;
    press(&browser, "Preview the text").await;
    let strong = browser
        .find(By::XPath("//strong[normalize-space()='act']".to_owned()))
        .await
        .expect("the Markdown rendered in the preview");
    assert_eq!(strong.text().await.expect("its text"), "act");
    press(&browser, "Save as a draft").await;
    let edit = browser.current_url().await.expect("the URL");
    let id: i64 = edit
        .path()
        .trim_start_matches("/staff/letters/")
        .trim_end_matches("/edit")
        .parse()
        .expect("the new letter's id in the URL");

    // Not public yet.
    let draft = app.get("/letters/release-the-journalists").await;
    assert_eq!(draft.status(), 404);

    // Publish it from the overview and find it on the public page.
    browser
        .goto(&app.url(&format!("/staff/letters/{id}")))
        .await
        .expect("the overview");
    press(&browser, "Publish").await;
    browser
        .goto(&app.url("/letters/release-the-journalists"))
        .await
        .expect("the public page");
    assert_eq!(heading(&browser).await, "Release the journalists");
    let page = browser.source().await.expect("the page source");
    assert!(page.contains("European Council") && page.contains("European Commission"));

    // Someone signs it from outside, in the same browser, without being signed in as staff.
    browser
        .delete_all_cookies()
        .await
        .expect("forgetting the session");
    browser
        .goto(&app.url("/letters/release-the-journalists"))
        .await
        .expect("the public page");
    let form = browser
        .find(By::Id("sign-individual"))
        .await
        .expect("the individual's form");
    for (name, value) in [
        ("name", "Leyla Yunus"),
        ("email", "leyla@example.net"),
        ("city", "Baku"),
    ] {
        let input = form
            .find(By::Name(name))
            .await
            .unwrap_or_else(|e| panic!("the field {name}: {e}"));
        input.send_keys(value).await.expect("typing");
    }
    form.find(By::Css("select[name='country'] option[value='AZ']"))
        .await
        .expect("Azerbaijan in the country list")
        .click()
        .await
        .expect("choosing the country");
    // Reading the letter takes a moment; the form refuses signatures sent sooner.
    app.clock.advance(chrono::Duration::seconds(30));
    let old_page = browser.find(By::Tag("html")).await.expect("the page");
    form.find(By::Css("button[type='submit']"))
        .await
        .expect("the sign button")
        .click()
        .await
        .expect("signing");
    old_page
        .wait_until()
        .wait(WAIT, Duration::from_millis(50))
        .stale()
        .await
        .expect("the next page");
    assert!(
        heading(&browser).await.to_lowercase().contains("inbox"),
        "the check-your-inbox page"
    );
    assert_eq!(app.drain_outbox().await, 1);
    let mail = app.wait_for_mail(1).await;
    assert!(mail[0].subject().contains("Release the journalists"));

    browser.quit().await.expect("closing the browser");
    app.stop().await;
}
