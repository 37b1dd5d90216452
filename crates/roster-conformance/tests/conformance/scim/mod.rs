//! SCIM 2.0 Users (RFC 7643/7644) at `/scim/v2`: the requests Okta and
//! Entra ID send, replayed in the shapes their documentation shows, and
//! the protocol's promises (errors, uniqueness, filters, paging, sorting,
//! attributes, searches, ETags, zones, scopes). SCIM writes are Roster
//! writes: `/v1` and the change feed see them as such.
//!
//! The shared helpers live here; the promises live by topic in `okta`,
//! `entra`, `failures`, `queries` and `access`, re-exported so the
//! `conformance!` list names them as `scim::…`.

mod access;
mod bulk;
mod entra;
mod failures;
mod groups;
mod okta;
mod queries;

pub use access::{
    scim_a_key_without_the_scim_scope_answers_403_and_one_with_only_scim_provisions,
    scim_a_user_created_through_v1_reads_with_its_one_email_primary,
    scim_the_zone_form_acts_in_its_zone_and_users_of_other_zones_answer_404,
    scim_writes_are_roster_changes_by_the_scim_key_with_their_events,
};
pub use bulk::{
    scim_a_bulk_operation_outside_users_and_groups_fails_with_400_invalid_path,
    scim_a_bulk_request_without_the_bulk_request_schema_answers_400_invalid_syntax,
    scim_bulk_fail_on_errors_stops_after_the_first_failure_and_applies_nothing_after,
    scim_bulk_runs_operations_in_order_resolving_bulk_ids_and_answers_each,
    scim_bulk_with_more_than_1000_operations_answers_400_too_many_and_runs_none,
    scim_the_zone_form_of_bulk_creates_in_that_zone,
};
pub use entra::{
    scim_entra_id_provisioning_creates_patches_disables_and_deletes_a_user,
    scim_entra_ids_manager_sent_as_a_bare_id_becomes_the_managers_value,
    scim_entra_ids_work_email_change_reaches_a_user_made_through_v1,
};
pub use failures::{
    scim_a_duplicate_user_name_or_primary_email_answers_409_uniqueness,
    scim_a_malformed_filter_answers_400_invalid_filter,
    scim_a_stale_if_match_on_put_patch_or_delete_answers_412_and_changes_nothing,
    scim_a_user_without_user_name_or_emails_answers_400_invalid_value,
    scim_errors_are_scim_json_with_the_error_schema_and_a_string_status,
    scim_if_match_star_replaces_and_a_read_only_path_answers_400_mutability,
};
pub use groups::{
    scim_a_duplicate_group_display_name_answers_409_uniqueness,
    scim_a_member_that_is_not_a_user_of_the_zone_answers_400_invalid_value_and_changes_nothing,
    scim_a_scoped_role_assignment_is_not_a_member_and_survives_a_members_replace,
    scim_a_stale_group_if_match_on_put_or_patch_answers_412_and_changes_nothing,
    scim_a_stale_if_match_on_group_delete_answers_412_and_keeps_the_group,
    scim_entra_id_group_provisioning_adds_and_removes_members_by_value_and_renames,
    scim_group_member_changes_record_role_assignment_events,
    scim_okta_group_push_creates_finds_adds_removes_members_renames_and_deletes_a_group,
};
pub use okta::{
    scim_a_changed_user_name_is_the_identifier_v1_and_filters_see,
    scim_okta_provisioning_finds_creates_reads_replaces_deactivates_and_reactivates_a_user,
};
pub use queries::{
    scim_attributes_and_excluded_attributes_pick_what_returns_but_id_and_schemas_always_do,
    scim_filters_select_exactly_the_matching_users,
    scim_past_the_end_is_an_empty_page_and_oversized_asks_are_refused,
    scim_post_search_at_the_root_and_under_users_answers_like_get,
    scim_sort_by_user_name_orders_both_ways,
    scim_start_index_and_count_page_through_every_match_once,
};

use serde_json::{Value, json};

use roster_testkit::{Resp, TestServer, send};

use crate::support::{enc, get_ok, id_of, key};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const SCIM_JSON: &str = "application/scim+json";

/// A SCIM request as a provisioning client sends it: the body as
/// `application/scim+json`, and any extra headers (`If-Match`).
async fn call(
    server: &TestServer,
    key: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Resp {
    let mut req = server.request(method, path).bearer_auth(key);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    if let Some(body) = body {
        req = req.header("content-type", SCIM_JSON).body(body.to_string());
    }
    send(req).await
}

async fn get(server: &TestServer, key: &str, path: &str) -> Resp {
    call(server, key, "GET", path, None, &[]).await
}

async fn post(server: &TestServer, key: &str, path: &str, body: &Value) -> Resp {
    call(server, key, "POST", path, Some(body), &[]).await
}

async fn put(server: &TestServer, key: &str, path: &str, body: &Value) -> Resp {
    call(server, key, "PUT", path, Some(body), &[]).await
}

async fn patch(server: &TestServer, key: &str, path: &str, operations: Value) -> Resp {
    let body = json!({"schemas": [PATCH_OP], "Operations": operations});
    call(server, key, "PATCH", path, Some(&body), &[]).await
}

async fn delete(server: &TestServer, key: &str, path: &str) -> Resp {
    call(server, key, "DELETE", path, None, &[]).await
}

/// A success of `status` with an `application/scim+json` body; the body.
fn ok(r: &Resp, status: u16, what: &str) -> Value {
    assert_eq!(r.status, status, "{what}: expected {status}, got {} {}", r.status, r.text());
    let ct = r.header("content-type").unwrap_or_default();
    assert!(ct.starts_with(SCIM_JSON), "{what}: content-type {ct:?}, not {SCIM_JSON}");
    r.json()
}

/// A SCIM error (RFC 7644 §3.12): `status` with an `application/scim+json`
/// body whose `schemas` is exactly the Error URN, whose `status` is the
/// HTTP status as a string, and whose `scimType` is `scim_type` (absent
/// when `None`). Returns the body.
fn scim_error(r: &Resp, status: u16, scim_type: Option<&str>, what: &str) -> Value {
    assert_eq!(r.status, status, "{what}: expected {status}, got {} {}", r.status, r.text());
    let ct = r.header("content-type").unwrap_or_default();
    assert!(ct.starts_with(SCIM_JSON), "{what}: error content-type {ct:?}, not {SCIM_JSON}");
    let e = r.json();
    assert_eq!(e["schemas"], json!([ERROR]), "{what}: {e}");
    assert_eq!(e["status"], json!(status.to_string()), "{what}: status is a string: {e}");
    assert!(e["detail"].is_string(), "{what}: detail: {e}");
    match scim_type {
        Some(t) => assert_eq!(e["scimType"], json!(t), "{what}: scimType: {e}"),
        None => assert!(e.get("scimType").is_none(), "{what}: unexpected scimType: {e}"),
    }
    e
}

/// The ids of a ListResponse's resources, in order, after checking its
/// shape: `totalResults` at least the resources served, and
/// `itemsPerPage` their number.
fn list_ids(list: &Value) -> Vec<String> {
    assert_eq!(list["schemas"], json!([LIST]), "{list}");
    let resources = match &list["Resources"] {
        Value::Null => Vec::new(),
        Value::Array(items) => items.clone(),
        other => panic!("Resources is not a list: {other}"),
    };
    let total = list["totalResults"].as_u64().unwrap_or_else(|| panic!("totalResults: {list}"));
    assert!(total >= resources.len() as u64, "{list}");
    assert_eq!(list["itemsPerPage"], json!(resources.len()), "itemsPerPage: {list}");
    resources.iter().map(id_of).collect()
}

/// A key holding only the `scim` scope: (secret, id).
async fn scim_key(server: &TestServer) -> (String, String) {
    key(server, &["scim"], None).await
}

/// Creates a user through SCIM with the admin key's zone (`base` is
/// `/scim/v2` or a zone form); returns the created resource.
async fn create(server: &TestServer, key: &str, base: &str, body: Value) -> Value {
    let r = post(server, key, &format!("{base}/Users"), &body).await;
    ok(&r, 201, &format!("POST {base}/Users {body}"))
}

/// A minimal SCIM user.
fn user(user_name: &str, email: &str) -> Value {
    json!({
        "schemas": [USER],
        "userName": user_name,
        "emails": [{"value": email, "type": "work", "primary": true}],
    })
}

/// The user as `/v1` shows it to the admin key.
async fn v1(server: &TestServer, id: &str) -> Value {
    get_ok(server, &format!("/v1/users/{id}")).await
}

/// A read that must answer 200 with SCIM JSON; the body.
async fn read(server: &TestServer, key: &str, path: &str) -> Value {
    ok(&get(server, key, path).await, 200, &format!("GET {path}"))
}

fn sorted(ids: Vec<String>) -> Vec<String> {
    let mut ids = ids;
    ids.sort();
    ids
}

/// The feed's events (`query` appended to `/v1/events?limit=100`) that
/// `keep` selects, walked from the start again until at least `n` are there
/// (an event is readable a moment after its write is acknowledged).
async fn feed_until(
    server: &TestServer,
    query: &str,
    n: usize,
    keep: impl Fn(&Value) -> bool,
) -> Vec<Value> {
    let mut found = Vec::new();
    for _ in 0..400 {
        found.clear();
        let mut after: Option<String> = None;
        loop {
            let mut path = format!("/v1/events?limit=100{query}");
            if let Some(c) = &after {
                path.push_str(&format!("&after={}", enc(c)));
            }
            let page = get_ok(server, &path).await;
            found.extend(page["data"].as_array().unwrap().iter().filter(|e| keep(e)).cloned());
            if page["page_info"]["has_next_page"] != json!(true) {
                break;
            }
            after = page["page_info"]["end_cursor"].as_str().map(str::to_owned);
        }
        if found.len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    found
}
