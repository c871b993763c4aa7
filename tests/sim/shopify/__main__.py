"""Start the Shopify simulator (README.md "Start-up contract").

    /usr/bin/python3 -m tests.sim.shopify --port 0 --shop demo-shop.myshopify.com --token shpat_test \
        --webhook-secret S --hub-url http://127.0.0.1:8080/t/demo/shopify/webhooks \
        [--plan standard|advanced|plus|enterprise] [--api-versions 2025-10,2026-01,2026-04]

Prints "listening <port>" when ready; stops on SIGTERM/SIGINT, or when stdin is a pipe and reaches EOF.
"""
import argparse
import os
import re
import signal
import stat
import sys
import threading

from .control import State
from .server import Handler, Server
from .throttle import PLANS
from .webhooks import Sender


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="python3 -m tests.sim.shopify", description="Shopify simulator")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--shop", default="demo-shop.myshopify.com")
    ap.add_argument("--token", default="shpat_test")
    ap.add_argument("--webhook-secret", default="sim-webhook-secret")
    ap.add_argument("--hub-url", default="", help="full webhook URL (empty: only API subscriptions get webhooks)")
    ap.add_argument("--plan", default="standard", choices=sorted(PLANS))
    ap.add_argument("--api-versions", default="2025-10,2026-01,2026-04")
    ap.add_argument("--webhook-version", default=None, help="X-Shopify-API-Version of webhooks (default: newest)")
    ap.add_argument("--locations", default="Shop location", help="comma-separated names; the first is Location/1")
    ap.add_argument("--currency", default="USD")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--huge-ids", action="store_true", help="numeric ids above 2**53, like Shopify's examples")
    a = ap.parse_args(argv)
    versions = sorted(v.strip() for v in a.api_versions.split(",") if v.strip())
    if not versions or not all(re.match(r"^\d{4}-(01|04|07|10)$", v) for v in versions):
        ap.error("--api-versions is a comma-separated list of YYYY-MM quarterly versions")
    a.versions = versions
    if a.webhook_version is None:
        a.webhook_version = versions[-1]
    return a


def stdin_is_pipe():
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def main(argv=None):
    a = parse_args(argv)
    srv = Server((a.host, a.port), Handler)
    srv.state = State(a.shop, a.token, a.webhook_secret, a.hub_url, a.plan, a.versions, a.webhook_version,
                      a.seed, [n.strip() for n in a.locations.split(",") if n.strip()], a.currency, a.huge_ids)
    srv.sender = Sender(srv.state)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        stop.set()

    if stdin_is_pipe():  # a pipe from the test that started us; not /dev/null, not a tty
        threading.Thread(target=watch_stdin, daemon=True).start()
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    print(f"listening {srv.server_address[1]}", flush=True)
    while not stop.wait(0.2):
        pass
    srv.shutdown()
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
