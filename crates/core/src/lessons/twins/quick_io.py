"""Quick side-by-side: the same slow GETs one by one, then with threads,
processes and asyncio.

Each of TASKS requests goes to an endpoint that answers after DELAY_MS;
every model prints its wall time and the status of each request.
Run it as it is, or with the knobs concur passes:
TASKS=5 DELAY_MS=1000 WORKERS=5 python3 quick_io.py
"""
import asyncio
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import aiohttp
import requests

BASE = os.environ.get("BASE", "http://127.0.0.1:8080")  # or https://httpbin.org
TASKS = int(os.environ.get("TASKS", "5"))
WORKERS = int(os.environ.get("WORKERS", "5"))  # threads, processes, requests in flight
DELAY_MS = int(os.environ.get("DELAY_MS", "1000"))
KEEP_ALIVE = os.environ.get("KEEP_ALIVE", "0") == "1"
MODELS = os.environ.get(
    "MODELS", "sequential,threading,multiprocessing,asyncio"
).split(",")  # which models to run
URL = f"{BASE}/delay/{DELAY_MS / 1000:g}"  # answers after DELAY_MS
URLS = [URL] * TASKS
http = requests  # requests.get opens a new connection every time


def connect():  # in the parent, and in each worker process
    global http
    if KEEP_ALIVE:
        http = requests.Session()  # keeps its connections open and reuses them


def fetch(url):  # module level, so spawn and forkserver can pickle it
    return http.get(url, timeout=120).status_code  # the GIL is free while waiting


async def fetch_all():
    limit = asyncio.Semaphore(WORKERS)  # at most WORKERS requests in flight
    connector = aiohttp.TCPConnector(limit=0)  # no cap of its own (100 by default)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(url):
            async with limit, session.get(url) as response:  # an await point
                await response.read()
                return response.status

        return await asyncio.gather(*map(one, URLS))  # results in task order


def with_processes():
    # Each process connects afresh: under fork a child would inherit, and share,
    # the parent's open keep-alive socket. Starting the workers counts too.
    with ProcessPoolExecutor(WORKERS, initializer=connect) as pool:
        return list(pool.map(fetch, URLS))


def timed(model, run):
    if model not in MODELS:
        return
    start = time.perf_counter()
    statuses = run()  # one status per request, in task order
    seconds = time.perf_counter() - start
    print(f"{model:<16}{seconds:>10.6f} s  answer {' '.join(map(str, statuses))}")


if __name__ == "__main__":
    # fork: Linux up to 3.13; forkserver: Linux from 3.14; spawn: macOS, Windows
    print("start method:", multiprocessing.get_start_method())
    connect()
    timed("sequential", lambda: [fetch(url) for url in URLS])
    with ThreadPoolExecutor(WORKERS) as pool:
        timed("threading", lambda: list(pool.map(fetch, URLS)))
    timed("multiprocessing", with_processes)
    timed("asyncio", lambda: asyncio.run(fetch_all()))
