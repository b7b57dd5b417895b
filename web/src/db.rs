//! The db-inserts database in the browser: real SQLite (rusqlite over
//! sqlite-wasm-rs, SQLite compiled into the `runner_db` binary's
//! WebAssembly, which the page starts only for db-inserts), with the
//! database in memory.
//!
//! One connection per worker on one database, as natively, is not possible
//! here: this SQLite is built single-threaded (a connection must not be used
//! from two threads at once), an in-memory database belongs to the
//! connection that made it, and a page has no file that two WebAssembly
//! instances could open together. So the thread workers of an instance
//! share its one database through one connection behind a lock (waiting for
//! the lock is waiting for SQLite's single writer, a queue-wait slice in the
//! trace), and each process worker, an instance of its own, writes to a
//! database of its own. Every row is still a real INSERT and COMMIT.

use concur_core::worker::DbConnection;
use rusqlite::{Connection, params};
use std::sync::Mutex;

/// Milliseconds on the page's clock (a monotonic one where tests run natively).
fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    return crate::clock::now_ms();
    #[cfg(not(target_arch = "wasm32"))]
    {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_secs_f64()
            * 1000.0
    }
}

/// This instance's database, opened by the first worker that asks.
static DATABASE: Mutex<Option<Connection>> = Mutex::new(None);

fn lock() -> Result<std::sync::MutexGuard<'static, Option<Connection>>, String> {
    DATABASE
        .lock()
        .map_err(|_| "the database lock is poisoned (a worker panicked)".to_string())
}

/// A worker's handle on the shared database `_name` (one per instance).
pub fn open(_name: &str) -> Result<Box<dyn DbConnection>, String> {
    let mut database = lock()?;
    if database.is_none() {
        let connection = Connection::open_in_memory().map_err(|err| err.to_string())?;
        connection
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS readings (task INTEGER NOT NULL, row INTEGER NOT NULL)",
            )
            .map_err(|err| err.to_string())?;
        *database = Some(connection);
    }
    Ok(Box::new(SharedConnection))
}

/// The number of rows this instance's database holds.
pub fn rows() -> Result<u64, String> {
    let database = lock()?;
    let Some(connection) = database.as_ref() else {
        return Ok(0);
    };
    let count: i64 = connection
        .query_row("SELECT COUNT(*) FROM readings", [], |row| row.get(0))
        .map_err(|err| err.to_string())?;
    Ok(count.max(0) as u64)
}

/// A worker's turn at the instance's one connection.
struct SharedConnection;

impl DbConnection for SharedConnection {
    fn insert_commit(&mut self, task_idx: u32, row: u32) -> Result<u64, String> {
        let asked = now_ms();
        let database = lock()?;
        let waited = ((now_ms() - asked).max(0.0) * 1e6) as u64;
        let connection = database.as_ref().ok_or("the database is not open")?;
        let commit = || -> rusqlite::Result<()> {
            connection.execute_batch("BEGIN IMMEDIATE")?;
            connection.execute(
                "INSERT INTO readings (task, row) VALUES (?1, ?2)",
                params![task_idx, row],
            )?;
            connection.execute_batch("COMMIT")
        };
        commit().map_err(|err| err.to_string())?;
        Ok(waited)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_insert_is_a_committed_row() {
        let before = super::rows().unwrap();
        let mut first = super::open("db-inserts").unwrap();
        let mut second = super::open("db-inserts").unwrap();
        for row in 0..3 {
            first.insert_commit(0, row).unwrap();
            second.insert_commit(1, row).unwrap();
        }
        assert_eq!(super::rows().unwrap(), before + 6);
    }
}
