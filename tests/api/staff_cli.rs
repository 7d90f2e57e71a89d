//! The operator's side of staff accounts, run as the real `undersigned` binary on a real
//! database (one SQLite file, or a fresh PostgreSQL database with `TEST_DATABASE_URL`):
//! the first-admin link `serve` prints on an empty database, and the `staff` subcommands.
//! The links they print are then used over HTTP against a running `serve`.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::support::database::TestDatabase;
use crate::support::smtp::TestSmtpServer;
use crate::support::staff::{ADMIN, ADMIN_PASSWORD, EDITOR, EDITOR_PASSWORD};
use crate::support::{BASE_URL, FORM_SECRET};

/// How long a process gets to start or answer: generous, for a loaded 2-core machine;
/// nothing here is a measurement.
const DEADLINE: Duration = Duration::from_secs(90);

/// What `serve` prints above the first-admin link.
const NO_ACCOUNT: &str = "no staff account yet; create the first admin within 24 hours at:";
/// The log event that says the link was printed.
const LINK_LOGGED: &str = "no staff account yet: a first-admin link was printed";

/// The binary with only the settings given here: `UNDERSIGNED_*` variables of the
/// surrounding environment are not this test's. Logs are JSON lines, so they can be told
/// apart from what `serve` prints for the operator on the same stdout.
fn undersigned(database_url: &str, smtp_url: &str, dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_undersigned"));
    command.current_dir(dir).kill_on_drop(true);
    for (name, _) in std::env::vars() {
        if name.starts_with(undersigned::config::ENV_PREFIX) {
            command.env_remove(name);
        }
    }
    for (key, value) in [
        ("DATABASE_URL", database_url),
        ("SQLITE_BUSY_TIMEOUT_MS", "30000"),
        ("BIND", "127.0.0.1:0"),
        ("BASE_URL", BASE_URL),
        ("MAIL", "smtp"),
        ("SMTP_URL", smtp_url),
        ("FORM_SECRET", FORM_SECRET),
        ("LOG", "info"),
        ("LOG_FORMAT", "json"),
    ] {
        command.env(format!("{}{key}", undersigned::config::ENV_PREFIX), value);
    }
    command
}

/// What one `undersigned` command printed, and how it ended.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl std::fmt::Display for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// The lines of `out` that are not JSON log lines: what the operator is told.
fn printed(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|line| serde_json::from_str::<serde_json::Value>(line).is_err())
        .collect()
}

/// The line after `heading` in `out`, trimmed: where the commands print a link.
fn link_after(out: &str, heading: &str) -> String {
    let lines = printed(out);
    let at = lines
        .iter()
        .position(|line| line.starts_with(heading))
        .unwrap_or_else(|| panic!("{heading:?} in {out}"));
    let link = lines.get(at + 1).expect("a line with the link").trim();
    assert!(
        link.starts_with(&format!("{BASE_URL}/staff/password/")),
        "{link}"
    );
    link.to_owned()
}

/// The path of a printed link, to use on the address a process really listens on
/// (links are built from `base_url`, here the harness's https address).
fn path_of(link: &str) -> &str {
    link.strip_prefix(BASE_URL).expect("a link under base_url")
}

/// One `serve` process, killed when dropped; its stdout is collected line by line.
struct Serve {
    child: Child,
    address: String,
    stdout: Arc<Mutex<Vec<String>>>,
    reader: tokio::task::JoinHandle<()>,
    stderr: std::path::PathBuf,
}

impl Serve {
    async fn start(database_url: &str, smtp_url: &str, dir: &std::path::Path, n: usize) -> Serve {
        let stderr = dir.join(format!("serve-{n}.stderr"));
        let mut child = undersigned(database_url, smtp_url, dir)
            .arg("serve")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).expect("a file for stderr"))
            .spawn()
            .expect("starting `undersigned serve`");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let mut reader = BufReader::new(child.stdout.take().expect("its stdout")).lines();
        let kept = lines.clone();
        // Drained to the end, so a full pipe never blocks the process.
        let reader = tokio::spawn(async move {
            while let Ok(Some(line)) = reader.next_line().await {
                kept.lock().unwrap().push(line);
            }
        });
        let mut serve = Serve {
            child,
            address: String::new(),
            stdout: lines,
            reader,
            stderr,
        };
        let port = serve
            .wait_for(|line| {
                line.strip_prefix("undersigned is listening on ")
                    .and_then(|rest| rest.rsplit_once("(port "))
                    .and_then(|(_, port)| port.strip_suffix(')'))
                    .and_then(|port| port.parse::<u16>().ok())
            })
            .await;
        serve.address = format!("http://127.0.0.1:{port}");
        serve
    }

    /// Waits until a line of stdout gives `Some`.
    async fn wait_for<T>(&mut self, find: impl Fn(&str) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            if let Some(found) = self.stdout.lock().unwrap().iter().find_map(|l| find(l)) {
                return found;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("`serve` ended ({status}):\n{}", self.output());
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "`serve` did not print what was awaited:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Everything printed so far, stdout then stderr.
    fn output(&self) -> String {
        let stdout = self.stdout.lock().unwrap().join("\n");
        let stderr = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        format!("--- stdout\n{stdout}\n--- stderr\n{stderr}")
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    async fn stop(mut self) -> String {
        self.child.kill().await.expect("stopping `serve`");
        // The pipe closes with the process: the reader then has every line.
        tokio::time::timeout(DEADLINE, &mut self.reader)
            .await
            .expect("stdout closes")
            .expect("the stdout reader");
        self.output()
    }
}

/// Runs `undersigned ARGS` to the end.
async fn run(database_url: &str, smtp_url: &str, dir: &std::path::Path, args: &[&str]) -> Ran {
    let out = tokio::time::timeout(
        DEADLINE,
        undersigned(database_url, smtp_url, dir).args(args).output(),
    )
    .await
    .unwrap_or_else(|_| panic!("`undersigned {}` ends in time", args.join(" ")))
    .expect("running undersigned");
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}

/// The `name=value` of the session cookie a response sets.
fn session_cookie(response: &reqwest::Response) -> String {
    let value = response
        .headers()
        .get("set-cookie")
        .expect("a session cookie")
        .to_str()
        .expect("a readable cookie");
    value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// GET `/staff` with `cookie`: 200 while the session lives, 303 to the sign-in form
/// once it has ended.
async fn staff_home(serve: &Serve, cookie: &str) -> u16 {
    client()
        .get(serve.url("/staff"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("a request to /staff")
        .status()
        .as_u16()
}

async fn get(serve: &Serve, path: &str) -> u16 {
    client()
        .get(serve.url(path))
        .send()
        .await
        .expect("a GET request")
        .status()
        .as_u16()
}

#[tokio::test]
async fn serve_on_an_empty_database_prints_a_first_admin_link_that_works_once() {
    let database = TestDatabase::create().await;
    let smtp = TestSmtpServer::start().await.expect("an SMTP server");
    let dir = tempfile::tempdir().expect("a directory");

    let first = Serve::start(&database.url, &smtp.url(), dir.path(), 1).await;
    let old = first.wait_for_link().await;
    let output = first.stop().await;
    assert_first_admin_output(&output, &old);

    // Still no account: the next start prints another link, and the first one is over.
    let second = Serve::start(&database.url, &smtp.url(), dir.path(), 2).await;
    let link = second.wait_for_link().await;
    assert_ne!(link, old, "each start prints a new link");
    assert_eq!(
        get(&second, path_of(&old)).await,
        404,
        "the old link is over"
    );
    assert_eq!(get(&second, path_of(&link)).await, 200);
    let made = client()
        .post(second.url(path_of(&link)))
        .form(&[("email", ADMIN), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .expect("setting the first admin's password");
    assert_eq!(made.status(), 303);
    let cookie = session_cookie(&made);
    assert_eq!(staff_home(&second, &cookie).await, 200, "signed in");
    // Used once: it opens nothing any more and makes no second admin.
    assert_eq!(get(&second, path_of(&link)).await, 404);
    let again = client()
        .post(second.url(path_of(&link)))
        .form(&[("email", EDITOR), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .expect("using the link again");
    assert_eq!(again.status(), 404);
    let output = second.stop().await;
    assert_first_admin_output(&output, &link);

    // With an account, a start prints no link (and logs nothing about one).
    let third = Serve::start(&database.url, &smtp.url(), dir.path(), 3).await;
    let output = third.stop().await;
    assert!(!output.contains("/staff/password/"), "{output}");
    assert!(!output.contains(LINK_LOGGED), "{output}");
    assert!(!output.contains("no staff account"), "{output}");
    let listed = run(&database.url, &smtp.url(), dir.path(), &["staff", "list"]).await;
    assert_eq!(listed.code, Some(0), "{listed}");
    let rows: Vec<Vec<&str>> = printed(&listed.stdout)
        .into_iter()
        .map(|line| line.split('\t').collect())
        .collect();
    assert_eq!(rows.len(), 1, "{listed}");
    assert_eq!(rows[0][..3], [ADMIN, "admin", "active"], "{listed}");
}

impl Serve {
    /// The first-admin link, once `serve` has printed it.
    async fn wait_for_link(&self) -> String {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            {
                let lines = self.stdout.lock().unwrap();
                let mut after = lines.iter().skip_while(|line| line.as_str() != NO_ACCOUNT);
                if let (Some(_), Some(link)) = (after.next(), after.next()) {
                    return link.trim().to_owned();
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no first-admin link:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// `serve` told the operator about the missing account and printed `link`; its log says
/// a link was printed, and no log line, on stdout or stderr, holds the link's token.
fn assert_first_admin_output(output: &str, link: &str) {
    let token = link.rsplit('/').next().expect("a token");
    assert!(token.len() >= 40, "{link}");
    let stdout = output
        .split("--- stderr\n")
        .next()
        .expect("stdout")
        .to_owned();
    let stderr = output.split("--- stderr\n").nth(1).unwrap_or_default();
    let lines = printed(&stdout);
    let at = lines
        .iter()
        .position(|l| *l == NO_ACCOUNT)
        .unwrap_or_else(|| panic!("{NO_ACCOUNT:?} printed:\n{output}"));
    assert_eq!(lines[at + 1], format!("  {link}"), "{output}");
    let logs: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    assert!(
        logs.iter()
            .any(|l| l["message"] == LINK_LOGGED && l["level"] == "INFO"),
        "the log says a link was printed:\n{output}"
    );
    for log in &logs {
        assert!(
            !log.to_string().contains(token),
            "a log line holds the token: {log}"
        );
    }
    assert!(!stderr.contains(token), "stderr holds the token:\n{stderr}");
}

#[tokio::test]
async fn the_staff_command_adds_lists_resets_and_disables_accounts() {
    let database = TestDatabase::create().await;
    let smtp = TestSmtpServer::start().await.expect("an SMTP server");
    let dir = tempfile::tempdir().expect("a directory");
    let smtp_url = smtp.url();
    let (db, mail) = (database.url.as_str(), smtp_url.as_str());
    let serve = Serve::start(db, mail, dir.path(), 1).await;

    let added = run(
        db,
        mail,
        dir.path(),
        &["staff", "add", EDITOR, "--role", "editor"],
    )
    .await;
    assert_eq!(added.code, Some(0), "{added}");
    let link = link_after(
        &added.stdout,
        "account created; it can set its password once",
    );
    let listed = run(db, mail, dir.path(), &["staff", "list"]).await;
    assert_eq!(listed.code, Some(0), "{listed}");
    assert_eq!(
        printed(&listed.stdout),
        [format!("{EDITOR}\teditor\tinvited\tnever signed in")],
        "{listed}"
    );

    // The editor sets a password through the printed link and is signed in.
    let set = client()
        .post(serve.url(path_of(&link)))
        .form(&[("password", EDITOR_PASSWORD)])
        .send()
        .await
        .expect("setting the editor's password");
    assert_eq!(set.status(), 303);
    let first_session = session_cookie(&set);
    assert_eq!(staff_home(&serve, &first_session).await, 200);
    let listed = run(db, mail, dir.path(), &["staff", "list"]).await;
    let rows: Vec<Vec<String>> = printed(&listed.stdout)
        .into_iter()
        .map(|line| line.split('\t').map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 1, "{listed}");
    assert_eq!(rows[0][..3], [EDITOR, "editor", "active"], "{listed}");
    let last = chrono::NaiveDateTime::parse_from_str(&rows[0][3], "%Y-%m-%d %H:%M UTC")
        .unwrap_or_else(|e| panic!("a last sign-in time in {listed}: {e}"));
    let age = chrono::Utc::now().naive_utc() - last;
    assert!(age < chrono::Duration::minutes(10), "{listed}");

    // Reset: a new link; the old link, the password and the session end.
    let reset = run(db, mail, dir.path(), &["staff", "reset", EDITOR]).await;
    assert_eq!(reset.code, Some(0), "{reset}");
    let new_link = link_after(&reset.stdout, "old links and sessions ended");
    assert_ne!(new_link, link);
    assert_eq!(
        staff_home(&serve, &first_session).await,
        303,
        "session ended"
    );
    assert_eq!(get(&serve, path_of(&link)).await, 404, "old link ended");
    let refused = client()
        .post(serve.url("/staff/sign-in"))
        .form(&[("email", EDITOR), ("password", EDITOR_PASSWORD)])
        .send()
        .await
        .expect("signing in with the old password");
    assert_eq!(refused.status(), 422, "the old password ended");
    let listed = run(db, mail, dir.path(), &["staff", "list"]).await;
    assert!(
        printed(&listed.stdout)[0].starts_with(&format!("{EDITOR}\teditor\tinvited\t")),
        "{listed}"
    );
    let set = client()
        .post(serve.url(path_of(&new_link)))
        .form(&[("password", EDITOR_PASSWORD)])
        .send()
        .await
        .expect("setting the password again");
    assert_eq!(set.status(), 303);
    let session = session_cookie(&set);
    assert_eq!(staff_home(&serve, &session).await, 200);

    // Disable: the list says so and the live session ends at once.
    let disabled = run(db, mail, dir.path(), &["staff", "disable", EDITOR]).await;
    assert_eq!(disabled.code, Some(0), "{disabled}");
    assert!(
        printed(&disabled.stdout)
            .contains(&format!("{EDITOR} is disabled and signed out everywhere").as_str()),
        "{disabled}"
    );
    assert_eq!(staff_home(&serve, &session).await, 303, "session ended");
    let listed = run(db, mail, dir.path(), &["staff", "list"]).await;
    assert!(
        printed(&listed.stdout)[0].starts_with(&format!("{EDITOR}\teditor\tdisabled\t")),
        "{listed}"
    );
    let refused = client()
        .post(serve.url("/staff/sign-in"))
        .form(&[("email", EDITOR), ("password", EDITOR_PASSWORD)])
        .send()
        .await
        .expect("signing in while disabled");
    assert_eq!(refused.status(), 422, "a disabled account cannot sign in");
    serve.stop().await;
}

#[tokio::test]
async fn the_staff_command_refuses_a_bad_role_and_unknown_or_duplicate_emails_clearly() {
    let database = TestDatabase::create().await;
    let smtp = TestSmtpServer::start().await.expect("an SMTP server");
    let dir = tempfile::tempdir().expect("a directory");
    let smtp_url = smtp.url();
    let (db, mail) = (database.url.as_str(), smtp_url.as_str());

    let bad_role = run(
        db,
        mail,
        dir.path(),
        &["staff", "add", EDITOR, "--role", "owner"],
    )
    .await;
    assert_eq!(bad_role.code, Some(2), "{bad_role}");
    assert!(
        bad_role
            .stderr
            .contains("invalid value 'owner' for '--role <ROLE>'")
            && bad_role.stderr.contains("[possible values: admin, editor]"),
        "{bad_role}"
    );
    let no_role = run(db, mail, dir.path(), &["staff", "add", EDITOR]).await;
    assert_eq!(no_role.code, Some(2), "{no_role}");
    assert!(no_role.stderr.contains("--role <ROLE>"), "{no_role}");

    for action in ["disable", "reset"] {
        let unknown = run(
            db,
            mail,
            dir.path(),
            &["staff", action, "ghost@example.org"],
        )
        .await;
        assert_eq!(unknown.code, Some(1), "{unknown}");
        assert!(
            unknown.stderr.contains(
                "undersigned: there is no staff account with the email ghost@example.org"
            ),
            "{unknown}"
        );
        assert!(!unknown.stdout.contains("/staff/password/"), "{unknown}");
    }
    let not_an_email = run(
        db,
        mail,
        dir.path(),
        &["staff", "add", "not an email", "--role", "admin"],
    )
    .await;
    assert_eq!(not_an_email.code, Some(1), "{not_an_email}");
    assert!(
        not_an_email.stderr.starts_with("undersigned: "),
        "{not_an_email}"
    );
    assert!(
        !not_an_email.stdout.contains("/staff/password/"),
        "{not_an_email}"
    );

    let added = run(
        db,
        mail,
        dir.path(),
        &["staff", "add", ADMIN, "--role", "admin"],
    )
    .await;
    assert_eq!(added.code, Some(0), "{added}");
    let twice = run(
        db,
        mail,
        dir.path(),
        &["staff", "add", "Admin@Example.org", "--role", "editor"],
    )
    .await;
    assert_eq!(twice.code, Some(1), "{twice}");
    assert!(
        twice.stderr.contains(&format!(
            "a staff account with the email {ADMIN} already exists"
        )),
        "{twice}"
    );

    // Nothing was half-written: one account, the admin, still waiting for its password.
    let listed = run(db, mail, dir.path(), &["staff", "list"]).await;
    assert_eq!(
        printed(&listed.stdout),
        [format!("{ADMIN}\tadmin\tinvited\tnever signed in")],
        "{listed}"
    );
}
