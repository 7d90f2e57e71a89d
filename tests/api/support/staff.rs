//! Staff in tests: a browser's cookie kept by hand, the first admin and an editor signed
//! in through the real screens, and the audit log read back.

use undersigned::auth::accounts;
use undersigned::auth::audit;

use super::{BASE_URL, TestApp};

pub const ADMIN: &str = "admin@example.org";
pub const ADMIN_PASSWORD: &str = "violet staple river moon";
pub const EDITOR: &str = "editor@example.org";
pub const EDITOR_PASSWORD: &str = "quiet harbour lantern fig";

/// A browser's cookie for one person, kept by hand.
#[derive(Clone, Debug, Default)]
pub struct Browser {
    pub cookie: Option<String>,
}

impl Browser {
    pub fn keep(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all("set-cookie") {
            let value = value.to_str().unwrap();
            let pair = value.split(';').next().unwrap().trim().to_owned();
            if pair.ends_with('=') {
                self.cookie = None;
            } else {
                self.cookie = Some(pair);
            }
        }
    }

    pub async fn get(&mut self, app: &TestApp, path: &str) -> reqwest::Response {
        let mut request = app.client.get(app.url(path));
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        self.keep(&response);
        response
    }

    pub async fn post(
        &mut self,
        app: &TestApp,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = app.client.post(app.url(path)).form(fields);
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        self.keep(&response);
        response
    }

    /// The CSRF token of the forms on a staff page.
    pub async fn csrf(&mut self, app: &TestApp) -> String {
        let response = self.get(app, "/staff").await;
        assert_eq!(response.status(), 200);
        csrf_of(&response.text().await.unwrap())
    }

    pub async fn sign_in(
        &mut self,
        app: &TestApp,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        self.post(
            app,
            "/staff/sign-in",
            &[("email", email), ("password", password), ("next", "/staff")],
        )
        .await
    }
}

pub fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    page[at..].split('"').next().unwrap().to_owned()
}

pub fn path_of(link: &str) -> String {
    link.strip_prefix(BASE_URL)
        .unwrap_or_else(|| panic!("{link} is not under {BASE_URL}"))
        .to_owned()
}

pub fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The first-admin link as `serve` prints it.
pub async fn first_admin_link(app: &TestApp) -> String {
    let base = app.settings.base_url.clone();
    let link = accounts::first_admin_link(&app.db, &base, app.clock.now())
        .await
        .unwrap()
        .expect("a first-admin link while no account exists");
    path_of(&link)
}

/// The first admin, created through the first-admin link and signed in.
pub async fn admin(app: &TestApp) -> Browser {
    let path = first_admin_link(app).await;
    let mut browser = Browser::default();
    let done = browser
        .post(
            app,
            &path,
            &[("email", ADMIN), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(done.status(), 303);
    assert_eq!(location(&done), "/staff");
    assert!(browser.cookie.is_some());
    browser
}

/// An editor added by `admin` on the accounts screen, with its password set.
pub async fn editor(app: &TestApp, admin: &mut Browser) -> Browser {
    let csrf = admin.csrf(app).await;
    let added = admin
        .post(
            app,
            "/staff/accounts",
            &[("csrf", &csrf), ("email", EDITOR), ("role", "editor")],
        )
        .await;
    assert_eq!(added.status(), 200);
    let page = added.text().await.unwrap();
    let start = page
        .find(&format!("{BASE_URL}/staff/password/"))
        .expect("the link, shown once");
    let link = page[start..].split('<').next().unwrap();
    let mut browser = Browser::default();
    let done = browser
        .post(app, &path_of(link), &[("password", EDITOR_PASSWORD)])
        .await;
    assert_eq!(done.status(), 303);
    browser
}

pub async fn actions(app: &TestApp) -> Vec<undersigned::entities::audit_log::Model> {
    let query = audit::Query {
        limit: 1000,
        ..audit::Query::default()
    };
    let (mut rows, _) = audit::page(&app.db, &query).await.unwrap();
    rows.reverse();
    rows
}
