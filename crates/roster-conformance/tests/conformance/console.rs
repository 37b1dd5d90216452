//! `/console`: the admin console's files, served to anyone (the console
//! signs in with an API key in the browser and uses the public API), under
//! a policy that allows no inline script, no other origin and no framing.
//! What the console does is tested in a browser (scripts/console-e2e).

use roster_testkit::{TestServer, send};

pub async fn every_console_url_answers_the_app_page_under_a_strict_policy(server: &TestServer) {
    for path in
        ["/console", "/console/users", "/console/users/user_01ARZ3NDEKTSV4RRFFQ69G5FAV?zone=eu"]
    {
        let r = send(server.request("GET", path)).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
        assert!(r.text().contains("/console/assets/js/app.js"), "{path}");
        let csp = r.header("content-security-policy").unwrap_or_default();
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe"), "{csp}");
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    }
    // A page with no script of its own: every script is a file of /console/assets.
    let page = send(server.request("GET", "/console")).await.text();
    assert!(!page.contains("<script>"), "an inline script");
    assert!(!page.contains(" style="), "an inline style");
}

pub async fn console_assets_are_served_with_their_type_and_revalidated_by_etag(
    server: &TestServer,
) {
    for (path, kind) in [
        ("/console/assets/js/app.js", "text/javascript; charset=utf-8"),
        ("/console/assets/console.css", "text/css; charset=utf-8"),
        ("/console/assets/icon.svg", "image/svg+xml"),
    ] {
        let r = send(server.request("GET", path)).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some(kind));
        assert_eq!(r.header("cache-control"), Some("no-cache"));
        let etag = r.header("etag").expect("an ETag").to_owned();
        let again = send(server.request("GET", path).header("if-none-match", &etag)).await;
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty());
    }
}

pub async fn an_unknown_console_asset_is_a_404_not_the_app_page(server: &TestServer) {
    for path in
        ["/console/assets/nope.js", "/console/assets/../../etc/passwd", "/console/assets/js/"]
    {
        let r = send(server.request("GET", path)).await;
        assert_eq!(r.status, 404, "{path}: {}", r.text());
        assert!(!r.text().contains("<html"), "{path}");
    }
    let r = send(server.request("POST", "/console/users")).await;
    assert_eq!(r.status, 405);
}

pub async fn console_files_need_no_key_and_give_away_nothing_of_the_api(server: &TestServer) {
    // No key, a bad key: the same static page, and no data in it.
    let anonymous = send(server.request("GET", "/console/users")).await;
    let bad =
        send(server.request("GET", "/console/users").bearer_auth("not-a-key-at-all-000")).await;
    assert_eq!(anonymous.status, 200);
    assert_eq!(anonymous.body, bad.body);
    assert!(!anonymous.text().contains("rk_"), "a key in the page");
}
