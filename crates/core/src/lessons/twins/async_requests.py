"""Many requests on one event loop, with a limit on how many are in flight.

TASKS requests: every fifth waits DELAY_MS, the rest answer at once. First
one after another, then as coroutines, at most WORKERS at a time; each
gives up after 30 s ("timeout").
Run it as it is, or with the knobs concur passes:
TASKS=50 DELAY_MS=1000 WORKERS=50 python3 async_requests.py
"""
import asyncio
import os
import time

import aiohttp
import requests

BASE = os.environ.get("BASE", "http://127.0.0.1:8080")  # or https://httpbin.org
TASKS = int(os.environ.get("TASKS", "50"))
WORKERS = int(os.environ.get("WORKERS", "50"))  # requests in flight at most
DELAY_MS = int(os.environ.get("DELAY_MS", "1000"))
KEEP_ALIVE = os.environ.get("KEEP_ALIVE", "0") == "1"
MODELS = os.environ.get("MODELS", "sequential,asyncio").split(",")
SLOW = f"{BASE}/delay/{DELAY_MS / 1000:g}"
URLS = [SLOW if i % 5 == 4 else f"{BASE}/status/200" for i in range(TASKS)]
TIMEOUT = 30  # seconds per request


def one_by_one():
    http = requests.Session() if KEEP_ALIVE else requests  # Session: keep-alive
    statuses = []
    for url in URLS:
        try:
            statuses.append(http.get(url, timeout=TIMEOUT).status_code)
        except requests.Timeout:  # no bytes for TIMEOUT s
            statuses.append("timeout")
    return statuses


async def fetch(session, limit, url):
    async with limit:  # wait for a free slot
        try:
            async with session.get(url) as response:  # an await point
                await response.read()
                return response.status
        except asyncio.TimeoutError:
            return "timeout"


async def fetch_all():
    limit = asyncio.Semaphore(WORKERS)
    # total: the whole request. aiohttp rounds a timeout of 5 s or more up to a
    # whole second of the loop's clock; an infinite ceil_threshold keeps it exact.
    timeout = aiohttp.ClientTimeout(total=TIMEOUT, ceil_threshold=float("inf"))
    # The session's TCPConnector opens at most 100 connections unless told
    # otherwise: limit=0 lifts that cap, so WORKERS alone sets the limit.
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        return await asyncio.gather(*(fetch(session, limit, url) for url in URLS))


def timed(model, run):
    if model not in MODELS:
        return
    start = time.perf_counter()
    statuses = run()  # one status per request, in task order
    seconds = time.perf_counter() - start
    print(f"{model:<16}{seconds:>10.6f} s  answer {' '.join(map(str, statuses))}")
    ok = statuses.count(200)
    print(f"  {ok}/{len(URLS)} ok, {len(URLS) / seconds:.1f} requests/s")


if __name__ == "__main__":
    timed("sequential", one_by_one)
    timed("asyncio", lambda: asyncio.run(fetch_all()))
