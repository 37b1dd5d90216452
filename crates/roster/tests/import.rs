//! `roster import`: an export imported into another database exports the
//! same bytes; an interrupted import resumed imports nothing twice; bad
//! lines are named by their line numbers. On SQLite and on PostgreSQL
//! (with `ROSTER_TEST_POSTGRES_URL`; skipped loudly without it, a failure
//! in CI).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;

use roster_testkit::{PgDatabase, postgres_url};

use support::{Node, roster};

/// Where a test's databases live.
#[derive(Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

/// The databases a test made: SQLite files under a temporary folder, or
/// PostgreSQL databases dropped when the test is done.
struct Databases {
    backend: Backend,
    dir: tempfile::TempDir,
    made: Vec<PgDatabase>,
}

impl Databases {
    fn new(backend: Backend) -> Self {
        Self { backend, dir: tempfile::tempdir().unwrap(), made: Vec::new() }
    }

    /// A fresh database's URL; `None` when PostgreSQL is not configured
    /// outside CI.
    async fn fresh(&mut self, name: &str) -> Option<String> {
        match self.backend {
            Backend::Sqlite => Some(format!("sqlite://{}", self.dir.path().join(name).display())),
            Backend::Postgres => {
                let db = PgDatabase::create(&postgres_url()?).await;
                let url = db.url.clone();
                self.made.push(db);
                Some(url)
            }
        }
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    async fn drop_all(self) {
        for db in self.made {
            db.drop_database().await;
        }
    }
}

/// An NDJSON export without each line's tenant ids (the organization and
/// zone a database made for itself): the user fields, byte for byte.
fn user_fields(ndjson: &str) -> Vec<String> {
    ndjson
        .lines()
        .map(|line| {
            let mut out = line.to_owned();
            for key in ["\"organization_id\":\"", "\"zone_id\":\""] {
                let start = out.find(key).unwrap();
                let end = start + key.len() + out[start + key.len()..].find("\",").unwrap() + 2;
                out.replace_range(start..end, "");
            }
            out
        })
        .collect()
}

/// Equal, or the first line that differs.
fn same(got: &[String], want: &[String]) {
    assert_eq!(got.len(), want.len(), "line counts");
    if let Some((g, w)) = got.iter().zip(want).find(|(g, w)| g != w) {
        panic!("lines differ:\n got {g}\nwant {w}");
    }
}

fn ok(out: &std::process::Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A database with a running server (bootstrapped) and `n` varied users.
async fn seeded(db: &str, n: usize) -> Node {
    let node = Node::start(db).await;
    for i in 0..n {
        let body = json!({
            "email": format!("u{i:03}@example.com"),
            "first_name": format!("Zoë {i}"),
            "description": if i % 3 == 0 { json!(format!("line one\nline \"two\", {i}")) } else { json!(null) },
            "status": if i % 4 == 0 { "disabled" } else { "active" },
            "external_id": if i % 2 == 0 { json!(format!("00u-{i}")) } else { json!(null) },
            "attributes": { "plan": "pro", "seats": i, "tags": ["a", "b"] },
        });
        let (status, _, _) = node.send("POST", "/v1/users", Some(body), &[]).await;
        assert_eq!(status, 201);
    }
    node
}

async fn round_trip(backend: Backend) {
    let mut dbs = Databases::new(backend);
    let Some(source) = dbs.fresh("a.db").await else { return };
    let a = seeded(&source, 40).await;
    let ndjson = ok(&roster(&["export", "--zone", "default"], &source));
    let csv = ok(&roster(&["export", "--zone", "default", "--format", "csv"], &source));
    let (ndjson_file, csv_file) = (dbs.path("users.ndjson"), dbs.path("users.csv"));
    std::fs::write(&ndjson_file, &ndjson).unwrap();
    std::fs::write(&csv_file, &csv).unwrap();

    let Some(target) = dbs.fresh("b.db").await else { return };
    let b = Node::start(&target).await;
    let out = roster(&["import", ndjson_file.to_str().unwrap()], &target);
    ok(&out);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("40 created"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    same(
        &user_fields(&ok(&roster(&["export", "--zone", "default"], &target))),
        &user_fields(&ndjson),
    );

    let Some(csv_target) = dbs.fresh("c.db").await else { return };
    let c = Node::start(&csv_target).await;
    ok(&roster(&["import", csv_file.to_str().unwrap()], &csv_target));
    let csv_again = ok(&roster(&["export", "--zone", "default", "--format", "csv"], &csv_target));
    same(
        &csv_again.lines().map(str::to_owned).collect::<Vec<_>>(),
        &csv.lines().map(str::to_owned).collect::<Vec<_>>(),
    );
    same(
        &user_fields(&ok(&roster(&["export", "--zone", "default"], &csv_target))),
        &user_fields(&ndjson),
    );
    drop((a, b, c));
    dbs.drop_all().await;
}

async fn resumed(backend: Backend) {
    let mut dbs = Databases::new(backend);
    let Some(source) = dbs.fresh("a.db").await else { return };
    let a = seeded(&source, 30).await;
    let ndjson = ok(&roster(&["export", "--zone", "default"], &source));
    let lines: Vec<&str> = ndjson.lines().collect();
    let (part, whole) = (dbs.path("part.ndjson"), dbs.path("whole.ndjson"));
    std::fs::write(&part, lines[..12].join("\n")).unwrap();
    std::fs::write(&whole, &ndjson).unwrap();

    let Some(target) = dbs.fresh("b.db").await else { return };
    let b = Node::start(&target).await;
    ok(&roster(&["import", part.to_str().unwrap()], &target));
    // Again without skip: the first line conflicts, and that stops it.
    let refused = roster(&["import", whole.to_str().unwrap()], &target);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("line 1"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let resumed = roster(&["import", whole.to_str().unwrap(), "--on-conflict", "skip"], &target);
    ok(&resumed);
    let said = String::from_utf8_lossy(&resumed.stderr).to_string();
    assert!(said.contains("18 created") && said.contains("12 skipped"), "{said}");
    same(
        &user_fields(&ok(&roster(&["export", "--zone", "default"], &target))),
        &user_fields(&ndjson),
    );
    // PostgreSQL serves an event once every older transaction of the server
    // has ended (other tests' included): wait for the 30th, then count.
    let mut created = 0;
    for _ in 0..400 {
        let (_, page, _) =
            b.send("GET", "/v1/events?type=user.created&limit=1000", None, &[]).await;
        created = page["data"].as_array().unwrap().len();
        if created >= 30 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(created, 30, "one user.created per user, none twice");

    // --on-conflict update: the line's values win.
    let changed = ndjson.replacen("Zoë 0", "Zoë zero", 1);
    std::fs::write(&whole, &changed).unwrap();
    let updated = roster(&["import", whole.to_str().unwrap(), "--on-conflict", "update"], &target);
    ok(&updated);
    assert!(String::from_utf8_lossy(&updated.stderr).contains("30 updated"));
    assert!(ok(&roster(&["export", "--zone", "default"], &target)).contains("Zoë zero"));
    drop((a, b));
    dbs.drop_all().await;
}

async fn bad_lines(backend: Backend) {
    let mut dbs = Databases::new(backend);
    let Some(db) = dbs.fresh("a.db").await else { return };
    let a = Node::start(&db).await;
    let file = dbs.path("bad.ndjson");
    std::fs::write(
        &file,
        [
            r#"{"email": "good@example.com"}"#,
            r#"{"email": "not an email"}"#,
            "",
            r#"not json"#,
            r#"{"email": "x@example.com", "nickname": "x"}"#,
            r#"{"email": "also-good@example.com", "created_at": "2020-01-01T00:00:00Z"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let out = roster(&["import", file.to_str().unwrap()], &db);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(said.contains("2 created") && said.contains("3 failed"), "{said}");
    for line in ["line 2: email", "line 4: not JSON", "line 5: nickname"] {
        assert!(said.contains(line), "{line} in {said}");
    }
    let export = ok(&roster(&["export"], &db));
    assert!(export.contains(r#""created_at":"2020-01-01T00:00:00Z""#), "timestamps kept");
    drop(a);
    dbs.drop_all().await;
}

#[tokio::test]
async fn an_export_imported_elsewhere_exports_the_same_bytes_on_sqlite() {
    round_trip(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_export_imported_elsewhere_exports_the_same_bytes_on_postgres() {
    round_trip(Backend::Postgres).await;
}

#[tokio::test]
async fn an_interrupted_import_resumed_with_skip_imports_nothing_twice_on_sqlite() {
    resumed(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_interrupted_import_resumed_with_skip_imports_nothing_twice_on_postgres() {
    resumed(Backend::Postgres).await;
}

#[tokio::test]
async fn lines_that_do_not_hold_a_valid_user_are_named_by_number_on_sqlite() {
    bad_lines(Backend::Sqlite).await;
}

#[tokio::test]
async fn lines_that_do_not_hold_a_valid_user_are_named_by_number_on_postgres() {
    bad_lines(Backend::Postgres).await;
}

#[test]
fn importing_into_a_database_never_started_says_to_start_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("one.ndjson");
    std::fs::write(&file, "{\"email\":\"a@example.com\"}\n").unwrap();
    let db = format!("sqlite://{}", dir.path().join("new.db").display());
    let out = support::roster(&["import", file.to_str().unwrap()], &db);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("start `roster serve` on it once"), "{err}");
}
