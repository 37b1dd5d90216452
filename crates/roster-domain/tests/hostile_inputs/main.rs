//! Generated hostile inputs against every parser of the domain: cursors,
//! ids, timestamps, zone and role references, filters and search. The
//! promise: whatever comes in, the domain answers a value or its own error
//! (never a panic), and what it encodes it decodes again. (Request bodies
//! are typed at the edge; `roster-api`'s hostile inputs hold their
//! properties.)
//!
//! Every property runs the number of cases `PLAN` gives it, checked as it
//! runs, and `the_plan_generates_at_least_57_000_cases` holds the sum, so
//! the count cannot shrink without a failing test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cursors;
mod generate;
mod text;

/// Cases per property. `roster-api`'s hostile-input tests add theirs; the
/// two together pass 100 000 per run.
pub const PLAN: &[(&str, u32)] = &[
    ("cursor_decoding_refuses_arbitrary_text", 15_000),
    ("cursor_decoding_survives_signed_arbitrary_payloads", 8_000),
    ("cursors_round_trip_and_refuse_other_zones_queries_and_tampering", 4_000),
    ("id_cursors_round_trip_and_refuse_other_lists", 4_000),
    ("prefixed_ids_parse_only_their_own_kind_and_round_trip", 6_000),
    ("timestamps_parse_or_refuse_and_round_trip_through_text", 6_000),
    ("zone_role_scope_and_sort_references_never_panic", 6_000),
    ("filters_search_and_fingerprints_never_panic", 4_000),
    ("merge_patch_is_idempotent", 4_000),
];

#[test]
fn the_plan_generates_at_least_57_000_cases() {
    let total: u32 = PLAN.iter().map(|(_, n)| n).sum();
    println!("roster-domain hostile inputs: {total} generated cases per run");
    assert!(total >= 57_000, "the plan shrank to {total} cases");
}
