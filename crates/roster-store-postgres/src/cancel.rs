//! Stopping the server-side work of a request whose client went away.
//!
//! When a request is dropped (its client hung up), its tokio-postgres
//! future is dropped with it, but PostgreSQL goes on running the statement
//! until it ends or hits `statement_timeout`. [`CancelOnDrop`] holds the
//! connection for the duration of an expensive read; dropped before
//! [`CancelOnDrop::finish`], it sends a cancel request for that backend.
//! The connection is taken out of the pool first and closed after the
//! cancel: a cancel racing with the next request on a reused connection
//! could otherwise stop an innocent statement.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use deadpool_postgres::Object;

use crate::db::Conn;
use crate::tls::PgTls;

pub struct CancelOnDrop {
    conn: Option<Conn>,
    /// The connector of the pool: a cancel is a connection of its own and
    /// must speak TLS when the pool does.
    tls: PgTls,
    abandoned: Arc<AtomicU64>,
}

impl CancelOnDrop {
    pub fn new(conn: Conn, tls: PgTls, abandoned: Arc<AtomicU64>) -> Self {
        Self { conn: Some(conn), tls, abandoned }
    }

    /// The connection; `None` only after `finish` or drop, which consume
    /// the guard, so callers always see `Some`.
    pub fn conn(&self) -> Option<&Conn> {
        self.conn.as_ref()
    }

    /// The read ended (either way): the connection goes back to the pool.
    pub fn finish(mut self) {
        self.conn.take();
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        self.abandoned.fetch_add(1, Ordering::Relaxed);
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime left (shutdown): the connection closes as it drops,
            // which ends the statement at its next write to the socket.
            return;
        };
        let client = Object::take(conn.into_client());
        let token = client.cancel_token();
        let tls = self.tls.clone();
        runtime.spawn(async move {
            // A failed cancel leaves statement_timeout as the backstop.
            let _ = token.cancel_query(tls).await;
            drop(client);
        });
    }
}
