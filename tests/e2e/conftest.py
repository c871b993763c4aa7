"""Fixtures for end-to-end tests: a throwaway config dir, a running hubd, hubctl.

Binaries and plugins come from the build the Makefile points at
(HUB_BIN_DIR, HUB_PLUGIN_DIR); with SAN=1 they are the sanitizer builds.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

SRC = Path(os.environ.get("HUB_SRC_DIR", Path(__file__).resolve().parents[2]))
BIN = Path(os.environ.get("HUB_BIN_DIR", SRC / "bin"))
PLUGINS = Path(os.environ.get("HUB_PLUGIN_DIR", SRC / "plugins"))
VALGRIND = os.environ.get("HUB_VALGRIND") == "1"
SAN = os.environ.get("HUB_SAN") == "1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hub:
    """A config dir with one tenant, and helpers to run hubd and hubctl on it."""

    def __init__(self, root: Path, tenant="demo", valgrind=VALGRIND):
        self.root = root
        self.conf = root / "conf.d"
        self.data = root / "var"
        self.conf.mkdir(parents=True)
        self.port = free_port()
        self.tenant = tenant
        self.proc = None
        self.valgrind = valgrind
        self.log = root / "hubd.log"
        self.write_hub_conf()

    def write_hub_conf(self, extra=""):
        (self.conf / "hub.conf").write_text(
            f"""[hub]
listen = 127.0.0.1:{self.port}
data_dir = {self.data}
plugin_dir = {PLUGINS}
scripts_dir = {SRC / 'scripts'}
log_level = debug
{extra}""")

    def write_tenant(self, body, name=None):
        (self.conf / f"{name or self.tenant}.conf").write_text(body)

    def env(self):
        e = dict(os.environ)
        e["HUB_CONFIG"] = str(self.conf)
        e.pop("HUB_PLUGIN_DIR", None)  # the config names the plugin dir
        return e

    def hubctl(self, *args, check=True, json_out=False, input=None):
        cmd = [str(BIN / "hubctl"), "--config", str(self.conf)]
        if json_out:
            cmd.append("--json")
        cmd += [str(a) for a in args]
        p = subprocess.run(cmd, capture_output=True, text=True, env=self.env(), input=input, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"hubctl {' '.join(map(str, args))} -> {p.returncode}\n{p.stdout}\n{p.stderr}")
        if json_out and p.stdout.strip():
            p.json = json.loads(p.stdout)
        return p

    def start(self, wait=True):
        cmd = [str(BIN / "hubd"), "--config", str(self.conf)]
        if self.valgrind:
            cmd = ["valgrind", "--leak-check=full", "--error-exitcode=99", "--errors-for-leak-kinds=definite",
                   f"--log-file={self.root}/valgrind.%p.log"] + cmd
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.logf, env=self.env())
        if wait:
            line = self.proc.stdout.readline()  # valgrind: slow, but readline waits
            if b"hubd ready" not in line:
                self.proc.wait(timeout=10)
                raise AssertionError(f"hubd did not start:\n{self.log.read_text()}")
        return self.proc

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if not self.proc:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=timeout * (10 if self.valgrind else 1))
        self.proc.stdout.close()
        self.logf.close()
        self.proc = None
        if self.valgrind and sig != signal.SIGKILL:
            assert rc == 0, f"hubd exited {rc} under valgrind (errors or leaks); see {self.root}/valgrind.*.log"
        if SAN and sig != signal.SIGKILL:
            # ASan/UBSan/LeakSanitizer findings at shutdown make the exit code non-zero.
            assert rc == 0, f"hubd exited {rc} under the sanitizers; see {self.log}"
        return rc

    def kill9(self):
        return self.stop(signal.SIGKILL)


def npm_ci_once(directory, marker):
    """`npm ci` in directory unless marker exists; serialised across parallel
    test workers with a lock file (npm ci deletes node_modules first)."""
    import fcntl
    if marker.exists():
        return
    npm = shutil.which("npm")
    assert npm, "npm is required for the JavaScript test clients (Node 20 + npm)"
    with open(directory / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists():
            return
        p = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=directory, capture_output=True, text=True,
                           timeout=600)
        assert p.returncode == 0, f"npm ci failed in {directory}:\n{p.stdout}\n{p.stderr}"


@pytest.fixture
def hub(tmp_path):
    h = Hub(tmp_path)
    yield h
    if h.proc:
        rc = h.stop()
        if VALGRIND:
            assert rc == 0, f"hubd exited {rc} under valgrind; see {tmp_path}"


def wait_for(pred, timeout=20.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def read_jsonl(path: Path):
    """The complete lines of a JSON-lines file another process may still be
    appending to (a last line without its newline is not finished yet)."""
    if not path.exists():
        return []
    text = path.read_text()
    if not text.endswith("\n"):
        text = text[:text.rfind("\n") + 1]
    return [json.loads(l) for l in text.splitlines() if l.strip()]


@pytest.fixture
def sample_catalog():
    return SRC / "conf.d" / "samples" / "catalog.jsonl"


# Under the sanitizers (3-4x slower) the suite keeps every test that runs C
# code except the long Shopify scenarios (throttled at a real plan's rate),
# whose plugin paths the Shopify catalog test already drives; HUB_SAN_ALL=1
# runs everything.
SAN_SKIP = ("test_sim_",                       # the simulators' own tests: pure Python
            "test_shopify_faults", "test_shopify_drift", "test_shopify_errors", "test_shopify_orders")


def pytest_collection_modifyitems(config, items):
    if not SAN or os.environ.get("HUB_SAN_ALL") == "1":
        return
    skip = pytest.mark.skip(reason="not run under the sanitizers (HUB_SAN_ALL=1 runs it)")
    for item in items:
        if item.fspath.basename.startswith(SAN_SKIP):
            item.add_marker(skip)
