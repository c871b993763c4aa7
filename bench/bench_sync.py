#!/usr/bin/python3
"""Sync engine benchmarks (issue 3), load from a second process on loopback.

1. durable signed webhook events per second: order webhooks signed like the
   example channel (HMAC-SHA256, base64), sent by two load processes
   (bench/loadgen, in C) over 64 keep-alive connections each; each counted only when hubd answered 200 after
   the durable group commit.  Aim >= 20k/s.
2. propagation latency p50/p99, webhook sent -> stock push received by the
   channel, at ~1k events/s against an unthrottled channel (every event touches
   its own SKU so each push belongs to one event).  Aim p99 < 5 ms.
3. API calls for a burst of changes against the minimum possible with
   coalescing and batching: 5000 changes over 500 SKUs while the channel allows
   2 calls/s; minimum = ceil(500 / batch size).  Aim <= 1.05x.

Prints `metric<TAB>median<TAB>unit<TAB>aim<TAB>ratio` (ratio >= 1 means met).
"""
import base64
import hashlib
import hmac
import json
import math
import multiprocessing as mp
import os
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SRC = Path(os.environ.get("HUB_SRC_DIR", Path(__file__).resolve().parents[1]))
BIN = Path(os.environ.get("HUB_BIN_DIR", SRC / "bin"))
PLUGINS = Path(os.environ.get("HUB_PLUGIN_DIR", SRC / "plugins"))
LOADGEN = Path(os.environ.get("HUB_BUILD_DIR", SRC / "build")) / "bench" / "loadgen"
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
EVENTS = int(os.environ.get("BENCH_WEBHOOKS", "60000"))
SECRET = "bench-webhook-secret"
TOKEN = "bench-token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(math.ceil(p / 100 * len(xs))) - 1)]


# ------------------------------------------------------------------ a hub on a temp config
class Hub:
    def __init__(self, root, skus, channel):
        self.root = root
        self.port = free_port()
        conf = root / "conf.d"
        conf.mkdir()
        (root / "secret").write_text(SECRET + "\n")
        (root / "token").write_text(TOKEN + "\n")
        (conf / "hub.conf").write_text(
            f"[hub]\nlisten = 127.0.0.1:{self.port}\ndata_dir = {root}/var\nplugin_dir = {PLUGINS}\n"
            f"scripts_dir = {SRC}/scripts\nlog_level = error\n")
        (conf / "b.conf").write_text(f"[tenant]\ncurrency = EUR\n\n[channel example]\n{channel}\n"
                                     f"webhook_secret = file:{root}/secret\n")
        self.conf = conf
        cat = root / "catalog.jsonl"
        with open(cat, "w") as f:
            for p in range(0, len(skus), 10):
                f.write(json.dumps({"id": f"p{p}", "title": f"Bench {p}", "options": ["size"], "variants": [
                    {"sku": s, "options": {"size": str(i)}, "price": 1000, "currency": "EUR",
                     "stock": {"default": 10_000_000}} for i, s in enumerate(skus[p:p + 10])]}) + "\n")
        self.ctl("import", "b", str(cat))
        self.proc = subprocess.Popen([str(BIN / "hubd"), "--config", str(conf)], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        assert b"ready" in self.proc.stdout.readline()

    def ctl(self, *args):
        p = subprocess.run([str(BIN / "hubctl"), "--config", str(self.conf), "--quiet", "--json", *args],
                           capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            raise RuntimeError(f"hubctl {args}: {p.stderr}")
        return json.loads(p.stdout) if p.stdout.strip() else None

    def depth(self):
        return self.ctl("status")["tenants"][0]["channels"][0]["outbox_depth"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)


def webhook(port, order_id, sku, qty=1):
    body = json.dumps({"id": order_id, "status": "open", "currency": "EUR",
                       "lines": [{"sku": sku, "quantity": qty}]}, separators=(",", ":")).encode()
    sig = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    head = (f"POST /t/b/example/webhooks HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nX-Example-Event-Id: {uuid.uuid4()}\r\n"
            f"X-Example-Topic: order.created\r\nX-Example-Signature: {sig}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    return head + body


# ------------------------------------------------------------------ 1. throughput (load process)
def load_worker(port, reqs, conns, out):
    """Send `reqs` over `conns` keep-alive connections, one in flight each."""
    sel = selectors.DefaultSelector()
    todo = list(reversed(reqs))
    ok = bad = 0
    state = {}
    for _ in range(min(conns, len(todo))):
        s = socket.create_connection(("127.0.0.1", port))
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        state[s] = bytearray()
        s.send(todo.pop())
        sel.register(s, selectors.EVENT_READ)
    t0 = time.monotonic()
    open_ = len(state)
    while open_:
        for key, _ in sel.select(timeout=10):
            s = key.fileobj
            data = s.recv(65536)
            if not data:
                raise RuntimeError("hubd closed a connection")
            buf = state[s]
            buf += data
            while True:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    break
                head = bytes(buf[:end]).decode("latin1")
                clen = 0
                for line in head.split("\r\n")[1:]:
                    if line.lower().startswith("content-length:"):
                        clen = int(line.split(":")[1])
                if len(buf) < end + 4 + clen:
                    break
                status = int(head.split(" ")[1])
                ok += status == 200
                bad += status != 200
                del buf[:end + 4 + clen]
                if todo:
                    s.send(todo.pop())
                else:
                    sel.unregister(s)
                    s.close()
                    open_ -= 1
                    break
    out.put((ok, bad, time.monotonic() - t0))


def send_load(port, batches, conns):
    """Send each list of requests in `batches` from its own process over
    `conns` keep-alive connections; returns [(ok, bad, seconds)] and the wall
    time from the first start to the last answer.  bench/loadgen (C) sends
    when it is built: a Python sender saturates a core long before hubd does."""
    t0 = time.monotonic()
    if LOADGEN.exists():
        tmp = Path(tempfile.mkdtemp(prefix="hub-bench-load-"))
        try:
            procs = []
            for i, reqs in enumerate(batches):
                f = tmp / f"reqs{i}"
                with open(f, "wb") as out:
                    for r in reqs:
                        out.write(b"%d\n" % len(r) + r)
                procs.append(f)
            t0 = time.monotonic()
            procs = [subprocess.Popen([str(LOADGEN), str(port), str(conns), str(f)], stdout=subprocess.PIPE,
                                      text=True) for f in procs]
            res = []
            for p in procs:
                out, _ = p.communicate(timeout=900)
                if p.returncode != 0:
                    raise RuntimeError(f"loadgen failed ({p.returncode})")
                ok, bad, secs = out.split()
                res.append((int(ok), int(bad), float(secs)))
            return res, time.monotonic() - t0
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    q = mp.Queue()
    procs = [mp.Process(target=load_worker, args=(port, reqs, conns, q)) for reqs in batches]
    t0 = time.monotonic()
    for p in procs:
        p.start()
    res = [q.get(timeout=900) for _ in procs]
    elapsed = time.monotonic() - t0
    for p in procs:
        p.join()
    return res, elapsed


def bench_throughput():
    rates = []
    skus = [f"T{i:05d}" for i in range(2000)]
    for run in range(RUNS):
        root = Path(tempfile.mkdtemp(prefix="hub-bench-sync-"))
        hub = Hub(root, skus, f"path = {root}/channel.jsonl")
        try:
            per = EVENTS // 2
            batches = [[webhook(hub.port, f"o{run}-{w}-{i}", skus[(w * per + i) % len(skus)]) for i in range(per)]
                       for w in range(2)]
            res, elapsed = send_load(hub.port, batches, 64)
            ok = sum(r[0] for r in res)
            bad = sum(r[1] for r in res)
            if bad:
                print(f"warning: {bad} webhooks not answered 200", file=sys.stderr)
            st = hub.ctl("status")["tenants"][0]
            rates.append(ok / elapsed)
            assert st["events_in"] >= ok, st
        finally:
            hub.stop()
            shutil.rmtree(root, ignore_errors=True)
    m = median(rates)
    print(f"durable_signed_webhooks_per_s\t{m:.0f}\tevents/s\t20000\t{m / 20000:.2f}")


# ------------------------------------------------------------------ a channel that records arrivals
class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, rate=0.0):
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.lock = threading.Lock()
        self.arrived = {}   # sku -> first arrival (time.time())
        self.calls = {"inventory": 0, "listings": 0}
        self.rate = rate
        self.next_ok = 0.0


class ReceiverHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes

    def log_message(self, *a):
        pass

    def do_POST(self):
        now = time.time()
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        srv = self.server
        kind = self.path.rsplit("/", 1)[-1]
        with srv.lock:
            if srv.rate and now < srv.next_ok:
                wait = srv.next_ok - now
                out = json.dumps({"error": "rate limited"}).encode()
                self.send_response(429)
                self.send_header("Retry-After", str(max(1, math.ceil(wait))))
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)
                return
            if srv.rate:
                srv.next_ok = now + 1.0 / srv.rate
            srv.calls[kind] = srv.calls.get(kind, 0) + 1
            for it in body["items"]:
                srv.arrived.setdefault(it["sku"], now)
        out = json.dumps({"results": [{"sku": it["sku"], "status": "ok", "id": f"L-{it['sku']}"}
                                      for it in body["items"]]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        if srv.rate:
            self.send_header("X-RateLimit-Limit", "1")
            self.send_header("X-RateLimit-Remaining", "0")
            self.send_header("X-RateLimit-Reset-Ms", str(int(1000 / srv.rate)))
        self.end_headers()
        self.wfile.write(out)

    def do_GET(self):
        out = b'{"items":[]}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


def http_channel(root, recv, rate="unlimited"):
    """The example plugin in HTTP mode; its declared 50 req/s lifted unless given."""
    return f"url = http://127.0.0.1:{recv.server_address[1]}\ntoken = file:{root}/token\npush_rate = {rate}"


def settle(hub, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and hub.depth():
        time.sleep(0.2)


# ------------------------------------------------------------------ 2. latency at 1k events/s
def bench_latency():
    p50s, p99s = [], []
    n = int(os.environ.get("BENCH_LATENCY_EVENTS", "5000"))
    skus = [f"L{i:05d}" for i in range(n)]
    for run in range(RUNS):
        root = Path(tempfile.mkdtemp(prefix="hub-bench-lat-"))
        recv = Receiver()
        threading.Thread(target=recv.serve_forever, daemon=True).start()
        hub = Hub(root, skus, http_channel(root, recv))
        try:
            settle(hub)
            time.sleep(0.5)
            with recv.lock:
                recv.arrived.clear()
            s = None
            sent = {}
            start = time.monotonic()
            for i, sku in enumerate(skus):
                if i % 500 == 0:  # hubd ends a keep-alive connection after 1000 requests
                    if s:
                        s.close()
                    s = socket.create_connection(("127.0.0.1", hub.port))
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                due = start + i / 1000.0
                while time.monotonic() < due:
                    pass
                req = webhook(hub.port, f"lat{run}-{i}", sku)
                sent[sku] = time.time()
                s.sendall(req)
                resp = s.recv(65536)  # one small answer per request
                assert b" 200 " in resp.split(b"\r\n", 1)[0], resp[:80]
            s.close()
            time.sleep(1.0)
            with recv.lock:
                lat = [(recv.arrived[k] - sent[k]) * 1000 for k in sent if k in recv.arrived]
            if len(lat) < len(sent):
                print(f"warning: {len(sent) - len(lat)} pushes never arrived", file=sys.stderr)
            p50s.append(pct(lat, 50))
            p99s.append(pct(lat, 99))
        finally:
            hub.stop()
            recv.shutdown()
            shutil.rmtree(root, ignore_errors=True)
    print(f"propagation_latency_p50_at_1k_events_s\t{median(p50s):.2f}\tms\t5\t{5 / max(median(p50s), 1e-6):.2f}")
    print(f"propagation_latency_p99_at_1k_events_s\t{median(p99s):.2f}\tms\t5\t{5 / max(median(p99s), 1e-6):.2f}")


# ------------------------------------------------------------------ 3. API calls for a burst
def bench_calls():
    ratios = []
    skus = [f"C{i:04d}" for i in range(500)]
    batch = 100
    for run in range(RUNS):
        root = Path(tempfile.mkdtemp(prefix="hub-bench-calls-"))
        recv = Receiver()
        threading.Thread(target=recv.serve_forever, daemon=True).start()
        hub = Hub(root, skus, http_channel(root, recv, rate="2"))  # configured like the channel's plan
        try:
            settle(hub, timeout=300)
            time.sleep(0.5)
            recv.rate = 2.0  # the channel allows 2 calls per second
            with recv.lock:
                recv.calls = {"inventory": 0, "listings": 0}
            reqs = [webhook(hub.port, f"burst{run}-{i}", skus[i % len(skus)]) for i in range(5000)]
            send_load(hub.port, [reqs], 32)
            settle(hub, timeout=300)
            minimum = math.ceil(len(skus) / batch)
            ratios.append(recv.calls["inventory"] / minimum)
        finally:
            hub.stop()
            recv.shutdown()
            shutil.rmtree(root, ignore_errors=True)
    m = median(ratios)
    print(f"api_calls_for_burst_vs_minimum\t{m:.2f}\tx\t1.05\t{1.05 / m:.2f}")


if __name__ == "__main__":
    which = sys.argv[1:] or ["throughput", "latency", "calls"]
    if "throughput" in which:
        bench_throughput()
    if "latency" in which:
        bench_latency()
    if "calls" in which:
        bench_calls()
