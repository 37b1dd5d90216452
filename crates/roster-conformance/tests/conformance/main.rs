//! One conformance suite, run against every backend.
//!
//! Each test is an `async fn(&TestServer)` that states a promise of
//! `shared/API.md` in its name and checks it over real HTTP. The
//! `conformance!` macro turns every such function into one `#[tokio::test]`
//! per backend, each on a fresh server and database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod smoke;

/// Declares the listed test functions (paths relative to this crate's test
/// root) as tests on every backend.
#[macro_export]
macro_rules! conformance {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let server = roster_testkit::TestServer::start(roster_testkit::Backend::Sqlite).await;
                    $crate::$module::$name(&server).await;
                    server.stop().await;
                }
            )*
        }
    };
}

conformance!(smoke::the_server_answers_health_and_serves_a_created_user,);
