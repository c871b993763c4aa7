#!/usr/bin/python3
"""hubd's memory with 1M SKUs loaded.

Generates a catalog of BENCH_SKUS SKUs (default 1,000,000: 100k products x 10
variants), imports it with hubctl into a tenant whose one channel is paused,
starts hubd and reports its resident memory (VmRSS) at rest and after a full
re-projection of every SKU onto the channel (`hubctl reload` re-projects),
which touches every page of the catalog.  Also reports the import rate.
Prints `metric<TAB>median<TAB>unit<TAB>aim<TAB>ratio` lines (ratio >= 1 = met).
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(os.environ.get("HUB_SRC_DIR", Path(__file__).resolve().parents[1]))
BIN = Path(os.environ.get("HUB_BIN_DIR", SRC / "bin"))
PLUGINS = Path(os.environ.get("HUB_PLUGIN_DIR", SRC / "plugins"))
N = int(os.environ.get("BENCH_SKUS", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
AIM_RSS_MB = 100.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gen_catalog(path, n):
    per = 10
    sizes = ["XS", "S", "M", "L", "XL"]
    colours = ["black", "white"]
    with open(path, "w") as f:
        for p in range(n // per):
            variants = []
            for i in range(per):
                size, colour = sizes[i % 5], colours[i // 5]
                variants.append({"sku": f"B{p:06d}-{size}-{colour[:3].upper()}",
                                 "options": {"size": size, "colour": colour},
                                 "price": 1990 + (p % 50) * 100, "currency": "EUR",
                                 "stock": {"default": (p + i) % 40}})
            f.write(json.dumps({"id": f"bench-{p:06d}", "title": f"Bench Tee {p}", "brand": "Bench",
                                "category": "Apparel > T-shirts", "options": ["size", "colour"],
                                "variants": variants}) + "\n")


def rss_kb(pid, field="VmRSS"):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def main():
    root = Path(tempfile.mkdtemp(prefix="hub-bench-rss-"))
    try:
        conf = root / "conf.d"
        conf.mkdir()
        (conf / "hub.conf").write_text(f"[hub]\nlisten = 127.0.0.1:{free_port()}\ndata_dir = {root}/var\n"
                                       f"plugin_dir = {PLUGINS}\nscripts_dir = {SRC}/scripts\nlog_level = warn\n")
        (conf / "big.conf").write_text(f"[tenant]\ncurrency = EUR\nmap_size_mb = 16384\n\n[channel example]\n"
                                       f"mode = paused\npath = {root}/example.jsonl\n")
        cat = root / "catalog.jsonl"
        gen_catalog(cat, N)
        t0 = time.monotonic()
        p = subprocess.run([str(BIN / "hubctl"), "--config", str(conf), "--quiet", "--json", "import", "big", str(cat)],
                           capture_output=True, text=True)
        import_s = time.monotonic() - t0
        if p.returncode != 0:
            print(p.stdout, p.stderr, file=sys.stderr)
            return 1
        idle, after, anon = [], [], []
        for _ in range(RUNS):
            d = subprocess.Popen([str(BIN / "hubd"), "--config", str(conf)], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL)
            d.stdout.readline()
            time.sleep(1.0)
            idle.append(rss_kb(d.pid) / 1024)
            subprocess.run([str(BIN / "hubctl"), "--config", str(conf), "reload"], capture_output=True, timeout=3600)
            # The re-projection runs chunk by chunk inside hubd; wait for it.
            while True:
                st = json.loads(subprocess.run([str(BIN / "hubctl"), "--config", str(conf), "--json", "status"],
                                               capture_output=True, text=True).stdout)
                if not st["tenants"][0].get("reprojecting"):
                    break
                time.sleep(0.2)
            after.append(rss_kb(d.pid, "VmHWM") / 1024)
            anon.append(rss_kb(d.pid, "RssAnon") / 1024)
            d.terminate()
            d.wait(timeout=120)
        print(f"hubd_rss_idle_{N}_skus\t{median(idle):.1f}\tMB\t{AIM_RSS_MB:.0f}\t{AIM_RSS_MB / median(idle):.2f}")
        # Mostly LMDB's mapped file pages touched by the pass (page cache the
        # kernel can drop), so informational: the aim is on the process's own memory.
        print(f"hubd_vmhwm_incl_mapped_pages_full_projection_{N}_skus\t{median(after):.1f}\tMB\t-\t-")
        print(f"hubd_heap_rss_anon_after_projection_{N}_skus\t{median(anon):.1f}\tMB\t{AIM_RSS_MB:.0f}\t"
              f"{AIM_RSS_MB / median(anon):.2f}")
        print(f"hubctl_import_skus_per_s\t{N / import_s:.0f}\tSKU/s\t-\t-")
        return 0
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
