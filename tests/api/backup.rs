//! Backups taken while the service runs restore into a database another instance serves
//! with every signature and count: `VACUUM INTO` on SQLite, `pg_dump` and `psql` on
//! PostgreSQL.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use undersigned::backup::{self, Backup};
use undersigned::{Application, Settings};

use crate::support::database::TestDatabase;
use crate::support::{LETTER, TestApp, individual, organisation};

/// Signs and confirms through the app, so the counts come from the real path.
async fn sign_and_confirm(app: &TestApp, fields: &[(&str, String)], email: &str) {
    assert_eq!(app.sign(fields).await.status(), 303);
    app.drain_outbox().await;
    let mail = app.mail_to(email);
    assert_eq!(mail.len(), 1, "one confirmation email to {email}");
    let path = TestApp::confirmation_path(&mail[0]);
    assert_eq!(app.post_form(&path, &[]).await.status(), 200);
}

/// Fills `copy` from the app's database while the app serves signings: the library
/// function the `backup` command calls, and on PostgreSQL the command it prints, then
/// `psql` to restore.
async fn take_backup(app: &TestApp, copy: &TestDatabase) {
    let dump_dir = tempfile::tempdir().expect("a directory for the dump");
    let dest = copy
        .sqlite_file()
        .unwrap_or_else(|| dump_dir.path().join("dump.sql"));
    let outcome = backup::backup(&app.db, app.settings.database_url(), &dest)
        .await
        .expect("taking the backup");
    match outcome {
        Backup::Written => {
            assert!(!copy.is_postgres());
            assert!(dest.is_file(), "VACUUM INTO wrote {}", dest.display());
            // A backup never overwrites a file.
            assert!(
                backup::backup(&app.db, app.settings.database_url(), &dest)
                    .await
                    .is_err()
            );
        }
        Backup::PgDump(command) => {
            assert!(copy.is_postgres());
            run("sh", &["-c", &command]);
            let restore = dest.display().to_string();
            run(
                "psql",
                &[
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-d",
                    &copy.url,
                    "-f",
                    &restore,
                ],
            );
        }
    }
}

fn run(program: &str, args: &[&str]) {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_every_signature_and_count() {
    let app = TestApp::spawn().await;
    for (i, name) in ["Ada Lovelace", "Grace Hopper", "Rosa Parks"]
        .iter()
        .enumerate()
    {
        let email = format!("signer{i}@example.org");
        sign_and_confirm(&app, &individual(name, &email), &email).await;
    }
    let org_email = "office@rights.example.org";
    sign_and_confirm(
        &app,
        &organisation("Rights Watch Europe", "Bea Contact", org_email),
        org_email,
    )
    .await;
    app.roll_up().await;
    let before = app.letter_json().await;
    assert_eq!(before["individual_count"], 3);
    assert_eq!(before["organisation_count"], 1);

    // Signings keep arriving while the copy is taken.
    let stop = CancellationToken::new();
    let answered = Arc::new(AtomicUsize::new(0));
    let signing = {
        let (client, url, stop, answered) = (
            app.client.clone(),
            app.url(&format!("/letters/{LETTER}/sign")),
            stop.clone(),
            answered.clone(),
        );
        tokio::spawn(async move {
            while !stop.is_cancelled() && answered.load(Ordering::SeqCst) < 2000 {
                let email = format!("busy{}@example.org", answered.load(Ordering::SeqCst));
                let response = client
                    .post(&url)
                    .form(&individual("Busy Signer", &email))
                    .send()
                    .await
                    .expect("a signing while the backup runs");
                assert_eq!(response.status(), 303);
                answered.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    // The backup starts only once signings are flowing (bounded: at most ten seconds).
    for _ in 0..1000 {
        if answered.load(Ordering::SeqCst) >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let copy = TestDatabase::create().await;
    let during = answered.load(Ordering::SeqCst);
    take_backup(&app, &copy).await;
    stop.cancel();
    signing.await.expect("the signing task");
    assert!(during >= 5, "signings were flowing when the backup began");

    // A second instance on the copy serves the letter, its signatories and its counts.
    let settings = Settings {
        database_url: copy.url.clone().into(),
        bind: "127.0.0.1:0".parse().expect("an address"),
        ..app.settings.clone()
    };
    let restored = Application::build(settings, app.clock.clone())
        .await
        .expect("starting on the restored database");
    let address = format!("http://127.0.0.1:{}", restored.port());
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(restored.run_until_stopped(shutdown.clone()));

    let json: serde_json::Value = app
        .client
        .get(format!("{address}/api/letters/{LETTER}"))
        .send()
        .await
        .expect("the restored API")
        .json()
        .await
        .expect("JSON");
    for key in ["individual_count", "organisation_count", "total_count"] {
        assert_eq!(json[key], before[key], "{key} after restoring");
    }
    let page = app
        .client
        .get(format!("{address}/letters/{LETTER}"))
        .send()
        .await
        .expect("the restored letter page");
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("a page");
    for name in [
        "Ada Lovelace",
        "Grace Hopper",
        "Rosa Parks",
        "Rights Watch Europe",
    ] {
        assert!(page.contains(name), "{name} on the restored page");
    }
    assert_eq!(
        app.client
            .get(format!("{address}/readyz"))
            .send()
            .await
            .expect("readiness")
            .status(),
        200
    );

    shutdown.cancel();
    server
        .await
        .expect("the restored server task")
        .expect("the restored server stopped cleanly");
    app.stop().await;
}
