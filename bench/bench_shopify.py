#!/usr/bin/python3
"""A full catalog push to Shopify at the Standard plan's limits.

Generates BENCH_SHOPIFY_SKUS SKUs (default 10,000) as products of
BENCH_SHOPIFY_VARIANTS variants (default 20: 5 sizes x 4 colours), starts the
Shopify simulator (tests/sim/shopify) on the Standard plan (bucket 2000 points,
restore 100 points/s), starts hubd with one shopify channel pointed at it,
imports the catalog and measures how long the push takes, from the first API
call the simulator sees to the last, until every product, price and stock
level is in the simulator (checked).

The theoretical minimum those limits allow: the catalog needs at least one
productSet per product (Shopify creates the variants with their stock in it),
costing 10 + ceil(0.2 x variants) points each (docs/channels/shopify.md
section 2).  The bucket starts full, so
    T_min = max(0, sum of productSet costs - bucket size) / restore rate.
Everything else the plugin sends (the SKU lookups that keep it from
duplicating products already in the shop, stock it could not set at
creation) and every idle moment counts against it.  Aim: T <= 1.1 x T_min.

Prints `metric<TAB>median<TAB>unit<TAB>aim<TAB>ratio` lines (median of
BENCH_RUNS runs, default 3); ratio >= 1 means the aim is met.
"""
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

SRC = Path(os.environ.get("HUB_SRC_DIR", Path(__file__).resolve().parents[1]))
BIN = Path(os.environ.get("HUB_BIN_DIR", SRC / "bin"))
PLUGINS = Path(os.environ.get("HUB_PLUGIN_DIR", SRC / "plugins"))
N = int(os.environ.get("BENCH_SHOPIFY_SKUS", "10000"))
PER = int(os.environ.get("BENCH_SHOPIFY_VARIANTS", "20"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
AIM = 1.1
TOKEN = "shpat_bench"
SECRET = "bench-secret"
SIZES = ["XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL"]
COLOURS = ["black", "white", "navy", "red", "green", "grey", "sand", "olive"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gen_catalog(path, n, per):
    nsize = min(len(SIZES), max(1, round(math.sqrt(per))))
    products = []
    with open(path, "w") as f:
        for p in range((n + per - 1) // per):
            count = min(per, n - p * per)
            variants = []
            for i in range(count):
                size, colour = SIZES[i % nsize], COLOURS[(i // nsize) % len(COLOURS)]
                variants.append({"sku": f"SB{p:05d}-{size}-{colour[:3].upper()}{i // (nsize * len(COLOURS)) or ''}",
                                 "options": {"size": size, "colour": colour + (str(i // (nsize * len(COLOURS)))
                                                                               if i >= nsize * len(COLOURS) else "")},
                                 "price": 1990 + (p % 50) * 100 + (i % 3) * 5, "currency": "EUR",
                                 "stock": {"default": (p * 7 + i) % 40}})
            f.write(json.dumps({"id": f"bench-tee-{p:05d}", "title": f"Bench Tee {p}", "brand": "Bench",
                                "category": "Apparel > T-shirts", "options": ["size", "colour"],
                                "images": [f"https://cdn.example.com/bench/{p}.jpg"],
                                "status": "active", "variants": variants}) + "\n")
            products.append(count)
    return products


def call(base, method, path, body=None):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None,
                                 method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=300) as r:
        return json.loads(r.read() or b"{}")


def one_run(catalog, counts, root):
    conf, data = root / "conf.d", root / "var"
    conf.mkdir(parents=True)
    port = free_port()
    simlog = open(root / "sim.log", "wb")
    sim = subprocess.Popen(["/usr/bin/python3", "-m", "tests.sim.shopify", "--port", "0", "--token", TOKEN,
                            "--webhook-secret", SECRET, "--plan", "standard", "--currency", "EUR",
                            "--hub-url", f"http://127.0.0.1:{port}/t/bench/shopify/webhooks"],
                           cwd=SRC, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=simlog)
    hubd = None
    try:
        line = sim.stdout.readline().decode()
        if not line.startswith("listening "):
            raise RuntimeError(f"simulator did not start: {line!r}")
        base = f"http://127.0.0.1:{int(line.split()[1])}"
        knobs = call(base, "POST", "/_control", {})["knobs"]["throttle"]
        bucket, restore = knobs["maximumAvailable"], knobs["restoreRate"]
        (conf / "hub.conf").write_text(f"[hub]\nlisten = 127.0.0.1:{port}\ndata_dir = {data}\n"
                                       f"plugin_dir = {PLUGINS}\nscripts_dir = {SRC / 'scripts'}\nlog_level = warn\n")
        (conf / "bench.conf").write_text(
            "[tenant]\ncurrency = EUR\nbuffer = 0\n\n[channel shopify]\nplugin = shopify\nmode = live\n"
            f"shop = bench.myshopify.com\nendpoint = {base}\napi_version = 2026-04\n"
            "access_token = env:BENCH_SHOPIFY_TOKEN\nwebhook_secret = env:BENCH_SHOPIFY_SECRET\n"
            "location_id = gid://shopify/Location/1\npoll_interval = 1h\n")
        env = dict(os.environ, HUB_CONFIG=str(conf), BENCH_SHOPIFY_TOKEN=TOKEN, BENCH_SHOPIFY_SECRET=SECRET)
        env.pop("HUB_PLUGIN_DIR", None)
        hubd = subprocess.Popen([str(BIN / "hubd"), "--config", str(conf)], stdout=subprocess.PIPE,
                                stderr=open(root / "hubd.log", "wb"), env=env)
        if b"hubd ready" not in hubd.stdout.readline():
            raise RuntimeError(f"hubd did not start; see {root}/hubd.log")
        subprocess.run([str(BIN / "hubctl"), "--config", str(conf), "--quiet", "import", "bench", str(catalog)],
                       check=True, env=env, stdout=subprocess.DEVNULL, timeout=600)
        deadline = time.monotonic() + 900
        while True:
            st = json.loads(subprocess.run([str(BIN / "hubctl"), "--config", str(conf), "--json", "status", "bench"],
                                           capture_output=True, env=env, timeout=60).stdout)
            ch = st["tenants"][0]["channels"][0]
            if ch["outbox_depth"] == 0 and ch.get("in_flight", 0) == 0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the push did not finish in 15 minutes")
            time.sleep(0.5)
        state = call(base, "GET", "/_state")
        if os.environ.get("BENCH_SHOPIFY_DUMP"):
            Path(os.environ["BENCH_SHOPIFY_DUMP"]).write_text(json.dumps(state["log"]))
        log = [e for e in state["log"] if e.get("ops") and "orders" not in e["ops"]]
        elapsed = max(e["t"] for e in log) - min(e["t"] for e in log)
        # Everything arrived, exactly.
        products = state["products"]
        assert len(products) == len(counts), (len(products), len(counts))
        assert sum(len(p["variants"]) for p in products) == sum(counts)
        inv = state["inventory"]
        shown = {sku: locs["1"]["available"] for sku, locs in inv.items()}
        want = {}
        for l in open(catalog):
            for v in json.loads(l)["variants"]:
                want[v["sku"]] = v["stock"]["default"]
        assert shown == want, "stock in the simulator differs from the catalog"
        assert ch["dead_letters"] == 0
        ops = state["counters"]["by_operation"]
        points = sum(e.get("actual") or 0 for e in log)
        return {"elapsed": elapsed, "bucket": bucket, "restore": restore, "ops": ops, "points": points,
                "throttled": state["counters"]["throttled"], "calls": len(log)}
    finally:
        if hubd and hubd.poll() is None:
            hubd.terminate()
            hubd.wait(timeout=60)
        sim.stdin.close()
        sim.wait(timeout=30)
        sim.stdout.close()
        simlog.close()


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def main():
    tmp = Path(tempfile.mkdtemp(prefix="bench-shopify-"))
    try:
        catalog = tmp / "catalog.jsonl"
        counts = gen_catalog(catalog, N, PER)
        results = [one_run(catalog, counts, tmp / f"run{i}") for i in range(RUNS)]
        r0 = results[0]
        need = sum(10 + math.ceil(0.2 * c) for c in counts)
        t_min = max(0.0, need - r0["bucket"]) / r0["restore"]
        times = [r["elapsed"] for r in results]
        factors = [t / t_min for t in times] if t_min > 0 else [1.0 for _ in times]
        t, f = median(times), median(factors)
        label = f"{N // 1000}k" if N % 1000 == 0 else str(N)
        print(f"shopify_catalog_push_{label}_skus_seconds\t{t:.1f}\ts\t<= {AIM * t_min:.1f}\t"
              f"{(AIM * t_min / t) if t > 0 else 0:.2f}")
        print(f"shopify_push_vs_theoretical_min\t{f:.3f}\tx\t<= {AIM}\t{AIM / f:.2f}")
        print(f"shopify_theoretical_min_seconds\t{t_min:.1f}\ts\t-\t-")
        print(f"shopify_points_spent_vs_needed\t{median([r['points'] for r in results]) / need:.3f}\tx\t-\t-")
        print(f"shopify_api_calls_per_run\t{median([r['calls'] for r in results]):.0f}\tcalls\t-\t-")
        print(f"# {N} SKUs in {len(counts)} products; Standard plan bucket {r0['bucket']:.0f} restore "
              f"{r0['restore']:.0f}/s; productSet points needed {need}; runs {', '.join(f'{x:.1f}s' for x in times)}; "
              f"ops {json.dumps(r0['ops'], sort_keys=True)}; throttled {r0['throttled']}", file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
