//! One store suite for every backend.
//!
//! Each case is a `pub async fn` that states a promise of the
//! `roster_store::Store` trait in its name and checks it through the trait
//! alone, on a fresh database. A backend's tests run them all with one line:
//!
//! ```text
//! roster_store_suite::store_suite!(roster_store_suite::Sqlite, other = roster_store_suite::Postgres);
//! ```
//!
//! which expands to one `#[tokio::test]` per case, named after it, so a
//! failure names the promise and the backend's test binary. The paired
//! cases (the differential tests, imports) also get a store of the `other`
//! backend with the same tenancy and hold the two to each other as well as
//! to the domain: run from both backends, that compares them both ways.
//!
//! Backend-specific promises (TLS, migrations, file modes, statement
//! deadlines) stay in each backend's own tests.

// A test suite: a failed step is a failed test, and a panic says which.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod access_fixtures;
pub mod backend;
pub mod cases;
pub mod ctx;
pub mod harness;
pub mod postgres;
pub mod random;
pub mod reference;
pub mod sqlite;

pub use backend::{Backend, Database};
pub use ctx::{Ctx, ts};
pub use postgres::Postgres;
pub use sqlite::Sqlite;

/// Declares every case of the suite as a test of `$backend`, in one module
/// per resource; paired cases also get a store of `$other`. Pass the
/// backends as full paths (the tests live in nested modules).
#[macro_export]
macro_rules! store_suite {
    ($backend:ty, other = $other:ty $(,)?) => {
        $crate::__store_tests! { $backend, $other;
            crud {
                store created_users_read_back_exactly_to_the_microsecond_and_key_order,
                store users_of_another_zone_or_organization_are_not_found,
                store email_conflicts_are_case_insensitive_within_a_zone_only,
                store identifier_subject_and_id_conflicts_name_their_field,
                store updates_write_the_closures_changes_and_conflicts_change_nothing,
                store an_update_that_changes_nothing_or_fails_writes_nothing,
                store deletes_check_the_expected_version_and_update_totals,
                store an_unknown_provider_id_is_a_missing_reference,
                store a_zone_deleted_by_another_node_takes_no_new_users,
                store concurrent_updates_of_one_user_never_lose_a_change,
            }
            idempotency {
                store records_are_kept_per_api_key_first_one_wins_and_old_ones_purge,
                store a_create_stores_its_record_in_the_same_transaction,
            }
            listing {
                store every_sort_order_and_direction_walks_like_the_domain,
                store multi_key_sorts_with_mixed_directions_walk_like_the_domain,
                store string_order_is_folded_value_then_bytes_then_id,
                store every_filter_selects_like_the_domain,
                store attribute_filters_compare_json_values_by_value_and_type,
                store totals_follow_creates_status_changes_and_deletes,
                store an_empty_zone_lists_nothing_and_offsets_past_the_end_are_empty,
            }
            search {
                store search_returns_exactly_the_substring_matches_in_rank_order,
                store whole_field_matches_rank_before_prefixes_before_substrings,
                store a_users_whole_id_ranks_it_first_and_id_fragments_find_it,
                store a_term_never_matches_across_two_fields,
                store percent_underscore_and_backslash_in_terms_are_literal,
            }
            tenancy {
                store bootstrap_happens_once_and_names_the_default_organization,
                empty nodes_bootstrapping_together_make_one_organization,
                store zones_are_found_by_id_or_identifier_within_their_organization_only,
                store zone_identifiers_are_unique_per_organization_and_zones_update,
                store zones_list_in_id_order_in_windows_both_ways,
                store only_empty_zones_can_be_deleted,
                store api_keys_are_found_by_hash_listed_touched_and_revoked,
                store a_closed_store_is_unavailable,
            }
            roles {
                store roles_are_per_zone_with_opaque_identifiers_listed_by_id,
                store role_assignments_check_user_role_and_uniqueness,
                store deleting_a_user_or_a_role_takes_what_hangs_off_it,
                store the_role_filter_lists_holders_in_any_scope,
            }
            sessions {
                store sessions_move_authenticated_at_forward_and_the_version_on,
                store sessions_refuse_disabled_users_and_foreign_providers,
                store grants_keep_their_scopes_and_revoke_once,
                store disabling_a_user_revokes_its_live_sessions_and_grants,
                store no_session_or_grant_outlives_a_concurrent_disabling,
            }
            providers {
                store providers_are_per_zone_found_by_id_or_identifier,
                store users_provider_id_names_a_provider_of_the_zone_and_outlives_it,
                store no_user_stays_linked_to_a_provider_deleted_concurrently,
                store deleting_a_zone_without_users_takes_its_roles_and_providers,
            }
            sign_in {
                store sign_in_finds_or_creates_the_subject_and_records_a_session,
                store concurrent_first_sign_ins_of_one_subject_make_one_user,
            }
            expand {
                store expansions_count_only_live_sessions_and_grants,
                store expanding_a_page_costs_the_same_statements_for_10_or_500_users,
            }
            webhooks {
                store an_endpoint_update_keeps_what_was_written_since_it_was_read,
            }
            events {
                store a_user_filter_returns_exactly_that_users_events_in_order_and_no_one_elses,
                store a_user_filter_looks_only_at_that_users_events_however_many_lie_between,
            }
            import {
                paired imported_users_answer_every_query_as_created_ones_do_on_both_backends,
                paired an_imported_chunk_that_breaks_a_rule_inserts_nothing,
            }
            differential {
                paired every_query_answers_as_the_domain_and_the_other_backend_do,
            }
            access_differential {
                paired access_operations_answer_as_the_other_backend_does,
            }
        }
    };
}

/// The expansion of `store_suite!`: `$run` names the runner in `harness`
/// (`store`, `empty` or `paired`) that gives the case what it takes.
#[doc(hidden)]
#[macro_export]
macro_rules! __store_tests {
    ($backend:ty, $other:ty; $( $module:ident { $( $run:ident $name:ident ),* $(,)? } )*) => {
        $(
            mod $module {
                $(
                    // Several threads, so concurrent cases race for real.
                    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                    async fn $name() {
                        $crate::harness::$run::<$backend, $other, _, _>(
                            $crate::cases::$module::$name,
                        )
                        .await;
                    }
                )*
            }
        )*
    };
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// A case written but not listed in `store_suite!` would never run.
    #[test]
    fn every_case_is_listed_in_store_suite() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let lib = std::fs::read_to_string(root.join("lib.rs")).unwrap();
        let mut cases = 0;
        for entry in std::fs::read_dir(root.join("cases")).unwrap() {
            let path = entry.unwrap().path();
            let module = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            for name in text.lines().filter_map(|l| l.strip_prefix("pub async fn ")) {
                let name = name.split('(').next().unwrap();
                cases += 1;
                let listed = lib.split(&format!("{module} {{")).nth(1).is_some_and(|rest| {
                    let group = rest.split('}').next().unwrap_or("");
                    group.lines().any(|l| l.trim().ends_with(&format!(" {name},")))
                });
                assert!(listed, "{module}::{name} is not listed in store_suite!");
            }
        }
        assert!(cases > 50, "found only {cases} cases");
    }
}
