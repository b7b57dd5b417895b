"""A scraper with a fixed pool of threads, fed by a queue.

TASKS pages, each answering after DELAY_MS, fetched one by one and then by
WORKERS threads that take URLs from a queue.Queue until a poison pill.
Run it as it is, or with the knobs concur passes:
TASKS=5 DELAY_MS=2000 WORKERS=5 python3 scraper.py
"""
import os
import queue
import threading
import time

import requests

BASE = os.environ.get("BASE", "http://127.0.0.1:8080")  # or https://httpbin.org
TASKS = int(os.environ.get("TASKS", "5"))
WORKERS = int(os.environ.get("WORKERS", "5"))
DELAY_MS = int(os.environ.get("DELAY_MS", "2000"))
KEEP_ALIVE = os.environ.get("KEEP_ALIVE", "0") == "1"
MODELS = os.environ.get("MODELS", "sequential,threading").split(",")
URLS = [f"{BASE}/delay/{DELAY_MS / 1000:g}"] * TASKS  # pages that answer after DELAY_MS
STOP = None  # the poison pill, one per worker

# requests.get opens a new connection each time; a Session keeps one alive.
http = requests.Session() if KEEP_ALIVE else requests


def fetch(url):
    return http.get(url, timeout=120).status_code  # the GIL is free while waiting


def worker(jobs, results, lock):
    while True:
        job = jobs.get()
        if job is STOP:
            break
        index, url = job
        status = fetch(url)
        with lock:  # one step here, but recording often takes several
            results.append((index, status))


def with_threads():
    jobs, results, lock = queue.Queue(), [], threading.Lock()
    threads = [
        threading.Thread(target=worker, args=(jobs, results, lock))
        for _ in range(WORKERS)
    ]
    for thread in threads:
        thread.start()
    for job in enumerate(URLS):
        jobs.put(job)
    for _ in threads:
        jobs.put(STOP)
    for thread in threads:
        thread.join()
    return [status for _, status in sorted(results)]  # back in task order


def timed(model, run):
    if model not in MODELS:
        return
    start = time.perf_counter()
    statuses = run()  # one status per page, in task order
    seconds = time.perf_counter() - start
    print(f"{model:<16}{seconds:>10.6f} s  answer {' '.join(map(str, statuses))}")


if __name__ == "__main__":
    timed("sequential", lambda: [fetch(url) for url in URLS])
    timed("threading", with_threads)
