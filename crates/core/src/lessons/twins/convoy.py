"""The convoy effect: short blocking requests beside a thread that computes.

One worker makes TASKS requests, one after another, to an endpoint that
answers after DELAY_MS; beside it, sums of N square roots run round after
round until the requests are done. Each model line gives the time the
requests took, so seconds / TASKS is the cost of one request.
KEEP_ALIVE=1 reuses one connection (requests.Session); SWITCH_MS sets the
switch interval.
"""
import math
import multiprocessing
import os
import queue
import sys
import threading
import time

import requests

BASE = os.environ.get("BASE", "http://127.0.0.1:8080")  # or https://httpbin.org
TASKS = int(os.environ.get("TASKS", "100"))
N = int(os.environ.get("N", "1_000_000"))  # square roots per round
DELAY_MS = int(os.environ.get("DELAY_MS", "10"))
KEEP_ALIVE = os.environ.get("KEEP_ALIVE", "0") == "1"
SWITCH_MS = float(os.environ.get("SWITCH_MS", "5"))
MODELS = os.environ.get("MODELS", "sequential,threading,multiprocessing").split(",")
URL = f"{BASE}/delay/{DELAY_MS / 1000:g}"


def sum_sqrt(n):
    total = 0.0
    for i in range(n):
        total += math.sqrt(i)
    return total


def rounds_until(stop, started, result):
    """Computes until told to stop (at least one whole round)."""
    started.set()
    total = sum_sqrt(N)
    while not stop.is_set():
        total = sum_sqrt(N)  # every round gives the same sum
    result.put(total)


def fetch_all():
    """TASKS requests in a row: a new connection each, or one kept alive."""
    get = requests.Session().get if KEEP_ALIVE else requests.get
    start = time.perf_counter()
    ok = sum(get(URL, timeout=30).status_code == 200 for _ in range(TASKS))
    return ok, time.perf_counter() - start


def beside(start_worker, stop, started, result):
    """The requests while a worker computes; the worker's sum after."""
    worker = start_worker(target=rounds_until, args=(stop, started, result))
    worker.start()
    started.wait()  # the worker is computing before the first request
    ok, seconds = fetch_all()
    stop.set()
    total = result.get()
    worker.join()
    return ok, seconds, total


def report(model, ok, seconds, total):
    print(f"{model:<16}{seconds:>10.6f} s  answer {ok}/{TASKS} {total!r}")
    print(f"  {seconds / TASKS * 1000:.2f} ms per request")


if __name__ == "__main__":
    sys.setswitchinterval(SWITCH_MS / 1000)
    print("switch interval:", sys.getswitchinterval(), "s; keep-alive:", KEEP_ALIVE)
    if "sequential" in MODELS:  # the requests alone, then one round
        ok, seconds = fetch_all()
        report("sequential", ok, seconds, sum_sqrt(N))
    if "threading" in MODELS:  # the lock changes hands at every blocking call
        signals = (threading.Event(), threading.Event(), queue.Queue())
        report("threading", *beside(threading.Thread, *signals))
    if "multiprocessing" in MODELS:  # the sums get a GIL of their own
        mp = multiprocessing
        signals = (mp.Event(), mp.Event(), mp.Queue())
        report("multiprocessing", *beside(mp.Process, *signals))
