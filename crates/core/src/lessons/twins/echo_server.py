"""A TCP echo server whose handler pauses before answering, served three ways.

TASKS clients start N ms apart; each sends one line and waits for it to
come back. The handler reads the line, pauses DELAY_MS (standing for a
query) and sends it back. Served one connection at a time, with a thread
per connection, then by one asyncio event loop.
Run it as it is, or with the knobs concur passes:
TASKS=5 N=100 DELAY_MS=500 python3 echo_server.py
"""
import asyncio
import os
import socketserver
import threading
import time

TASKS = int(os.environ.get("TASKS", "5"))  # clients
N = int(os.environ.get("N", "100"))  # ms between client starts
DELAY_MS = int(os.environ.get("DELAY_MS", "500"))  # the handler's pause
MODELS = os.environ.get("MODELS", "sequential,threading,asyncio").split(",")
HOST = "127.0.0.1"
BACKLOG = max(100, TASKS)  # unaccepted connections the kernel keeps waiting
DEADLINE = DELAY_MS / 1000 * (TASKS + 1) + 30  # s: time to be served last, and more
MASK = 2**64 - 1


def message(client):  # concur's line: it names the client, and a tag of 12 letters
    state = ((client + 1_000_003) * 0x9E3779B97F4A7C15 & MASK) ^ 0xC0FFEE00D15EA5E5
    tag = ""
    for _ in range(12):  # splitmix64, as concur's Rust
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = (state ^ (state >> 30)) * 0xBF58476D1CE4E5B9 & MASK
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB & MASK
        tag += chr(ord("a") + (z ^ (z >> 31)) % 101 % 26)
    return f"client {client}: hello, echo server ({tag})"


def fingerprint(reply):  # length and FNV-1a hash: what concur records
    h = 0xCBF29CE484222325
    for byte in reply:
        h = (h ^ byte) * 0x100000001B3 & MASK
    return f"{len(reply)}:{h:016x}"


async def client(number, port):
    await asyncio.sleep(number * N / 1000)  # clients start N ms apart
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(f"{message(number)}\n".encode())
    await writer.drain()
    reply = await asyncio.wait_for(reader.read(), DEADLINE)  # until the server closes
    writer.close()
    await writer.wait_closed()
    return reply.removesuffix(b"\n"), time.perf_counter() - started


async def clients(port):
    start = time.perf_counter()  # from the first client's start to the last echo
    results = await asyncio.gather(*(client(i, port) for i in range(TASKS)))
    return time.perf_counter() - start, results


async def handle(reader, writer):  # asyncio: one coroutine per connection
    line = await reader.readline()
    await asyncio.sleep(DELAY_MS / 1000)  # the loop serves others meanwhile
    writer.write(line)
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def with_asyncio():
    server = await asyncio.start_server(handle, HOST, 0, backlog=BACKLOG)
    async with server:  # the clients run on the same loop, as in the tutorial
        return await clients(server.sockets[0].getsockname()[1])


class Handler(socketserver.StreamRequestHandler):  # blocking: one per connection
    def handle(self):
        line = self.rfile.readline()
        time.sleep(DELAY_MS / 1000)  # lets go of the GIL, as blocking waits do
        self.wfile.write(line)  # the connection closes when handle returns


class OneAtATime(socketserver.TCPServer):  # the next client waits its turn
    request_queue_size = BACKLOG


class ThreadPerConnection(socketserver.ThreadingMixIn, OneAtATime):
    pass  # handle() runs in a new thread for each connection


# concur also serves with a pre-fork pool: WORKERS processes, each looping on
# accept() on one shared listening socket. Not written here.


def with_socketserver(server_class):
    with server_class((HOST, 0), Handler) as server:
        threading.Thread(target=server.serve_forever).start()  # serves from there
        try:
            return asyncio.run(clients(server.server_address[1]))
        finally:
            server.shutdown()


def timed(model, run):
    if model not in MODELS:
        return
    seconds, results = run()
    tokens = [fingerprint(reply) for reply, _ in results]  # in client order
    print(f"{model:<16}{seconds:>10.6f} s  answer {' '.join(tokens)}")
    waited = sum(wait for _, wait in results) / len(results)
    print(f"  a client waited {waited * 1000:.0f} ms on average")


if __name__ == "__main__":
    timed("sequential", lambda: with_socketserver(OneAtATime))
    timed("threading", lambda: with_socketserver(ThreadPerConnection))
    timed("asyncio", lambda: asyncio.run(with_asyncio()))
