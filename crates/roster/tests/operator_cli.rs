//! The operator commands: `roster users list|get|create|disable`, `roster
//! zones list|create` and `roster check`, run as the real binary on a
//! SQLite file, and on a fresh PostgreSQL database when
//! `ROSTER_TEST_POSTGRES_URL` is set (skipped loudly without it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::process::Output;

use serde_json::{Value, json};

use roster_testkit::{PgDatabase, postgres_url};
use support::roster;

fn ok(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_str(&ok(out)).unwrap()
}

fn lines_of(out: &Output) -> Vec<Value> {
    ok(out).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Everything an operator does with users and zones, on the database `db`.
fn users_and_zones_are_managed_from_the_command_line(db: &str) {
    let created = json_of(&roster(
        &["users", "create", "--email", "Ada@Example.com", "--first-name", "Ada"],
        db,
    ));
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("user_"), "{created}");
    assert_eq!(created["first_name"], "Ada");
    assert_eq!(created["status"], "active", "{created}");

    let listed = lines_of(&roster(&["users", "list"], db));
    assert_eq!(listed, vec![created.clone()], "one line per user, as GET shows it");
    let searched = lines_of(&roster(&["users", "list", "--search", "ada", "--limit", "5"], db));
    assert_eq!(searched.len(), 1);
    assert!(lines_of(&roster(&["users", "list", "--status", "disabled"], db)).is_empty());

    assert_eq!(json_of(&roster(&["users", "get", &id], db)), created);
    assert_eq!(json_of(&roster(&["users", "get", "ada@example.com"], db)), created);
    let missing = roster(&["users", "get", "nobody@example.com"], db);
    assert!(!missing.status.success());

    let disabled = json_of(&roster(&["users", "disable", &id], db));
    assert_eq!(disabled["status"], "disabled");
    assert_eq!(json_of(&roster(&["users", "get", &id], db))["status"], "disabled");
    let listed = lines_of(&roster(&["users", "list", "--status", "disabled"], db));
    assert_eq!(listed.len(), 1);

    let zone = json_of(&roster(&["zones", "create", "eu-west", "--name", "Europe"], db));
    assert_eq!(zone["identifier"], "eu-west");
    assert_eq!(zone["name"], "Europe");
    let zones = lines_of(&roster(&["zones", "list"], db));
    let identifiers: Vec<&str> = zones.iter().map(|z| z["identifier"].as_str().unwrap()).collect();
    assert_eq!(identifiers, ["default", "eu-west"]);
    // A user in the new zone is not seen from the default one.
    let there = json_of(&roster(
        &["users", "create", "--email", "bo@example.com", "--zone", "eu-west"],
        db,
    ));
    let in_zone = lines_of(&roster(&["users", "list", "--zone", "eu-west"], db));
    assert_eq!(in_zone, vec![there]);
    assert_eq!(lines_of(&roster(&["users", "list"], db)).len(), 1);
    let nowhere = roster(&["users", "list", "--zone", "nowhere"], db);
    assert!(!nowhere.status.success());
    assert_eq!(String::from_utf8_lossy(&nowhere.stderr), "roster: no zone \"nowhere\"\n");

    let check = ok(&roster(&["check", "--listen", "0.0.0.0:9000"], db));
    assert!(check.contains("zones: 2"), "{check}");
    assert!(check.contains("listen: 0.0.0.0:9000"), "{check}");
}

/// A body the API refuses is refused by the command line, in its words.
fn a_refused_body_exits_non_zero_with_the_apis_words(db: &str) {
    let api = roster_api::input::typed::<roster_api::input::users::CreateUser>(
        json!({ "email": "not an email" }),
    )
    .unwrap_err()
    .problem()
    .detail;
    let out = roster(&["users", "create", "--email", "not an email"], db);
    assert!(!out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("roster: {api}\n"));
    assert!(out.stdout.is_empty());
    let zone = roster(&["zones", "create", "Not A Slug"], db);
    assert!(!zone.status.success());
    assert!(String::from_utf8_lossy(&zone.stderr).contains("identifier"));
}

#[test]
fn users_and_zones_are_managed_from_the_command_line_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("ops.db").display());
    users_and_zones_are_managed_from_the_command_line(&db);
    a_refused_body_exits_non_zero_with_the_apis_words(&db);
    let check = ok(&roster(&["check"], &db));
    assert!(check.contains("backend: sqlite"), "{check}");
}

#[tokio::test(flavor = "multi_thread")]
async fn users_and_zones_are_managed_from_the_command_line_on_postgres() {
    let Some(admin) = postgres_url() else { return };
    let pg = PgDatabase::create(&admin).await;
    let url = pg.url.clone();
    let run = tokio::task::spawn_blocking(move || {
        // Never migrated: the check says so and leaves it as it was.
        let fresh = roster(&["check"], &url);
        assert!(!fresh.status.success());
        let said = String::from_utf8_lossy(&fresh.stderr);
        assert!(said.contains("has no Roster schema"), "{said}");
        assert_eq!(said.lines().count(), 1, "{said}");
        let again = roster(&["check"], &url);
        assert!(String::from_utf8_lossy(&again.stderr).contains("has no Roster schema"));
        ok(&roster(&["migrate"], &url));
        users_and_zones_are_managed_from_the_command_line(&url);
        a_refused_body_exits_non_zero_with_the_apis_words(&url);
        let check = ok(&roster(&["check"], &url));
        assert!(check.contains("backend: postgres"), "{check}");
    })
    .await;
    pg.drop_database().await;
    run.unwrap();
}

#[test]
fn check_on_a_never_migrated_sqlite_file_exits_non_zero_without_creating_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("never.db");
    let db = format!("sqlite://{}", path.display());
    let out = roster(&["check"], &db);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("no database file"), "{said}");
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(!path.exists(), "check created the file");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing left behind");

    // An empty SQLite file (schema version 0) is not a Roster database yet.
    std::fs::File::create(&path).unwrap();
    let out = roster(&["check"], &db);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no Roster schema"));
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "check migrated the file");

    ok(&roster(&["migrate"], &db));
    let check = ok(&roster(&["check"], &db));
    assert!(check.contains("backend: sqlite"), "{check}");
    // migrate makes the schema; the default zone comes with the first start.
    assert!(check.contains("zones: 0"), "{check}");
    assert!(check.contains("public URL: http://127.0.0.1:8080"), "{check}");
}

#[test]
fn check_on_an_unreachable_postgres_url_exits_non_zero_and_hides_the_password() {
    let out = roster(&["check"], "postgres://roster:s3cret@127.0.0.1:1/roster");
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(said.contains("roster:***@127.0.0.1:1"), "{said}");
    assert!(!said.contains("s3cret"), "{said}");
}

#[test]
fn check_refuses_a_bad_url_or_listen_address_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("ok.db").display());
    ok(&roster(&["migrate"], &db));
    for (args, url, words) in [
        (vec!["check"], "mysql://x@y/z", "unsupported database URL"),
        (vec!["check", "--listen", "localhost"], db.as_str(), "--listen"),
        (vec!["check", "--public-url", "example.com"], db.as_str(), "--public-url"),
    ] {
        let out = roster(&args, url);
        assert!(!out.status.success(), "{args:?}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains(words), "{args:?}: {said}");
        assert_eq!(said.lines().count(), 1, "{said}");
    }
}
