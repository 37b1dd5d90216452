//! The shared PostgreSQL server tests run against, named by
//! `ROSTER_TEST_POSTGRES_URL`: one rule for every suite that needs it.

pub const POSTGRES_URL_VAR: &str = "ROSTER_TEST_POSTGRES_URL";

/// The PostgreSQL server tests use, or `None` after saying loudly that what
/// needs it is skipped. With `CI=true` a missing server is a failure, never
/// a skip.
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{POSTGRES_URL_VAR} is not set: PostgreSQL tests are required in CI");
            }
            let msg = format!(
                "SKIPPED: {POSTGRES_URL_VAR} is not set, so what needs PostgreSQL did not run \
                 (e.g. {POSTGRES_URL_VAR}=postgres://postgres@127.0.0.1:5432/test)"
            );
            eprintln!("{msg}");
            // The harness captures eprintln! of passing tests; say it once
            // where a person running the suite will see it.
            static ONCE: std::sync::Once = std::sync::Once::new();
            ONCE.call_once(|| {
                use std::io::Write;
                let _ = writeln!(std::io::stderr(), "\n*** {msg} ***\n");
            });
            None
        }
    }
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{}", &base[..authority_end], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}
