//! The db-inserts database: a real SQLite file (rusqlite, bundled), one
//! connection per worker, a commit per row.
//!
//! All workers of a command, worker processes included, share one file
//! under a directory of the command's own (`CONCUR_DB_DIR` tells worker
//! processes where), removed when the command ends.

use concur_core::worker::DbConnection;
use rusqlite::{Connection, params};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The environment variable that hands the directory to worker processes.
pub const DB_DIR_VAR: &str = "CONCUR_DB_DIR";

/// How long a writer waits for SQLite's lock before the insert fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The directory of this command's databases, under the system's temp dir
/// and named for this process, so removing it touches nothing else.
pub fn db_dir() -> PathBuf {
    std::env::temp_dir().join(format!("concur-db-{}", std::process::id()))
}

/// The directory a worker process was handed by its runner.
pub fn inherited_db_dir() -> PathBuf {
    std::env::var_os(DB_DIR_VAR).map_or_else(db_dir, PathBuf::from)
}

/// Removes the databases of this command (nothing if none was made).
pub fn remove_databases(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}

/// One connection to `{dir}/{name}.sqlite`, with the table in place.
pub fn open(dir: &Path, name: &str) -> Result<Box<dyn DbConnection>, String> {
    std::fs::create_dir_all(dir)
        .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    let path = dir.join(format!("{name}.sqlite"));
    let connection = Connection::open(&path).map_err(|err| format!("{}: {err}", path.display()))?;
    connection
        .busy_timeout(BUSY_TIMEOUT)
        .map_err(|err| err.to_string())?;
    connection
        .execute_batch(
            "CREATE TABLE IF NOT EXISTS readings (task INTEGER NOT NULL, row INTEGER NOT NULL)",
        )
        .map_err(|err| err.to_string())?;
    Ok(Box::new(Sqlite(connection)))
}

struct Sqlite(Connection);

impl DbConnection for Sqlite {
    fn insert_commit(&mut self, task_idx: u32, row: u32) -> Result<u64, String> {
        // BEGIN IMMEDIATE takes the write lock now; the time it takes is the
        // wait for SQLite's single writer.
        let asked = Instant::now();
        self.0
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|err| err.to_string())?;
        let waited = asked.elapsed().as_nanos() as u64;
        self.0
            .execute(
                "INSERT INTO readings (task, row) VALUES (?1, ?2)",
                params![task_idx, row],
            )
            .map_err(|err| err.to_string())?;
        self.0
            .execute_batch("COMMIT")
            .map_err(|err| err.to_string())?;
        Ok(waited)
    }
}
