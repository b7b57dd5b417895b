"""Concurrent database inserts: SQLite from several threads.

TASKS batches of N rows go into one SQLite file. Each batch opens its own
connection, commits every row, then "processes" for DELAY_MS; one batch at
a time, then WORKERS threads at once.
Run it as it is, or with the knobs concur passes:
TASKS=4 N=10 DELAY_MS=10 WORKERS=4 python3 db_inserts.py
"""
import os
import sqlite3
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

TASKS = int(os.environ.get("TASKS", "4"))  # batches, a connection each
WORKERS = int(os.environ.get("WORKERS", "4"))
N = int(os.environ.get("N", "10"))  # rows per batch
DELAY_MS = int(os.environ.get("DELAY_MS", "10"))  # processing after each row
MODELS = os.environ.get("MODELS", "sequential,threading").split(",")
DB = "readings.sqlite"  # set to a file in a fresh folder below


def insert_rows(task):
    # A connection of its own: by default sqlite3 refuses to let a thread use a
    # connection another thread made. IMMEDIATE: each insert first waits (up to
    # 30 s) for the write lock, since SQLite lets one writer in at a time.
    db = sqlite3.connect(DB, timeout=30, isolation_level="IMMEDIATE")
    inserted = 0
    for row in range(N):
        cursor = db.execute("INSERT INTO readings VALUES (?, ?)", (task, row))
        db.commit()  # one transaction per row
        inserted += cursor.rowcount
        time.sleep(DELAY_MS / 1000)  # processing: the GIL is free meanwhile
    db.close()
    return inserted


def with_threads():
    with ThreadPoolExecutor(WORKERS) as pool:  # threads take batches in turn
        return list(pool.map(insert_rows, range(TASKS)))


def timed(model, run):
    if model not in MODELS:
        return
    start = time.perf_counter()
    rows = run()  # rows committed per batch, in task order
    seconds = time.perf_counter() - start
    print(f"{model:<16}{seconds:>10.6f} s  answer {' '.join(map(str, rows))}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:  # removed at the end
        DB = os.path.join(folder, DB)
        db = sqlite3.connect(DB)
        db.execute("CREATE TABLE readings (task INTEGER, row INTEGER)")
        db.close()
        timed("sequential", lambda: [insert_rows(task) for task in range(TASKS)])
        timed("threading", with_threads)
