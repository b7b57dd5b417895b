"""Batch processing: keep the values over 50, count and sum them, per batch.

TASKS batches of N random integers from 0 to 100, the same ones concur
makes (its splitmix64 generator, seeded with the batch's number), processed
one by one, by WORKERS threads, then by a pool of WORKERS processes.
Run it as it is, or with the knobs concur passes:
TASKS=8 N=1_000_000 WORKERS=4 python3 data_batches.py
"""
import multiprocessing
import os
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import Pool

TASKS = int(os.environ.get("TASKS", "8"))  # batches
N = int(os.environ.get("N", "1_000_000"))  # values per batch
WORKERS = int(os.environ.get("WORKERS", "4"))  # the tutorial used cpu_count()
MODELS = os.environ.get("MODELS", "sequential,threading,multiprocessing").split(",")
MASK = 2**64 - 1  # Python's ints never overflow: keep them to 64 bits by hand


def make_batch(seed):
    """N values from 0 to 100, one byte each (splitmix64, as concur's Rust)."""
    state = (seed * 0x9E3779B97F4A7C15 & MASK) ^ 0xC0FFEE00D15EA5E5
    batch = bytearray(N)
    for i in range(N):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = (state ^ (state >> 30)) * 0xBF58476D1CE4E5B9 & MASK
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB & MASK
        batch[i] = (z ^ (z >> 31)) % 101
    return bytes(batch)


def stats(batch):
    kept = [value for value in batch if value > 50]
    return len(kept), sum(kept)  # the mean is sum / count


def with_processes(batches):
    with Pool(WORKERS) as pool:  # starting the workers counts too
        # each batch is pickled to a worker, each result pickled back
        return pool.map(stats, batches)


def timed(model, run):
    if model not in MODELS:
        return
    start = time.perf_counter()
    results = run()  # (count, sum) per batch, in task order
    seconds = time.perf_counter() - start
    tokens = [f"{count}:{total}" for count, total in results]
    print(f"{model:<16}{seconds:>10.6f} s  answer {' '.join(tokens)}")
    count, total = map(sum, zip(*results))
    print(f"  kept {count}, mean {total / max(count, 1):.4f}")


if __name__ == "__main__":
    print("start method:", multiprocessing.get_start_method())
    batches = [make_batch(seed) for seed in range(TASKS)]  # made before the clock
    timed("sequential", lambda: [stats(batch) for batch in batches])
    with ThreadPoolExecutor(WORKERS) as pool:  # one GIL: they take turns
        timed("threading", lambda: list(pool.map(stats, batches)))
    timed("multiprocessing", lambda: with_processes(batches))
