"""A URL health checker, written all four ways.

TASKS URLs: four healthy and one slow (DELAY_MS) in every five. Each check
gives up after 5 s ("timeout"). Threads own fixed slices of the list,
processes take chunks from a pool, coroutines run at most WORKERS at once.
Run it as it is, or with the knobs concur passes:
TASKS=50 DELAY_MS=1000 WORKERS=5 python3 health_check.py
"""
import asyncio
import os
import threading
import time
from multiprocessing import Pool, get_start_method

import aiohttp
import requests

BASE = os.environ.get("BASE", "http://127.0.0.1:8080")  # or https://httpbin.org
TASKS = int(os.environ.get("TASKS", "50"))
WORKERS = int(os.environ.get("WORKERS", "5"))  # tutorial: 5 threads, 4 processes, 50
DELAY_MS = int(os.environ.get("DELAY_MS", "1000"))
KEEP_ALIVE = os.environ.get("KEEP_ALIVE", "0") == "1"
MODELS = os.environ.get(
    "MODELS", "sequential,threading,multiprocessing,asyncio"
).split(",")  # which models to run
SLOW = f"{BASE}/delay/{DELAY_MS / 1000:g}"
URLS = [SLOW if i % 5 == 4 else f"{BASE}/status/200" for i in range(TASKS)]  # (4+1) x 10
TIMEOUT = 5  # seconds per check
http = requests  # requests.get opens a new connection every time


def connect():  # in the parent, and in each worker process
    global http
    if KEEP_ALIVE:
        http = requests.Session()  # keeps its connections open and reuses them


def check(url):  # module level, so spawn and forkserver can pickle it
    try:
        return http.get(url, timeout=TIMEOUT).status_code  # per wait, not per response
    except requests.Timeout:
        return "timeout"  # too slow: an answer, not a failure


def with_threads():  # each thread owns a fixed slice of the list
    found = [[] for _ in range(WORKERS)]

    def run(i):
        mine = URLS[len(URLS) * i // WORKERS : len(URLS) * (i + 1) // WORKERS]
        found[i] = [check(url) for url in mine]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [status for part in found for status in part]  # slices in order


def with_processes():
    # Each process connects afresh: under fork a child would inherit, and share,
    # the parent's open keep-alive socket.
    with Pool(WORKERS, initializer=connect) as pool:
        return pool.map(check, URLS)  # hands out chunks of the list


async def with_asyncio():
    gate = asyncio.Semaphore(WORKERS)
    # total: the whole request. aiohttp rounds a timeout of 5 s or more up to a
    # whole second of the loop's clock; an infinite ceil_threshold keeps it exact.
    timeout = aiohttp.ClientTimeout(total=TIMEOUT, ceil_threshold=float("inf"))
    connector = aiohttp.TCPConnector(limit=0)  # no cap of 100: the gate limits
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

        async def one(url):
            try:
                async with gate, session.get(url) as response:
                    await response.read()
                    return response.status
            except asyncio.TimeoutError:  # the clock starts once through the gate
                return "timeout"

        return await asyncio.gather(*map(one, URLS))  # results in list order


def timed(model, run):
    if model not in MODELS:
        return
    start = time.perf_counter()
    statuses = run()  # one status per URL, in list order
    seconds = time.perf_counter() - start
    print(f"{model:<16}{seconds:>10.6f} s  answer {' '.join(map(str, statuses))}")
    print(f"  {statuses.count(200)}/{len(URLS)} healthy")


if __name__ == "__main__":
    print("start method:", get_start_method())
    connect()
    timed("sequential", lambda: [check(url) for url in URLS])
    timed("threading", with_threads)
    timed("multiprocessing", with_processes)
    timed("asyncio", lambda: asyncio.run(with_asyncio()))
