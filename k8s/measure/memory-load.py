#!/usr/bin/env python3
"""Measures the memory of the otpx jar under load, to size the pods' requests and limits.

Starts `java <flags> -jar target/otpx.jar` (the flags of k8s/deployment.yaml, with -Xmx standing in
for the container's limit), loads it for a while with what one replica of three serves (browser
sockets joined to topics and posting, sign-ups and sign-ins hashed with Argon2id, counters, InfoSys
queries, videos), samples its resident set size from /proc every 200 ms, and ends with the JVM's own
accounts (Native Memory Tracking and GC.heap_info through jcmd).

    python3 k8s/measure/memory-load.py [--xmx 384m] [--sockets 300] [--seconds 60]

Standard library only; the websocket client speaks just enough of RFC 6455 for the bridge's raw
endpoint /eventbus/websocket (JSON frames, no SockJS framing).
"""
import argparse
import asyncio
import base64
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

PASSWORD = "correct horse battery staple"
DEBUG = os.environ.get("DEBUG")


def http(port, method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as refused:
        return refused.code, None


class Socket:
    """One browser socket on the bridge's raw websocket endpoint."""

    def __init__(self, port, token):
        self.port, self.token, self.seq, self.received = port, token, 0, 0
        self.joined = asyncio.Event()

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        key = base64.b64encode(os.urandom(16)).decode()
        self.writer.write((f"GET /eventbus/websocket HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("no websocket upgrade: " + head.decode(errors="replace"))
        asyncio.ensure_future(self.read_frames())
        asyncio.ensure_future(self.ping())

    async def ping(self):
        # The bridge closes a socket that has not pinged for 10 s; vertx-eventbus.js pings every 5 s.
        while not self.writer.is_closing():
            self.send({"type": "ping"})
            await asyncio.sleep(4)

    def send(self, frame):
        payload = json.dumps(frame).encode()
        mask = os.urandom(4)
        header = bytearray([0x81])
        if len(payload) < 126:
            header.append(0x80 | len(payload))
        else:
            header.append(0x80 | 126)
            header += len(payload).to_bytes(2, "big")
        self.writer.write(bytes(header) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def request(self, address, body):
        self.seq += 1
        self.send({"type": "send", "address": address, "body": body, "replyAddress": f"r.{self.seq}",
                   "headers": {"token": self.token}})

    async def read_frames(self):
        try:
            while True:
                first = await self.reader.readexactly(2)
                length = first[1] & 0x7F
                if length == 126:
                    length = int.from_bytes(await self.reader.readexactly(2), "big")
                elif length == 127:
                    length = int.from_bytes(await self.reader.readexactly(8), "big")
                frame = await self.reader.readexactly(length)
                self.received += 1
                if b'"address":"r.1"' in frame[:40]:
                    self.joined.set()
                if DEBUG and (self.received <= 2 or b'"err"' in frame[:20]):
                    print(frame[:300])
        except (asyncio.IncompleteReadError, ConnectionError):
            if DEBUG:
                print("socket closed after", self.received, "frames")


async def browsers(port, tokens, sockets, seconds, topics):
    opened = []
    for i in range(sockets):
        socket = Socket(port, tokens[i % len(tokens)])
        await socket.open()
        topic = f"videos:{1 + i % topics}"
        socket.request("channels.join", {"topic": topic, "last_seen_id": 0})
        # The bridge lets a socket register on a topic only once its join has been answered.
        await asyncio.wait_for(socket.joined.wait(), 30)
        socket.send({"type": "register", "address": "channels.topic." + topic, "headers": {"token": socket.token}})
        opened.append((socket, topic))
    end = time.monotonic() + seconds
    tick = 0
    while time.monotonic() < end:
        await asyncio.sleep(0.25)
        tick += 1
        for socket, topic in random.sample(opened, max(1, len(opened) // 10)):
            socket.request("channels.push", {"topic": topic, "event": "new_annotation",
                                             "payload": {"body": "load " + str(tick), "at": tick}})
    return sum(socket.received for socket, _ in opened)


def http_load(port, tokens, stop, counts):
    while not stop.is_set():
        try:
            http_round(port, tokens, counts)
        except OSError:  # a timeout when the machine is saturated: counted, and the load goes on
            counts["errors"] += 1


def http_round(port, tokens, counts):
    name = f"u{random.randrange(10**9)}"
    status, _ = http(port, "POST", "/api/users", {"username": name, "password": PASSWORD})
    counts["register"] += status == 201
    http(port, "POST", "/api/sessions", {"username": name, "password": PASSWORD})
    for _ in range(20):
        http(port, "GET", "/api/counter")
        http(port, "GET", f"/api/infosys?q={random.randrange(1000)}%2B{random.randrange(1000)}")
        http(port, "GET", "/api/videos")
        counts["requests"] += 3
    http(port, "POST", "/api/videos", {"title": "a video", "url": "https://example.org/v"}, random.choice(tokens))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--xmx", default="384m")
    parser.add_argument("--sockets", type=int, default=300)
    parser.add_argument("--topics", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--http-threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--jar", default="target/otpx.jar")
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="otpx-mem-")
    flags = [f"-Xmx{args.xmx}", "-XX:+UseSerialGC", "-XX:MaxMetaspaceSize=128m", "-XX:ReservedCodeCacheSize=64m",
             "-Xss512k", "-XX:+ExitOnOutOfMemoryError", "-XX:NativeMemoryTracking=summary"]
    env = dict(os.environ, HTTP_PORT=str(args.port), HTTP_HOST="127.0.0.1", OTPX_DATA_DIR=data,
               OTPX_TOKEN_SECRET="a token secret for measuring memory, long enough")
    for unset in ("OTPX_CONFIG", "OTPX_DATABASE_URL", "WOLFRAM_APP_ID"):
        env.pop(unset, None)
    log = open(os.path.join(data, "service.log"), "w")
    service = subprocess.Popen(["java", *flags, "-Djava.io.tmpdir=" + data, "-jar", args.jar], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            try:
                if http(args.port, "GET", "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        idle = rss_kib(service.pid)
        tokens = []
        for i in range(20):
            status, body = http(args.port, "POST", "/api/users", {"username": f"browser{i}", "password": PASSWORD})
            tokens.append(body["token"])
        peak = [idle]
        stop = threading.Event()

        live = [""]

        def sample():
            # Once, 80% into the load (every socket still open): a full GC, then the heap it kept.
            measure_live_at = time.monotonic() + 0.8 * args.seconds + args.sockets / 100
            while not stop.is_set():
                peak[0] = max(peak[0], rss_kib(service.pid))
                if not live[0] and time.monotonic() > measure_live_at:
                    subprocess.run(["jcmd", str(service.pid), "GC.run"], capture_output=True)
                    info = subprocess.run(["jcmd", str(service.pid), "GC.heap_info"], capture_output=True, text=True).stdout
                    live[0] = " | ".join(l.strip() for l in info.splitlines()[1:] if "used" in l and "space" not in l)
                time.sleep(0.2)

        counts = {"register": 0, "requests": 0, "errors": 0}
        threads = [threading.Thread(target=sample)] + [
            threading.Thread(target=http_load, args=(args.port, tokens, stop, counts)) for _ in range(args.http_threads)]
        for thread in threads:
            thread.start()
        frames = asyncio.run(browsers(args.port, tokens, args.sockets, args.seconds, args.topics))
        stop.set()
        for thread in threads:
            thread.join()
        loaded = rss_kib(service.pid)
        nmt = subprocess.run(["jcmd", str(service.pid), "VM.native_memory", "summary", "scale=MB"],
                             capture_output=True, text=True).stdout
        heap = subprocess.run(["jcmd", str(service.pid), "GC.heap_info"], capture_output=True, text=True).stdout
        print(f"flags: {' '.join(flags)}")
        print(f"load: {args.sockets} sockets on {args.topics} topics for {args.seconds} s ({frames} frames received), "
              f"{counts['register']} sign-ups, {counts['requests']} GETs on {args.http_threads} threads, "
              f"{counts['errors']} HTTP errors")
        print(f"RSS idle after start: {idle // 1024} MiB; peak under load: {peak[0] // 1024} MiB; after load: {loaded // 1024} MiB")
        for line in nmt.splitlines():
            if line.startswith("Total") or line.lstrip().startswith("-") and "committed" in line:
                print("NMT " + line.strip())
        print("heap after a full GC under load (the live set): " + live[0])
        print("heap at the end: " + " | ".join(l.strip() for l in heap.splitlines()[1:] if "used" in l and "space" not in l))
    finally:
        service.terminate()
        service.wait(30)
        log.close()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
