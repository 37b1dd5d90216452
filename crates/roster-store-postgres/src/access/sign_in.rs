//! Sign-in through an identity provider in PostgreSQL.

use roster_domain::User;
use roster_domain::access::Session;
use roster_domain::events::{EventStamp, sign_in_events};
use roster_store::{SignedIn, StoreError, StoreResult, ZoneKey, ZoneScope};

use super::sessions::record_session;
use crate::db::{self, Conn};
use crate::events;
use crate::users::{USER_COLUMNS, insert_user_unless_subject_taken, user_from_row};

/// How often a sign-in looks for its user. The first miss takes the
/// subject's lock and looks again; after that, only a user inserted by
/// someone else than a sign-in (a plain create) and deleted in between can
/// make it miss.
const SIGN_IN_ATTEMPTS: usize = 4;

/// Finds the zone's user with (`issuer`, `subject`) or inserts `new_user`,
/// then records the session, in one transaction.
///
/// Two nodes signing in a new subject at once must make one user. A plain
/// `ON CONFLICT DO NOTHING` on the subject index is not enough: both inserts
/// may pass its check together, and the loser then fails on another unique
/// index (the email the claims gave both) instead of yielding. So the first
/// miss takes a transaction-scoped advisory lock on (zone, issuer, subject)
/// and looks again: the loser waits for the winner's commit and finds its
/// user. The insert still yields on a subject conflict (a user made outside
/// sign-in), and the search goes on.
pub async fn sign_in(
    conn: &mut Conn,
    zone: &ZoneKey,
    issuer: &str,
    subject: &str,
    new_user: Option<&User>,
    session: &Session,
    stamp: &EventStamp,
) -> StoreResult<SignedIn> {
    let scope = ZoneScope { org: zone.org, zone: zone.zone };
    let tx = conn.transaction().await?;
    let find = format!(
        "SELECT {USER_COLUMNS} FROM users u \
         WHERE u.zone = $1 AND u.issuer = $2 AND u.subject = $3 FOR NO KEY UPDATE"
    );
    let mut locked = false;
    for _ in 0..SIGN_IN_ATTEMPTS {
        let found = db::query_opt(&tx, &find, &[&zone.seq, &issuer, &subject]).await?;
        let (user, created) = match found {
            Some(row) => (user_from_row(&row, zone)?, false),
            None => {
                let Some(user) = new_user else {
                    tx.rollback().await?;
                    return Err(StoreError::NotFound);
                };
                if !locked {
                    // The two-key form: its key space is not the one of the
                    // migration and bootstrap locks.
                    db::execute(
                        &tx,
                        "SELECT pg_advisory_xact_lock(\
                           hashtext($1::bigint::text || ' ' || $2::text), hashtext($3::text))",
                        &[&zone.seq, &issuer, &subject],
                    )
                    .await?;
                    locked = true;
                    continue;
                }
                if !insert_user_unless_subject_taken(&tx, zone, user).await? {
                    continue;
                }
                (user.clone(), true)
            }
        };
        let session = Session { user_id: user.id, ..session.clone() };
        let user = record_session(&tx, zone, user.status, &session).await?;
        for event in sign_in_events(stamp, &scope, &user, &session, created) {
            events::record(&tx, &event).await?;
        }
        tx.commit().await?;
        return Ok(SignedIn { user, session, created });
    }
    Err(StoreError::Unavailable("the signed-in user kept appearing and vanishing; retry".into()))
}
