//! One conformance suite, run against every backend.
//!
//! Each test is an `async fn(&TestServer)` that states a promise of
//! `shared/API.md` in its name and checks it over real HTTP. The
//! `conformance!` macro turns every such function into one `#[tokio::test]`
//! per backend, each on a fresh server and database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// A promise written but not listed in `conformance!` below would never run:
// it is an unused function, and this makes that a compile error under a
// plain `cargo test` too, not only under clippy's `-D warnings`.
#![deny(dead_code)]

mod support;

mod abandon;
mod auth;
mod auth_failures;
mod batch;
mod bounded;
mod console;
mod cross_tenant;
mod db_metrics;
mod deadline;
mod errors;
mod events;
mod fairness;
mod generated_http;
mod hardening;
mod idempotency;
mod key_bodies;
mod listing;
mod model;
mod operations;
mod properties;
mod reach;
mod schema_fixes;
mod scim;
mod search;
mod slow_clients;
mod smoke;
mod tenancy;
mod tenant_world;
mod transport;
mod users_crud;
mod webhooks;
mod zones_in_depth;

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
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    // Without ROSTER_TEST_POSTGRES_URL this says loudly that
                    // it skipped; with CI=true it fails instead.
                    let Some(server) =
                        roster_testkit::TestServer::try_start(roster_testkit::Backend::Postgres).await
                    else {
                        return;
                    };
                    $crate::$module::$name(&server).await;
                    server.stop().await;
                }
            )*
        }
    };
}

conformance!(
    batch::a_batch_answers_each_operations_own_result_in_order,
    batch::an_atomic_batch_applies_every_operation_or_none,
    batch::a_batch_retried_with_its_idempotency_key_runs_once,
    batch::a_malformed_batch_is_refused_whole_and_changes_nothing,
    batch::a_batch_in_a_zone_writes_that_zones_users,
    batch::a_users_events_stay_in_order_when_batches_race_single_updates,
    batch::a_batch_that_waits_for_a_user_keeps_each_users_events_in_order,
    webhooks::a_receiver_gets_every_event_once_in_order_signed_by_the_standard_scheme,
    webhooks::a_receiver_that_was_down_gets_the_events_later_in_order,
    webhooks::an_endpoint_whose_retries_run_out_is_disabled_and_resumes_where_it_stopped,
    webhooks::a_rotated_secret_signs_beside_the_previous_one,
    webhooks::a_manual_retry_sends_the_event_again_and_logs_it,
    webhooks::no_delivery_is_made_for_a_refused_write,
    webhooks::two_nodes_deliver_each_event_once,
    webhooks::endpoint_urls_that_reach_private_addresses_are_refused_unless_allowed,
    webhooks::only_an_unrestricted_key_with_webhooks_write_manages_endpoints,
    webhooks::pointing_an_endpoint_takes_events_read_and_its_deliveries_show_what_that_key_may_see,
    webhooks::delivery_logs_are_kept_as_long_as_events_are,
    events::every_write_records_exactly_its_events_in_the_order_made,
    events::a_refused_write_records_no_event,
    events::a_feed_walk_during_writes_on_two_nodes_sees_every_event_once_in_order,
    events::type_and_zone_filters_select_events_and_a_short_page_still_moves_on,
    events::the_feed_shows_each_key_only_its_zones_and_its_metadata_rule,
    events::the_user_id_filter_walks_one_users_events_in_order_with_types_and_cursors,
    events::a_zone_limited_key_sees_a_users_events_only_in_its_zones_and_no_sign_of_other_users,
    events::bad_feed_parameters_answer_400_naming_the_parameter,
    events::a_cursor_older_than_retention_answers_410_cursor_expired,
    abandon::a_client_that_hangs_up_stops_its_query,
    deadline::a_statement_past_its_deadline_answers_503_with_retry_after,
    bounded::page_mode_serves_the_first_ten_thousand_matches_and_refuses_deeper_pages,
    bounded::more_than_twenty_attribute_filters_or_ten_search_terms_answer_400,
    bounded::cursor_walks_cut_short_by_the_scan_budget_still_visit_every_match_once_each_way,
    bounded::a_walked_search_serves_its_few_exact_matches_from_the_index_in_rank_order,
    bounded::a_total_the_scan_budget_cuts_short_is_flagged_as_a_lower_bound,
    bounded::page_mode_refuses_a_page_its_scan_budget_cannot_reach,
    bounded::a_search_costs_what_the_callers_zone_holds,
    hardening::every_response_carries_x_content_type_options_nosniff,
    hardening::every_v1_response_is_not_stored_by_caches,
    hardening::the_docs_page_has_a_content_security_policy_allowing_only_its_own_styles,
    hardening::invented_methods_and_paths_add_no_metrics_series,
    hardening::a_zone_scope_on_a_role_assignment_must_name_a_zone_of_the_organization,
    hardening::a_grant_without_scopes_answers_400_naming_scopes,
    reach::a_key_lists_gets_and_revokes_only_keys_whose_zones_lie_within_its_own,
    reach::a_zone_limited_key_cannot_see_or_revoke_the_bootstrap_key,
    reach::a_key_creates_only_keys_whose_zones_lie_within_its_own,
    reach::get_api_key_answers_the_listed_view_and_never_the_secret,
    reach::only_a_key_valid_for_every_zone_may_change_a_zone_identifier,
    slow_clients::a_request_head_sent_slowly_is_cut_off_after_the_header_read_timeout_while_others_are_served,
    slow_clients::an_idle_keep_alive_connection_is_closed_after_the_idle_timeout_not_before,
    slow_clients::a_body_sent_too_slowly_answers_408_request_timeout,
    slow_clients::connections_beyond_the_cap_are_answered_503_unavailable_and_closed,
    slow_clients::shutdown_drops_connections_still_busy_after_the_shutdown_deadline,
    auth_failures::repeated_unknown_keys_from_one_address_answer_429_with_retry_after,
    auth_failures::a_valid_key_from_another_address_still_works_while_one_address_is_limited,
    auth_failures::failed_authentication_is_not_limited_when_the_limit_is_off,
    auth_failures::an_unknown_key_is_looked_up_once_then_refused_from_the_negative_cache,
    auth_failures::a_revoked_key_is_refused_and_a_key_created_after_works_at_once,
    smoke::the_server_answers_health_and_serves_a_created_user,
    transport::every_response_carries_x_api_version_v1,
    transport::x_request_id_is_echoed_when_given_and_generated_otherwise,
    transport::x_api_version_v1_is_accepted_and_any_other_value_answers_400,
    transport::json_responses_are_application_json_utf8,
    transport::timestamps_are_rfc3339_utc_with_a_z_suffix_and_inputs_accept_any_offset,
    transport::unknown_json_fields_in_a_body_answer_400_and_change_nothing,
    transport::bodies_over_one_mebibyte_answer_413_payload_too_large,
    transport::an_oversized_body_is_refused_first_whatever_the_method_zone_or_query,
    transport::a_body_of_exactly_one_mebibyte_is_not_refused_for_its_size,
    transport::post_bodies_that_are_not_json_answer_415_unsupported_media_type,
    transport::a_json_body_that_does_not_parse_answers_400_invalid_body,
    transport::patch_takes_json_or_merge_patch_json_and_refuses_other_types_with_415,
    transport::the_api_lives_under_v1,
    auth::a_request_without_a_key_answers_401_with_www_authenticate_bearer,
    auth::a_malformed_authorization_header_answers_401,
    auth::an_unknown_key_answers_401,
    auth::a_revoked_key_fails_on_its_very_next_request,
    auth::the_bootstrap_key_is_admin_and_its_default_zone_is_default,
    auth::a_key_without_the_needed_scope_answers_403_insufficient_scope,
    auth::a_read_only_key_reads_users_but_cannot_write_them,
    auth::a_key_without_write_scope_hears_403_before_any_body_error,
    key_bodies::api_key_bodies_name_each_fault_in_the_words_keys_have_always_used,
    key_bodies::a_key_without_keys_write_hears_403_before_any_key_body_error,
    auth::a_key_without_the_write_scope_hears_403_before_any_access_body_error,
    auth::write_scopes_imply_read_scopes,
    auth::without_users_metadata_created_by_and_updated_by_are_omitted,
    auth::with_users_metadata_created_by_and_updated_by_name_the_acting_key,
    auth::metadata_filters_answer_403_without_users_metadata,
    auth::created_by_and_updated_by_filters_select_by_acting_key,
    auth::a_new_key_has_the_documented_shape_and_its_secret_is_shown_only_once,
    auth::a_key_records_when_it_was_last_used,
    auth::an_unknown_scope_answers_400,
    auth::a_key_cannot_create_a_key_with_scopes_beyond_its_own,
    auth::a_zone_limited_key_cannot_create_keys_for_other_zones,
    auth::a_keys_default_zone_is_default_zone_else_the_first_of_zones_else_default,
    auth::a_default_zone_outside_zones_answers_400,
    auth::the_key_list_pages_like_every_list,
    auth::a_key_needs_a_name_and_a_non_empty_list_of_scopes,
    auth::the_bootstrap_key_may_be_any_20_to_256_visible_ascii_characters,
    tenancy::the_default_zone_exists_and_zones_are_listed,
    tenancy::a_zone_is_created_with_its_identifier_name_and_location,
    tenancy::zone_identifiers_must_be_slugs,
    tenancy::a_duplicate_zone_identifier_answers_409_conflict,
    tenancy::a_zone_is_renamed_and_reidentified_with_patch,
    tenancy::a_zone_is_addressed_by_id_or_identifier,
    tenancy::v1_users_is_the_same_api_on_the_keys_default_zone,
    tenancy::users_of_another_zone_answer_404_as_if_they_did_not_exist,
    tenancy::the_same_email_and_identifier_may_live_in_two_zones,
    tenancy::a_zone_limited_key_sees_only_its_zones,
    tenancy::only_a_key_valid_for_every_zone_may_create_zones,
    tenancy::deleting_a_zone_that_holds_users_answers_409_zone_not_empty,
    tenancy::unknown_and_malformed_zones_and_ids_answer_404,
    tenancy::the_zone_list_pages_like_every_list,
    users_crud::creating_a_user_answers_201_with_location_etag_and_every_default,
    users_crud::every_writable_field_is_set_on_create,
    users_crud::an_external_id_finds_its_users_exactly_and_null_clears_it,
    users_crud::attribute_doubles_come_back_exactly_as_sent,
    users_crud::attributes_come_back_as_sent_from_every_read,
    users_crud::every_enum_value_is_accepted_and_others_are_refused,
    users_crud::name_defaults_to_first_and_last_name_trimmed,
    users_crud::patch_never_rewrites_the_display_name,
    users_crud::email_is_required_and_must_look_like_an_address,
    users_crud::email_is_unique_per_zone_case_insensitively_and_the_conflict_names_it,
    users_crud::identifier_is_unique_per_zone_case_insensitively_and_the_conflict_names_it,
    users_crud::case_insensitivity_is_ascii_case_folding,
    users_crud::identifier_is_1_to_255_characters,
    users_crud::text_fields_respect_their_length_limits,
    users_crud::attributes_must_be_an_object_within_16_kib_and_8_levels,
    users_crud::null_is_refused_for_fields_that_are_not_nullable,
    users_crud::wrongly_typed_values_answer_400_naming_the_field,
    users_crud::read_only_fields_in_a_body_answer_400_naming_the_field,
    users_crud::a_provider_id_must_name_a_provider_of_the_zone,
    users_crud::issuer_subject_and_authenticated_at_are_settable_and_issuer_subject_is_unique,
    users_crud::get_returns_the_user_with_an_etag_of_its_version,
    users_crud::if_none_match_with_the_current_etag_answers_304,
    users_crud::if_match_with_a_stale_etag_answers_412_and_changes_nothing,
    users_crud::patch_is_a_json_merge_patch_with_attributes_merged,
    users_crud::patch_advances_updated_at_and_keeps_created_at,
    users_crud::deleting_a_user_answers_204_and_it_is_gone,
    users_crud::expand_on_a_single_user_refuses_unknown_values_and_other_parameters,
    users_crud::the_same_user_is_served_identically_by_every_route,
    users_crud::concurrent_creates_with_one_email_make_exactly_one_user,
    users_crud::concurrent_patches_with_one_if_match_let_exactly_one_through,
    idempotency::the_same_idempotency_key_and_body_replays_the_first_response,
    idempotency::the_same_idempotency_key_with_another_body_answers_422_idempotency_key_reused,
    idempotency::idempotency_keys_are_scoped_to_the_api_key,
    idempotency::error_responses_below_500_are_replayed_too,
    idempotency::a_concurrent_request_with_the_same_key_answers_409_idempotency_key_in_use,
    idempotency::a_malformed_idempotency_key_answers_400_naming_the_header,
    idempotency::idempotency_applies_under_the_zone_path_too,
    idempotency::a_retry_replays_the_first_answer_even_after_its_zone_was_deleted,
    idempotency::creating_an_api_key_never_replays_its_secret,
    idempotency::a_retry_with_another_query_string_is_another_request,
    listing::a_list_has_data_page_info_and_total_count,
    listing::the_default_limit_is_50_and_limit_reaches_1000,
    listing::a_limit_outside_1_to_1000_answers_400_naming_limit,
    listing::walking_after_end_cursor_then_back_with_before_start_cursor_visits_each_user_once,
    listing::an_empty_page_has_null_cursors,
    listing::after_and_before_together_answer_400,
    listing::page_mode_returns_the_nth_page_with_page_and_page_size,
    listing::page_size_alone_means_page_one_and_the_default_size_is_50,
    listing::page_mode_with_limit_reports_it_as_page_size_up_to_1000,
    listing::bad_page_parameters_answer_400_naming_them,
    listing::every_filter_selects_exactly_the_matching_users,
    listing::created_and_updated_ranges_are_inclusive_from_and_exclusive_to,
    listing::date_filters_accept_any_rfc3339_offset,
    listing::bad_filter_values_answer_400_naming_the_parameter_as_spelled,
    listing::unknown_query_parameters_answer_400_naming_them,
    listing::a_scalar_parameter_given_twice_answers_400,
    listing::the_id_filter_takes_at_most_100_ids_in_any_spelling,
    listing::attribute_filters_compare_top_level_values_as_json,
    listing::strings_sort_by_their_ascii_lowercased_value_then_bytes,
    listing::status_and_user_type_sort_by_their_string_value,
    listing::every_sort_field_orders_both_ways_with_ties_broken_on_id,
    listing::ties_break_on_id_in_the_sort_direction,
    listing::multi_key_sort_orders_by_each_key_with_the_id_tie_break_in_the_last_direction,
    listing::sort_together_with_sort_by_or_sort_order_answers_400,
    listing::every_sort_works_with_cursors_both_ways,
    listing::keycard_spellings_mean_the_same_filters,
    listing::total_count_counts_every_match_across_pages,
    listing::garbled_or_forged_cursors_answer_400_invalid_cursor,
    listing::a_cursor_from_another_zone_answers_400_invalid_cursor,
    listing::a_cursor_from_another_sort_or_filter_answers_400_invalid_cursor,
    listing::an_unknown_expand_value_answers_400,
    listing::a_page_past_the_end_within_the_window_is_empty,
    search::search_matches_substrings_of_every_searchable_field_case_insensitively,
    search::search_ranks_exact_then_prefix_then_substring_matches_when_unsorted,
    search::with_several_spellings_the_first_search_then_q_then_query_term_ranks,
    search::prefix_ranking_counts_characters_not_bytes,
    search::search_folds_ascii_case_only,
    search::search_treats_special_characters_literally,
    search::a_field_holding_the_index_field_mark_is_served_once_at_its_rank,
    search::repeated_query_terms_must_all_match,
    search::racing_creates_leave_exactly_the_winners_searchable,
    search::search_combines_with_filters_and_sorts,
    search::a_search_term_longer_than_any_field_finds_nothing_or_is_refused,
    errors::every_error_is_problem_json_with_type_title_status_detail_and_code,
    errors::error_codes_are_stable_snake_case,
    errors::an_unknown_route_answers_404_not_found_as_problem_json,
    errors::a_wrong_method_answers_405_method_not_allowed,
    errors::param_names_the_parameter_or_field_as_the_client_spelled_it,
    errors::errors_never_leak_internals_for_hostile_input,
    errors::nul_characters_are_refused_not_stored,
    errors::a_failed_request_changes_nothing,
    errors::unknown_query_parameters_on_any_endpoint_answer_400_and_change_nothing,
    console::every_console_url_answers_the_app_page_under_a_strict_policy,
    console::console_assets_are_served_with_their_type_and_revalidated_by_etag,
    console::an_unknown_console_asset_is_a_404_not_the_app_page,
    console::console_files_need_no_key_and_give_away_nothing_of_the_api,
    operations::healthz_and_readyz_answer_200_without_a_key,
    operations::metrics_serve_prometheus_text_that_counts_requests,
    operations::metrics_report_the_build_requests_in_flight_and_the_process,
    db_metrics::metrics_report_the_database_connections_read_waits_and_the_sqlite_writer,
    operations::openapi_json_is_an_openapi_3_1_document_of_the_whole_api,
    operations::docs_render_offline_with_the_product_metadata_and_working_examples,
    operations::docs_and_openapi_use_the_configured_public_url,
    operations::the_rate_limit_answers_429_with_retry_after_and_ratelimit_headers,
    operations::the_rate_limit_is_per_api_key,
    operations::the_burst_defaults_to_twice_the_rate,
    operations::rate_limit_headers_are_absent_when_the_limit_is_off,
    operations::a_restarted_server_on_the_same_database_has_every_acknowledged_write,
    operations::cursors_survive_a_restart,
    operations::metrics_listen_moves_metrics_off_the_main_port,
    properties::a_cursor_walk_visits_every_stable_user_once_each_way_during_writes,
    properties::filters_and_sorts_agree_with_an_independent_model,
    zones_in_depth::roles_are_created_read_updated_and_deleted_by_id_or_identifier,
    zones_in_depth::a_role_identifier_is_unique_in_its_zone_only,
    zones_in_depth::roles_are_assigned_by_id_or_identifier_and_the_same_assignment_twice_is_409,
    zones_in_depth::deleting_a_role_removes_its_assignments,
    zones_in_depth::expand_adds_role_assignments_and_live_counts_and_nothing_else,
    zones_in_depth::expanding_role_assignments_needs_roles_read,
    zones_in_depth::a_session_sets_authenticated_at_and_counts_until_revoked_or_expired,
    zones_in_depth::a_session_or_grant_that_expires_in_the_past_is_refused,
    zones_in_depth::a_disabled_user_cannot_get_a_session,
    zones_in_depth::disabling_a_user_revokes_its_sessions_and_grants,
    zones_in_depth::grants_are_created_listed_and_revoked_and_only_live_ones_count,
    zones_in_depth::deleting_a_user_removes_its_assignments_sessions_and_grants,
    zones_in_depth::providers_are_managed_per_zone_and_deleting_one_keeps_its_users,
    zones_in_depth::a_user_provider_id_must_name_a_provider_of_the_zone,
    zones_in_depth::a_sign_in_creates_the_user_once_then_finds_it,
    zones_in_depth::a_sign_in_that_must_create_a_user_without_an_email_claim_is_400,
    zones_in_depth::a_disabled_user_cannot_sign_in,
    zones_in_depth::users_are_filtered_by_role_id_or_identifier,
    zones_in_depth::sub_resources_of_another_zone_answer_404,
    zones_in_depth::sub_resources_need_their_scopes,
    zones_in_depth::sub_resource_lists_page_with_cursors,
    zones_in_depth::sub_resources_show_created_by_only_with_metadata_permission,
    zones_in_depth::a_fully_expanded_page_costs_the_same_bounded_statements_whatever_its_size,
    zones_in_depth::every_post_replays_under_the_same_idempotency_key,
    zones_in_depth::one_assignment_session_or_grant_is_read_by_id_in_its_zone_only,
    zones_in_depth::deleting_an_empty_zone_deletes_its_roles_and_providers,
    zones_in_depth::a_disabled_user_cannot_receive_a_grant,
    zones_in_depth::a_session_may_name_a_provider_of_its_zone_and_no_other,
    fairness::a_key_beyond_its_share_of_reads_gets_429_with_retry_after_and_never_a_5xx,
    fairness::writes_are_not_held_to_the_read_share,
    fairness::max_inflight_per_key_zero_turns_the_share_off,
    cross_tenant::cross_tenant_calls_on_every_id_bearing_route_answer_404_like_a_missing_id_and_change_nothing,
    cross_tenant::the_cross_tenant_matrix_covers_every_id_bearing_route_of_the_openapi_document,
    generated_http::generated_hostile_requests_never_answer_5xx_and_every_4xx_is_problem_json,
    schema_fixes::a_role_assignment_on_a_missing_user_answers_404_before_its_body_is_judged,
    scim::scim_okta_provisioning_finds_creates_reads_replaces_deactivates_and_reactivates_a_user,
    scim::scim_a_changed_user_name_is_the_identifier_v1_and_filters_see,
    scim::scim_entra_id_provisioning_creates_patches_disables_and_deletes_a_user,
    scim::scim_entra_ids_manager_sent_as_a_bare_id_becomes_the_managers_value,
    scim::scim_entra_ids_work_email_change_reaches_a_user_made_through_v1,
    scim::scim_errors_are_scim_json_with_the_error_schema_and_a_string_status,
    scim::scim_a_duplicate_user_name_or_primary_email_answers_409_uniqueness,
    scim::scim_a_user_without_user_name_or_emails_answers_400_invalid_value,
    scim::scim_a_malformed_filter_answers_400_invalid_filter,
    scim::scim_filters_select_exactly_the_matching_users,
    scim::scim_start_index_and_count_page_through_every_match_once,
    scim::scim_sort_by_user_name_orders_both_ways,
    scim::scim_attributes_and_excluded_attributes_pick_what_returns_but_id_and_schemas_always_do,
    scim::scim_post_search_at_the_root_and_under_users_answers_like_get,
    scim::scim_a_stale_if_match_on_put_patch_or_delete_answers_412_and_changes_nothing,
    scim::scim_if_match_star_replaces_and_a_read_only_path_answers_400_mutability,
    scim::scim_a_stale_if_match_on_group_delete_answers_412_and_keeps_the_group,
    scim::scim_past_the_end_is_an_empty_page_and_oversized_asks_are_refused,
    scim::scim_the_zone_form_acts_in_its_zone_and_users_of_other_zones_answer_404,
    scim::scim_a_key_without_the_scim_scope_answers_403_and_one_with_only_scim_provisions,
    scim::scim_writes_are_roster_changes_by_the_scim_key_with_their_events,
    scim::scim_a_user_created_through_v1_reads_with_its_one_email_primary,
    scim::scim_okta_group_push_creates_finds_adds_removes_members_renames_and_deletes_a_group,
    scim::scim_entra_id_group_provisioning_adds_and_removes_members_by_value_and_renames,
    scim::scim_a_scoped_role_assignment_is_not_a_member_and_survives_a_members_replace,
    scim::scim_a_member_that_is_not_a_user_of_the_zone_answers_400_invalid_value_and_changes_nothing,
    scim::scim_a_duplicate_group_display_name_answers_409_uniqueness,
    scim::scim_a_stale_group_if_match_on_put_or_patch_answers_412_and_changes_nothing,
    scim::scim_group_member_changes_record_role_assignment_events,
    scim::scim_bulk_runs_operations_in_order_resolving_bulk_ids_and_answers_each,
    scim::scim_bulk_fail_on_errors_stops_after_the_first_failure_and_applies_nothing_after,
    scim::scim_bulk_with_more_than_1000_operations_answers_400_too_many_and_runs_none,
    scim::scim_a_bulk_request_without_the_bulk_request_schema_answers_400_invalid_syntax,
    scim::scim_a_bulk_operation_outside_users_and_groups_fails_with_400_invalid_path,
    scim::scim_the_zone_form_of_bulk_creates_in_that_zone,
);
