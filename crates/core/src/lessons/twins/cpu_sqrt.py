"""Sum of square roots, four times: one loop, threads, then processes.

Run it as it is, or with the knobs concur passes:
N=20_000_000 TASKS=4 WORKERS=2 python3 cpu_sqrt.py
"""
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

N = int(os.environ.get("N", "100_000_000"))  # square roots per task
TASKS = int(os.environ.get("TASKS", "4"))
WORKERS = int(os.environ.get("WORKERS", "4"))
MODELS = os.environ.get("MODELS", "sequential,threading,multiprocessing").split(",")


def sum_sqrt(n):
    total = 0.0
    for i in range(n):  # a plain loop: sum() adds floats differently from 3.12 on
        total += math.sqrt(i)
    return total


def timed(model, run):
    if model not in MODELS:
        return
    start = time.perf_counter()
    sums = run()  # one sum per task, in task order
    seconds = time.perf_counter() - start
    per_root = seconds / (N * TASKS) * 1e9  # your CPU's figure; 34.6 ns on ours
    print(f"{model:<16}{seconds:>10.6f} s  answer {' '.join(map(repr, sums))}")
    print(f"  {per_root:.1f} ns per square root")


if __name__ == "__main__":
    print("switch interval:", sys.getswitchinterval(), "s")  # 0.005
    gil_on = getattr(sys, "_is_gil_enabled", lambda: True)()  # 3.13t/3.14t can say False
    print("GIL enabled:", gil_on)
    timed("sequential", lambda: [sum_sqrt(N) for _ in range(TASKS)])
    # Taking turns: about sequential's time on CPython 3.11 (1.02x faster on ours).
    with ThreadPoolExecutor(WORKERS) as pool:
        timed("threading", lambda: list(pool.map(sum_sqrt, [N] * TASKS)))
    with ProcessPoolExecutor(WORKERS) as pool:  # one GIL per process
        timed("multiprocessing", lambda: list(pool.map(sum_sqrt, [N] * TASKS)))
