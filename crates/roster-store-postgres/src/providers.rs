//! Identity providers of a zone, as far as users refer to them.

use deadpool_postgres::GenericClient;

use roster_store::StoreResult;

/// Whether `provider` names a provider of the zone. Providers themselves are
/// not stored yet (they come with the zones-in-depth work), so no
/// `provider_id` can name one and every reference is refused, exactly as in
/// the SQLite backend.
pub async fn provider_exists<C: GenericClient>(
    _c: &C,
    _zone: i64,
    _provider: &str,
) -> StoreResult<bool> {
    Ok(false)
}
