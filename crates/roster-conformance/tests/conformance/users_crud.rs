//! The user: fields, defaults, validation, uniqueness; create, retrieve,
//! merge-patch, delete; ETags.

use serde_json::{Value, json};

use roster_testkit::{ADMIN_KEY, TestServer, send};

use crate::support::*;

const FIELDS: &[&str] = &[
    "id",
    "organization_id",
    "zone_id",
    "identifier",
    "email",
    "email_verified",
    "first_name",
    "last_name",
    "name",
    "description",
    "user_type",
    "status",
    "attributes",
    "issuer",
    "provider_id",
    "subject",
    "external_id",
    "authenticated_at",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
];

pub async fn creating_a_user_answers_201_with_location_etag_and_every_default(server: &TestServer) {
    let r = server.post("/v1/users", json!({"email": "Jane.Doe@Example.com"})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let u = r.json();
    let id = id_of(&u);
    assert!(is_prefixed_ulid(&id, "user_"), "{id}");
    let mut keys: Vec<&str> = u.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut expected = FIELDS.to_vec();
    expected.sort_unstable();
    assert_eq!(keys, expected, "the fields of a user (admin key)");

    let zone = default_zone(server).await;
    assert_eq!(u["zone_id"], zone["id"]);
    assert_eq!(u["organization_id"], zone["organization_id"]);
    assert_eq!(u["identifier"], json!(id), "identifier defaults to id");
    assert_eq!(u["email"], json!("Jane.Doe@Example.com"), "stored as given");
    assert_eq!(u["email_verified"], json!(false));
    assert_eq!(u["first_name"], json!(""));
    assert_eq!(u["last_name"], json!(""));
    assert_eq!(u["name"], json!(""));
    assert_eq!(u["description"], Value::Null);
    assert_eq!(u["user_type"], json!("saas_user"));
    assert_eq!(u["status"], json!("active"));
    assert_eq!(u["attributes"], json!({}));
    for f in ["issuer", "provider_id", "subject", "external_id", "authenticated_at"] {
        assert_eq!(u[f], Value::Null, "{f}");
    }
    assert_utc_timestamp(&u["created_at"]);
    assert_eq!(u["created_at"], u["updated_at"]);
    assert!(u["created_by"].as_str().unwrap().starts_with("key_"));

    let location = r.header("location").expect("Location");
    assert!(location.ends_with(&format!("/users/{id}")), "{location}");
    let path = if location.starts_with("http") {
        location
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()))
            .unwrap()
    } else {
        location.to_owned()
    };
    let fetched = server.get(&path).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.json(), u);

    let etag = r.header("etag").expect("ETag on create");
    etag_version(etag, &id);
    assert_eq!(fetched.header("etag"), Some(etag));
}

pub async fn every_writable_field_is_set_on_create(server: &TestServer) {
    let body = json!({
        "email": "full@example.com",
        "identifier": "Full.Person",
        "email_verified": true,
        "first_name": "Full",
        "last_name": "Person",
        "name": "The Full Person",
        "description": "Has every field.",
        "user_type": "saas_admin",
        "status": "onboarding",
        "attributes": {"plan": "pro", "seats": 3, "beta": true, "nested": {"a": [1, 2]}},
        "issuer": "https://idp.example.com",
        "subject": "sub-123",
        "external_id": "00u1abcd",
        "authenticated_at": "2024-01-15T09:30:00Z",
    });
    let u = server.create_user(body.clone()).await;
    for (k, v) in body.as_object().unwrap() {
        assert_eq!(&u[k], v, "{k}");
    }
    let fetched = get_ok(server, &format!("/v1/users/{}", id_of(&u))).await;
    assert_eq!(fetched, u);
}

/// Custom attributes come back as sent, doubles to the last bit: the
/// hostile-inputs property test once found a subnormal one ulp off.
pub async fn attribute_doubles_come_back_exactly_as_sent(server: &TestServer) {
    let doubles =
        [1.43532213690597e-309_f64, 5e-324, 1.7976931348623157e308, 0.30000000000000004, -2.5e-8];
    let attributes: serde_json::Map<String, Value> =
        doubles.iter().enumerate().map(|(i, x)| (format!("d{i}"), json!(x))).collect();
    let u =
        server.create_user(json!({"email": "doubles@example.com", "attributes": attributes})).await;
    for read in [u.clone(), get_ok(server, &format!("/v1/users/{}", id_of(&u))).await] {
        for (i, x) in doubles.iter().enumerate() {
            assert_eq!(read["attributes"][format!("d{i}")].as_f64(), Some(*x), "{x:e}");
        }
    }
}

/// Custom attributes are written out as they were stored, in every read: a
/// created user, GET on both paths, a list page (plain and expanded) and a
/// PATCH that changes another field all return the object as sent, with
/// escapes, control characters, non-ASCII text, large integers and nesting
/// intact.
pub async fn attributes_come_back_as_sent_from_every_read(server: &TestServer) {
    let attributes = json!({
        "quote\"key": "a \"quoted\" \\ back\\slash",
        "controls": "tab\there\nline\u{1}\u{1f}end",
        "unicode": "Zoë 東京 🙂 \u{2028}\u{2029}",
        "big": 12345678901234567i64,
        "negative": -9007199254740993i64,
        "nested": {"list": [1, 2.5, "x", null, true, {"deep": []}], "empty": {}},
        "slash": "</script>",
    });
    let u = server
        .create_user(json!({"email": "attrs-every-read@example.com", "attributes": attributes}))
        .await;
    let id = id_of(&u);
    let zone = u["zone_id"].as_str().unwrap().to_owned();
    let patched = server.patch(&format!("/v1/users/{id}"), json!({"name": "Renamed"})).await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    let list = get_ok(server, "/v1/users?email=attrs-every-read@example.com").await;
    let expanded = get_ok(
        server,
        "/v1/users?email=attrs-every-read@example.com&expand[]=role_assignments&expand[]=grant_count",
    )
    .await;
    let reads = [
        ("create", u.clone()),
        ("get", get_ok(server, &format!("/v1/users/{id}")).await),
        ("get in zone", get_ok(server, &format!("/v1/zones/{zone}/users/{id}")).await),
        ("patch", patched.json()),
        ("list", list["data"][0].clone()),
        ("expanded list", expanded["data"][0].clone()),
    ];
    for (read, user) in reads {
        assert_eq!(user["attributes"], attributes, "{read}");
    }
}

pub async fn every_enum_value_is_accepted_and_others_are_refused(server: &TestServer) {
    for (i, t) in ["saas_admin", "saas_user", "saas_user_client"].iter().enumerate() {
        let u =
            server.create_user(json!({"email": format!("t{i}@example.com"), "user_type": t})).await;
        assert_eq!(u["user_type"], json!(t));
    }
    for (i, s) in
        ["active", "onboarding", "inactive", "suspended", "risky", "disabled"].iter().enumerate()
    {
        let u =
            server.create_user(json!({"email": format!("s{i}@example.com"), "status": s})).await;
        assert_eq!(u["status"], json!(s));
    }
    for bad in ["admin", "SAAS_USER", "", "saas-user"] {
        let r =
            server.post("/v1/users", json!({"email": "bad@example.com", "user_type": bad})).await;
        invalid_body(&r, "user_type");
    }
    for bad in ["deleted", "Active", "", "enabled"] {
        let r = server.post("/v1/users", json!({"email": "bad@example.com", "status": bad})).await;
        invalid_body(&r, "status");
    }
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(9));
}

pub async fn name_defaults_to_first_and_last_name_trimmed(server: &TestServer) {
    for (i, (first, last, name)) in [
        ("Jane", "Doe", "Jane Doe"),
        ("Jane", "", "Jane"),
        ("", "Doe", "Doe"),
        ("", "", ""),
        (" Ann ", " Lee ", "Ann   Lee"),
    ]
    .iter()
    .enumerate()
    {
        let u = server
            .create_user(json!({
                "email": format!("n{i}@example.com"),
                "first_name": first,
                "last_name": last,
            }))
            .await;
        assert_eq!(u["name"], json!(name), "{first:?} {last:?}");
        assert_eq!(u["first_name"], json!(first));
        assert_eq!(u["last_name"], json!(last));
    }
    let u = server
        .create_user(json!({"email": "x@example.com", "first_name": "A", "last_name": "B", "name": "Custom"}))
        .await;
    assert_eq!(u["name"], json!("Custom"));
}

pub async fn patch_never_rewrites_the_display_name(server: &TestServer) {
    let u = server
        .create_user(json!({"email": "p@example.com", "first_name": "Jane", "last_name": "Doe"}))
        .await;
    let path = format!("/v1/users/{}", id_of(&u));
    let r = server.patch(&path, json!({"first_name": "Janet", "last_name": "Smith"})).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["first_name"], json!("Janet"));
    assert_eq!(v["last_name"], json!("Smith"));
    assert_eq!(v["name"], json!("Jane Doe"));
    let r = server.patch(&path, json!({"name": "J. S."})).await;
    assert_eq!(r.json()["name"], json!("J. S."));
    assert_eq!(r.json()["first_name"], json!("Janet"));
}

pub async fn email_is_required_and_must_look_like_an_address(server: &TestServer) {
    invalid_body(&server.post("/v1/users", json!({})).await, "email");
    invalid_body(&server.post("/v1/users", json!({"first_name": "No Email"})).await, "email");
    for bad in [
        json!(""),
        json!("plain"),
        json!("@example.com"),
        json!("a@"),
        json!("a b@example.com"),
        json!("a@b@example.com"),
        json!("a@example..com"),
        json!(42),
        json!(true),
        json!(["a@example.com"]),
    ] {
        let r = server.post("/v1/users", json!({"email": bad})).await;
        invalid_body(&r, "email");
    }
    // 254 characters is the limit.
    let domain = format!("{}.{}.{}.com", "d".repeat(63), "e".repeat(63), "f".repeat(63));
    let local_254 = "l".repeat(254 - 1 - domain.len());
    let ok = format!("{local_254}@{domain}");
    assert_eq!(ok.len(), 254);
    let r = server.post("/v1/users", json!({"email": ok})).await;
    assert_eq!(r.status, 201, "a 254-character email: {}", r.text());
    let too_long = format!("m{ok}");
    assert_eq!(too_long.len(), 255);
    let r = server.post("/v1/users", json!({"email": too_long})).await;
    invalid_body(&r, "email");
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(1));
}

pub async fn email_is_unique_per_zone_case_insensitively_and_the_conflict_names_it(
    server: &TestServer,
) {
    let first = server.create_user(json!({"email": "Dup@Example.com"})).await;
    for variant in ["Dup@Example.com", "dup@example.com", "DUP@EXAMPLE.COM"] {
        let r = server.post("/v1/users", json!({"email": variant})).await;
        problem_param(&r, 409, "conflict", "email");
    }
    let other = server.create_user(json!({"email": "other@example.com"})).await;
    let r = server
        .patch(
            &format!("/v1/users/{}", id_of(&other)),
            json!({"email": "DUP@example.COM", "first_name": "Changed"}),
        )
        .await;
    problem_param(&r, 409, "conflict", "email");
    let still = get_ok(server, &format!("/v1/users/{}", id_of(&other))).await;
    assert_eq!(still["email"], json!("other@example.com"));
    assert_eq!(still["first_name"], json!(""), "a failed patch changes nothing");
    // A user may change the case of its own email.
    let r = server
        .patch(&format!("/v1/users/{}", id_of(&first)), json!({"email": "dup@example.com"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["email"], json!("dup@example.com"));
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(2));
}

pub async fn identifier_is_unique_per_zone_case_insensitively_and_the_conflict_names_it(
    server: &TestServer,
) {
    let a = server.create_user(json!({"email": "a@example.com", "identifier": "Jane"})).await;
    for variant in ["Jane", "jane", "JANE"] {
        let r = server
            .post(
                "/v1/users",
                json!({"email": format!("{variant}x@example.com"), "identifier": variant}),
            )
            .await;
        problem_param(&r, 409, "conflict", "identifier");
    }
    // A default identifier (the id) is taken too, in any case.
    let b = server.create_user(json!({"email": "b@example.com"})).await;
    let b_id = id_of(&b);
    let r = server.post("/v1/users", json!({"email": "c@example.com", "identifier": b_id})).await;
    problem_param(&r, 409, "conflict", "identifier");
    let r = server
        .post(
            "/v1/users",
            json!({"email": "c@example.com", "identifier": b_id.to_ascii_lowercase()}),
        )
        .await;
    problem_param(&r, 409, "conflict", "identifier");
    let r = server.patch(&format!("/v1/users/{b_id}"), json!({"identifier": "JANE"})).await;
    problem_param(&r, 409, "conflict", "identifier");
    assert_eq!(get_ok(server, &format!("/v1/users/{b_id}")).await["identifier"], json!(b_id));
    assert_eq!(a["identifier"], json!("Jane"));
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(2));
}

pub async fn case_insensitivity_is_ascii_case_folding(server: &TestServer) {
    // Non-ASCII letters are not folded: these are different identifiers and
    // emails.
    let lower =
        server.create_user(json!({"email": "émile@example.com", "identifier": "Émile"})).await;
    let r = server
        .post("/v1/users", json!({"email": "Émile@example.com", "identifier": "émile"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let upper = r.json();
    let r =
        server.post("/v1/users", json!({"email": "Émile@EXAMPLE.com", "identifier": "y"})).await;
    problem_param(&r, 409, "conflict", "email");
    // The exact filters fold the same way.
    let p = page(server, "/v1/users", &format!("email={}", enc("ÉMILE@EXAMPLE.COM"))).await;
    assert_eq!(ids(&p), vec![id_of(&upper)]);
    let p = page(server, "/v1/users", &format!("identifier={}", enc("ÉMILE"))).await;
    assert_eq!(ids(&p), vec![id_of(&lower)]);
    let p = page(server, "/v1/users", &format!("identifier={}", enc("éMILE"))).await;
    assert_eq!(ids(&p), vec![id_of(&upper)]);
}

pub async fn identifier_is_1_to_255_characters(server: &TestServer) {
    let ok = "i".repeat(255);
    let r = server.post("/v1/users", json!({"email": "a@example.com", "identifier": ok})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let multibyte = "é".repeat(255);
    let r =
        server.post("/v1/users", json!({"email": "b@example.com", "identifier": multibyte})).await;
    assert_eq!(r.status, 201, "255 characters, 510 bytes: {}", r.text());
    for bad in [json!(""), json!("j".repeat(256)), json!(7)] {
        let r =
            server.post("/v1/users", json!({"email": "c@example.com", "identifier": bad})).await;
        invalid_body(&r, "identifier");
    }
}

pub async fn text_fields_respect_their_length_limits(server: &TestServer) {
    let u = server
        .create_user(json!({
            "email": "len@example.com",
            "first_name": "f".repeat(255),
            "last_name": "l".repeat(255),
            "name": "n".repeat(255),
            "description": "d".repeat(4096),
        }))
        .await;
    assert_eq!(u["description"].as_str().unwrap().len(), 4096);
    for (field, value) in [
        ("first_name", "f".repeat(256)),
        ("last_name", "l".repeat(256)),
        ("name", "n".repeat(256)),
        ("description", "d".repeat(4097)),
    ] {
        let mut body = json!({"email": "other@example.com"});
        body[field] = json!(value);
        invalid_body(&server.post("/v1/users", body).await, field);
        let r = server.patch(&format!("/v1/users/{}", id_of(&u)), json!({ field: value })).await;
        invalid_body(&r, field);
    }
    assert_eq!(
        get_ok(server, &format!("/v1/users/{}", id_of(&u))).await,
        u,
        "failed patches change nothing"
    );
}

pub async fn attributes_must_be_an_object_within_16_kib_and_8_levels(server: &TestServer) {
    for bad in [json!([1, 2]), json!("x"), json!(3), json!(true)] {
        let r =
            server.post("/v1/users", json!({"email": "a@example.com", "attributes": bad})).await;
        invalid_body(&r, "attributes");
    }
    // Eight levels of nesting are allowed, nine are not: `attributes`
    // itself is level 1, so eight nested objects (ending in a scalar) fit.
    let mut deep = json!(1);
    for _ in 0..8 {
        deep = json!({ "k": deep });
    }
    let r = server
        .post("/v1/users", json!({"email": "deep8@example.com", "attributes": deep.clone()}))
        .await;
    assert_eq!(r.status, 201, "8 levels: {}", r.text());
    let too_deep = json!({ "k": deep });
    let r = server
        .post("/v1/users", json!({"email": "deep9@example.com", "attributes": too_deep}))
        .await;
    invalid_body(&r, "attributes");
    // 16 KiB serialized.
    let big = "v".repeat(16 * 1024 - 20);
    let fits = json!({ "k": big });
    assert!(fits.to_string().len() <= 16 * 1024);
    let r = server.post("/v1/users", json!({"email": "big@example.com", "attributes": fits})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let over = json!({ "k": "v".repeat(16 * 1024) });
    let r =
        server.post("/v1/users", json!({"email": "over@example.com", "attributes": over})).await;
    invalid_body(&r, "attributes");
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(2));
}

pub async fn null_is_refused_for_fields_that_are_not_nullable(server: &TestServer) {
    let u = server.create_user(json!({"email": "nn@example.com"})).await;
    let path = format!("/v1/users/{}", id_of(&u));
    for field in [
        "email",
        "identifier",
        "email_verified",
        "first_name",
        "last_name",
        "name",
        "user_type",
        "status",
    ] {
        let mut body = json!({"email": "x@example.com"});
        body[field] = Value::Null;
        invalid_body(&server.post("/v1/users", body).await, field);
        invalid_body(&server.patch(&path, json!({ field: null })).await, field);
    }
    assert_eq!(get_ok(server, &path).await, u);
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(1));
}

pub async fn wrongly_typed_values_answer_400_naming_the_field(server: &TestServer) {
    let u = server.create_user(json!({"email": "ty@example.com"})).await;
    let path = format!("/v1/users/{}", id_of(&u));
    for (field, value) in [
        ("email_verified", json!("yes")),
        ("email_verified", json!(1)),
        ("first_name", json!(5)),
        ("description", json!({"a": 1})),
        ("issuer", json!(false)),
        ("subject", json!(12)),
        ("authenticated_at", json!(1_700_000_000)),
        ("authenticated_at", json!("yesterday")),
    ] {
        let mut body = json!({"email": "x@example.com"});
        body[field] = value.clone();
        invalid_body(&server.post("/v1/users", body).await, field);
        invalid_body(&server.patch(&path, json!({ field: value })).await, field);
    }
    let r = server.patch(&path, json!(["not", "an", "object"])).await;
    problem(&r, 400, "invalid_body");
    let r = server.post("/v1/users", json!("a string")).await;
    problem(&r, 400, "invalid_body");
    assert_eq!(get_ok(server, &path).await, u);
}

pub async fn read_only_fields_in_a_body_answer_400_naming_the_field(server: &TestServer) {
    let u = server.create_user(json!({"email": "ro@example.com"})).await;
    let path = format!("/v1/users/{}", id_of(&u));
    for (field, value) in [
        ("id", json!("user_01ARZ3NDEKTSV4RRFFQ69G5FAV")),
        ("organization_id", json!("org_01ARZ3NDEKTSV4RRFFQ69G5FAV")),
        ("zone_id", json!("zone_01ARZ3NDEKTSV4RRFFQ69G5FAV")),
        ("created_at", json!("2020-01-01T00:00:00Z")),
        ("updated_at", json!("2020-01-01T00:00:00Z")),
        ("created_by", json!("key_01ARZ3NDEKTSV4RRFFQ69G5FAV")),
        ("updated_by", json!("key_01ARZ3NDEKTSV4RRFFQ69G5FAV")),
    ] {
        let mut body = json!({"email": "x@example.com"});
        body[field] = value.clone();
        invalid_body(&server.post("/v1/users", body).await, field);
        // Even the current value is refused.
        invalid_body(&server.patch(&path, json!({ field: u[field] })).await, field);
    }
    assert_eq!(get_ok(server, &path).await, u);
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(1));
}

pub async fn a_provider_id_must_name_a_provider_of_the_zone(server: &TestServer) {
    let r = server
        .post(
            "/v1/users",
            json!({"email": "p@example.com", "provider_id": "idp_01ARZ3NDEKTSV4RRFFQ69G5FAV"}),
        )
        .await;
    invalid_body(&r, "provider_id");
    let u = server.create_user(json!({"email": "p@example.com", "provider_id": null})).await;
    assert_eq!(u["provider_id"], Value::Null);
    let path = format!("/v1/users/{}", id_of(&u));
    let r = server.patch(&path, json!({"provider_id": "anything"})).await;
    invalid_body(&r, "provider_id");
    let r = server.patch(&path, json!({"provider_id": null})).await;
    assert_eq!(r.status, 200);
    assert_eq!(get_ok(server, &path).await["provider_id"], Value::Null);
}

pub async fn issuer_subject_and_authenticated_at_are_settable_and_issuer_subject_is_unique(
    server: &TestServer,
) {
    let a = server
        .create_user(json!({
            "email": "a@example.com",
            "issuer": "https://idp.example.com",
            "subject": "S-1",
            "authenticated_at": "2024-05-01T10:00:00Z",
        }))
        .await;
    assert_eq!(a["issuer"], json!("https://idp.example.com"));
    assert_eq!(a["subject"], json!("S-1"));
    assert_eq!(a["authenticated_at"], json!("2024-05-01T10:00:00Z"));
    // The same pair again is a conflict named `subject`.
    let r = server
        .post(
            "/v1/users",
            json!({"email": "b@example.com", "issuer": "https://idp.example.com", "subject": "S-1"}),
        )
        .await;
    problem_param(&r, 409, "conflict", "subject");
    // The same subject at another issuer, or without issuer, is fine.
    let b = server
        .create_user(json!({"email": "b@example.com", "issuer": "https://other.example.com", "subject": "S-1"}))
        .await;
    server.create_user(json!({"email": "c@example.com", "subject": "S-1"})).await;
    let r = server
        .patch(&format!("/v1/users/{}", id_of(&b)), json!({"issuer": "https://idp.example.com"}))
        .await;
    problem_param(&r, 409, "conflict", "subject");
    // Null clears the linkage.
    let r = server
        .patch(
            &format!("/v1/users/{}", id_of(&a)),
            json!({"issuer": null, "subject": null, "authenticated_at": null}),
        )
        .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["issuer"], Value::Null);
    assert_eq!(v["subject"], Value::Null);
    assert_eq!(v["authenticated_at"], Value::Null);
    let r = server
        .patch(&format!("/v1/users/{}", id_of(&b)), json!({"issuer": "https://idp.example.com"}))
        .await;
    assert_eq!(r.status, 200, "the pair is free again: {}", r.text());
}

/// The version in an ETag `"<ULID>-<version>"` of user `id`.
fn etag_version(etag: &str, id: &str) -> u64 {
    let ulid = id.strip_prefix("user_").unwrap();
    let inner = etag
        .strip_prefix('"')
        .and_then(|e| e.strip_suffix('"'))
        .unwrap_or_else(|| panic!("ETag {etag:?} is not a quoted strong tag"));
    let version = inner
        .strip_prefix(ulid)
        .and_then(|rest| rest.strip_prefix('-'))
        .unwrap_or_else(|| panic!("ETag {etag:?} is not \"{ulid}-<version>\""));
    version.parse().unwrap_or_else(|_| panic!("ETag {etag:?}: version {version:?} is not a number"))
}

pub async fn get_returns_the_user_with_an_etag_of_its_version(server: &TestServer) {
    let u = server.create_user(json!({"email": "e@example.com"})).await;
    let id = id_of(&u);
    let path = format!("/v1/users/{id}");
    let r = server.get(&path).await;
    assert_eq!(r.status, 200);
    let v1 = etag_version(r.header("etag").expect("ETag on GET"), &id);
    let p = server.patch(&path, json!({"first_name": "E"})).await;
    let v2 = etag_version(p.header("etag").expect("ETag on PATCH"), &id);
    assert!(v2 > v1, "the version grows with a change ({v1} -> {v2})");
    let r = server.get(&path).await;
    assert_eq!(r.header("etag"), p.header("etag"));
    // Under the zone path too.
    let r = server.get(&format!("/v1/zones/default/users/{id}")).await;
    assert_eq!(r.header("etag"), p.header("etag"));
    // In a 201 as well, and every user has its own.
    let other = server.post("/v1/users", json!({"email": "o@example.com"})).await;
    let other_tag = other.header("etag").expect("ETag on POST");
    etag_version(other_tag, &id_of(&other.json()));
    assert_ne!(Some(other_tag), p.header("etag"));
}

pub async fn if_none_match_with_the_current_etag_answers_304(server: &TestServer) {
    let u = server.create_user(json!({"email": "e@example.com"})).await;
    let path = format!("/v1/users/{}", id_of(&u));
    let etag = server.get(&path).await.header("etag").unwrap().to_owned();
    let r = raw(server, server.request("GET", &path).header("if-none-match", &etag)).await;
    assert_eq!(r.status, 304, "{}", r.text());
    assert!(r.body.is_empty(), "a 304 has no body");
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    let r = raw(
        server,
        server.request("GET", &path).header("if-none-match", format!("\"other\", {etag}")),
    )
    .await;
    assert_eq!(r.status, 304);
    let r = raw(server, server.request("GET", &path).header("if-none-match", "*")).await;
    assert_eq!(r.status, 304);
    // If-None-Match compares weakly (RFC 9110).
    let r = raw(server, server.request("GET", &path).header("if-none-match", format!("W/{etag}")))
        .await;
    assert_eq!(r.status, 304);

    // Once the user changes, the old tag no longer matches.
    server.patch(&path, json!({"first_name": "E"})).await;
    let r = raw(server, server.request("GET", &path).header("if-none-match", &etag)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["first_name"], json!("E"));
    assert_ne!(r.header("etag"), Some(etag.as_str()));
}

pub async fn if_match_with_a_stale_etag_answers_412_and_changes_nothing(server: &TestServer) {
    let u = server.create_user(json!({"email": "m@example.com"})).await;
    let path = format!("/v1/users/{}", id_of(&u));
    let v1 = server.get(&path).await.header("etag").unwrap().to_owned();
    let r = send(
        server
            .request("PATCH", &path)
            .bearer_auth(ADMIN_KEY)
            .header("content-type", "application/merge-patch+json")
            .header("if-match", &v1)
            .body(json!({"first_name": "One"}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v2 = r.header("etag").unwrap().to_owned();
    assert_ne!(v1, v2);

    let stale = send(
        server
            .request("PATCH", &path)
            .bearer_auth(ADMIN_KEY)
            .header("content-type", "application/merge-patch+json")
            .header("if-match", &v1)
            .body(json!({"first_name": "Two"}).to_string()),
    )
    .await;
    problem(&stale, 412, "precondition_failed");
    assert_eq!(get_ok(server, &path).await["first_name"], json!("One"));

    let stale_delete = raw(server, server.request("DELETE", &path).header("if-match", &v1)).await;
    problem(&stale_delete, 412, "precondition_failed");
    assert_eq!(server.get(&path).await.status, 200);

    let garbage =
        raw(server, server.request("DELETE", &path).header("if-match", "\"nonsense\"")).await;
    problem(&garbage, 412, "precondition_failed");

    // `If-Match: *` matches any current version.
    let any = send(
        server
            .request("PATCH", &path)
            .bearer_auth(ADMIN_KEY)
            .header("content-type", "application/merge-patch+json")
            .header("if-match", "*")
            .body(json!({"last_name": "Star"}).to_string()),
    )
    .await;
    assert_eq!(any.status, 200, "{}", any.text());
    let v2 = any.header("etag").unwrap().to_owned();

    let ok = raw(server, server.request("DELETE", &path).header("if-match", &v2)).await;
    assert_eq!(ok.status, 204, "{}", ok.text());
    assert_eq!(server.get(&path).await.status, 404);
}

pub async fn patch_is_a_json_merge_patch_with_attributes_merged(server: &TestServer) {
    let u = server
        .create_user(json!({
            "email": "mp@example.com",
            "first_name": "Keep",
            "description": "to be cleared",
            "issuer": "iss",
            "attributes": {"a": 1, "b": {"c": 2, "x": true}, "keep": "me"},
        }))
        .await;
    let path = format!("/v1/users/{}", id_of(&u));
    let r = server
        .patch(
            &path,
            json!({
                "description": null,
                "status": "suspended",
                "email_verified": true,
                "user_type": "saas_user_client",
                "attributes": {"a": null, "b": {"d": 3, "x": null}, "e": [1, 2]},
            }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["first_name"], json!("Keep"), "absent fields are untouched");
    assert_eq!(v["issuer"], json!("iss"));
    assert_eq!(v["description"], Value::Null);
    assert_eq!(v["email_verified"], json!(true));
    assert_eq!(v["user_type"], json!("saas_user_client"));
    assert_eq!(v["status"], json!("suspended"));
    assert_eq!(v["attributes"], json!({"b": {"c": 2, "d": 3}, "keep": "me", "e": [1, 2]}));
    assert_eq!(v["id"], u["id"]);
    assert_eq!(v["created_at"], u["created_at"]);
    assert_eq!(get_ok(server, &path).await, v);

    // Arrays are replaced, not merged.
    let r = server.patch(&path, json!({"attributes": {"e": [3]}})).await;
    assert_eq!(r.json()["attributes"]["e"], json!([3]));
    // `attributes: null` clears them all.
    let r = server.patch(&path, json!({"attributes": null})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["attributes"], json!({}));
    // An empty patch changes nothing.
    let mut before = get_ok(server, &path).await;
    let r = server.patch(&path, json!({})).await;
    assert_eq!(r.status, 200);
    let mut after = r.json();
    before.as_object_mut().unwrap().remove("updated_at");
    after.as_object_mut().unwrap().remove("updated_at");
    assert_eq!(after, before);
}

pub async fn patch_advances_updated_at_and_keeps_created_at(server: &TestServer) {
    let u = server.create_user(json!({"email": "t@example.com"})).await;
    let path = format!("/v1/users/{}", id_of(&u));
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let v = server.patch(&path, json!({"last_name": "T"})).await.json();
    assert_eq!(v["created_at"], u["created_at"]);
    let before = normalized_time(u["updated_at"].as_str().unwrap());
    let after = normalized_time(v["updated_at"].as_str().unwrap());
    assert!(after > before, "updated_at {after} not after {before}");
    assert_utc_timestamp(&v["updated_at"]);
}

pub async fn deleting_a_user_answers_204_and_it_is_gone(server: &TestServer) {
    let u = server.create_user(json!({"email": "del@example.com", "identifier": "del"})).await;
    let path = format!("/v1/users/{}", id_of(&u));
    let r = server.delete(&path).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(r.body.is_empty());
    problem(&server.get(&path).await, 404, "not_found");
    problem(&server.delete(&path).await, 404, "not_found");
    problem(&server.patch(&path, json!({"first_name": "Ghost"})).await, 404, "not_found");
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(0));
    // Its email and identifier are free again.
    let again = server.create_user(json!({"email": "DEL@example.com", "identifier": "DEL"})).await;
    assert_ne!(again["id"], u["id"]);
}

pub async fn expand_on_a_single_user_refuses_unknown_values_and_other_parameters(
    server: &TestServer,
) {
    let u = server.create_user(json!({"email": "x@example.com"})).await;
    let path = format!("/v1/users/{}", id_of(&u));
    invalid_parameter(&server.get(&format!("{path}?expand%5B%5D=secrets")).await, "expand[]");
    invalid_parameter(&server.get(&format!("{path}?expand=secrets")).await, "expand");
    invalid_parameter(&server.get(&format!("{path}?colour=red")).await, "colour");
}

pub async fn the_same_user_is_served_identically_by_every_route(server: &TestServer) {
    let r = server.post("/v1/zones/default/users", json!({"email": "z@example.com"})).await;
    assert_eq!(r.status, 201);
    let u = r.json();
    let location = r.header("location").unwrap();
    assert!(location.ends_with(&format!("/users/{}", id_of(&u))));
    let listed = page(server, "/v1/users", "").await;
    assert_eq!(listed["data"][0], u);
    assert_eq!(get_ok(server, &format!("/v1/users/{}", id_of(&u))).await, u);
}

pub async fn concurrent_creates_with_one_email_make_exactly_one_user(server: &TestServer) {
    let variants = [
        "race@example.com",
        "RACE@example.com",
        "Race@Example.com",
        "race@EXAMPLE.COM",
        "rAce@example.com",
        "raCe@example.com",
        "racE@example.com",
        "RACE@EXAMPLE.COM",
    ];
    let requests = variants.iter().map(|email| server.post("/v1/users", json!({ "email": email })));
    let answers = futures::future::join_all(requests).await;
    let created = answers.iter().filter(|r| r.status == 201).count();
    assert_eq!(created, 1, "exactly one of the racing creates wins");
    for r in answers.iter().filter(|r| r.status != 201) {
        problem_param(r, 409, "conflict", "email");
    }
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(1));
}

pub async fn concurrent_patches_with_one_if_match_let_exactly_one_through(server: &TestServer) {
    let u = server.create_user(json!({"email": "occ@example.com"})).await;
    let path = format!("/v1/users/{}", id_of(&u));
    let etag = server.get(&path).await.header("etag").unwrap().to_owned();
    let requests = (0..8).map(|i| {
        send(
            server
                .request("PATCH", &path)
                .bearer_auth(ADMIN_KEY)
                .header("content-type", "application/merge-patch+json")
                .header("if-match", etag.as_str())
                .body(json!({"first_name": format!("Writer{i}")}).to_string()),
        )
    });
    let answers = futures::future::join_all(requests).await;
    let winners: Vec<&roster_testkit::Resp> = answers.iter().filter(|r| r.status == 200).collect();
    assert_eq!(winners.len(), 1, "exactly one patch may use the ETag");
    for r in answers.iter().filter(|r| r.status != 200) {
        problem(r, 412, "precondition_failed");
    }
    let now = get_ok(server, &path).await;
    assert_eq!(now["first_name"], winners[0].json()["first_name"]);
}

/// `external_id` is what a provisioning system (SCIM's `externalId`) looks
/// users up by: the list finds it exactly (case kept), and null clears it.
pub async fn an_external_id_finds_its_users_exactly_and_null_clears_it(server: &TestServer) {
    let a = server.create_user(json!({"email": "x1@example.com", "external_id": "Okta-1"})).await;
    server.create_user(json!({"email": "x2@example.com", "external_id": "okta-1"})).await;
    server.create_user(json!({"email": "x3@example.com"})).await;
    let page = get_ok(server, "/v1/users?external_id=Okta-1").await;
    let ids: Vec<&Value> = page["data"].as_array().unwrap().iter().map(|u| &u["id"]).collect();
    assert_eq!(ids, [&a["id"]], "exactly, case kept");
    assert_eq!(page["total_count"], json!(1));
    let path = format!("/v1/users/{}", id_of(&a));
    let r = server.patch(&path, json!({"external_id": null})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["external_id"], Value::Null);
    let page = get_ok(server, "/v1/users?external_id=Okta-1").await;
    assert_eq!(page["data"], json!([]));
    let long = "x".repeat(256);
    let r = server.patch(&path, json!({"external_id": long})).await;
    invalid_body(&r, "external_id");
}
