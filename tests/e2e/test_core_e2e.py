"""Issue 2 acceptance: hubd on a tenant with the example plugin; import, adjust,
and the channel receives exactly the diffs - and nothing when nothing changed."""
import json
import time
from collections import Counter

from conftest import read_jsonl, wait_for

EXAMPLE_TENANT = """[tenant]
currency = EUR
buffer = 0

[channel example]
plugin = example
mode = live
path = {path}
"""


def setup_example(hub):
    out = hub.root / "example.jsonl"
    hub.write_tenant(EXAMPLE_TENANT.format(path=out))
    return out


def catalog_skus(path):
    skus = []
    for line in path.read_text().splitlines():
        if line.strip():
            skus += [v["sku"] for v in json.loads(line)["variants"]]
    return skus


def settle(path, quiet=1.0, timeout=30):
    """Wait until the channel file stops growing for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    size, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        s = path.stat().st_size if path.exists() else 0
        if s != size:
            size, since = s, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return read_jsonl(path)
        time.sleep(0.05)
    raise AssertionError("channel output never settled")


def test_import_adjust_pushes_exactly_the_diffs(hub, sample_catalog):
    out = setup_example(hub)
    hub.start()
    skus = catalog_skus(sample_catalog)
    assert len(skus) >= 200

    r = hub.hubctl("import", hub.tenant, sample_catalog, json_out=True)
    assert r.json["errors"] == [] or r.json.get("error_count", 0) == 0

    lines = wait_for(lambda: (l := read_jsonl(out)) and len(l) >= 2 * len(skus) and l, what="initial push")
    lines = settle(out)
    kinds = Counter(l["op"] for l in lines)
    # One listing and one stock quantity per SKU: nothing twice, nothing missing.
    assert kinds["listing"] == len(skus), kinds
    assert kinds["stock"] == len(skus), kinds
    assert sorted(l["sku"] for l in lines if l["op"] == "stock") == sorted(skus)

    # The pushed quantity equals the hub's available number.
    sku = skus[0]
    st = hub.hubctl("stock", "get", hub.tenant, sku, json_out=True).json
    pushed = [l for l in lines if l["op"] == "stock" and l["sku"] == sku][-1]
    assert pushed["quantity"] == st["available"]["example"] == max(0, st["on_hand"] - st["reserved"])

    # Importing the same file again changes nothing and pushes nothing.
    before = len(lines)
    r = hub.hubctl("import", hub.tenant, sample_catalog, json_out=True)
    assert r.json["outbox_ops"] == 0
    assert len(settle(out)) == before

    # An adjustment pushes exactly one stock update for that SKU, with the new number.
    hub.hubctl("stock", "adjust", hub.tenant, sku, "+5", "--reason", "found in back room")
    new = wait_for(lambda: read_jsonl(out)[before:], what="adjustment push")
    new = settle(out)[before:]
    assert [(l["op"], l["sku"], l["quantity"]) for l in new] == [("stock", sku, st["available"]["example"] + 5)]

    # The ledger explains the number, and the shadow now matches (map shows no diff).
    led = hub.hubctl("ledger", hub.tenant, sku, json_out=True).json
    assert led["entries"][-1]["kind"] == "adjust" and led["entries"][-1]["reason"] == "found in back room"
    assert sum(e["d_on_hand"] for e in led["entries"]) == led["on_hand"] == st["on_hand"] + 5
    m = hub.hubctl("map", hub.tenant, "example", sku, json_out=True).json
    assert m["diff"] == {}, m["diff"]

    # A restart pushes nothing: the outbox is empty and the shadow is durable.
    count = len(read_jsonl(out))
    hub.stop()
    hub.start()
    time.sleep(1.5)
    assert len(read_jsonl(out)) == count


def test_refused_adjustments_change_nothing(hub, sample_catalog):
    out = setup_example(hub)
    hub.start()
    hub.hubctl("import", hub.tenant, sample_catalog)
    sku = catalog_skus(sample_catalog)[1]
    st = hub.hubctl("stock", "get", hub.tenant, sku, json_out=True).json
    settle(out)
    n = len(read_jsonl(out))

    r = hub.hubctl("stock", "adjust", hub.tenant, sku, "-3", check=False)  # no --reason
    assert r.returncode == 1 and "reason" in r.stderr
    r = hub.hubctl("stock", "adjust", hub.tenant, sku, str(-(st["on_hand"] + 1)), "--reason", "x", check=False)
    assert r.returncode == 1 and sku in r.stderr
    r = hub.hubctl("stock", "adjust", hub.tenant, "NO-SUCH-SKU", "+1", "--reason", "x", check=False)
    assert r.returncode == 1 and "NO-SUCH-SKU" in r.stderr
    r = hub.hubctl("stock", "set", hub.tenant, sku, "-4", check=False)
    assert r.returncode == 1

    after = hub.hubctl("stock", "get", hub.tenant, sku, json_out=True).json
    assert after == st
    led = hub.hubctl("ledger", hub.tenant, sku, json_out=True).json
    assert all(e["kind"] != "adjust" for e in led["entries"])
    time.sleep(0.5)
    assert len(read_jsonl(out)) == n


def test_import_reports_bad_lines_and_keeps_good_ones(hub):
    setup_example(hub)
    mixed = hub.root.parent / "mixed.jsonl"
    from conftest import SRC
    src = SRC / "tests" / "unit" / "import_fixtures" / "mixed.jsonl"
    r = hub.hubctl("import", hub.tenant, src, check=False, json_out=True)
    assert r.returncode == 1
    errs = r.json["errors"]
    assert errs and all("line" in e and e.get("reason") for e in errs)
    assert r.json["products"] >= 1  # the good lines went in
    del mixed


def test_status_and_help_everywhere(hub, sample_catalog):
    setup_example(hub)
    r = hub.hubctl("status", json_out=True)
    assert r.json["hubd_running"] is False
    hub.start()
    hub.hubctl("import", hub.tenant, sample_catalog)
    r = hub.hubctl("status", hub.tenant, json_out=True)
    assert r.json["hubd_running"] is True
    t = r.json["tenants"][0]
    assert t["tenant"] == hub.tenant and t["channels"][0]["name"] == "example"
    assert t["channels"][0]["state"] == "running"
    assert any(s["channel"] == "example" and s["version"] >= 1 for s in t["scripts"])
    for cmd in ["status", "import", "product", "stock", "ledger", "map", "reload", "exceptions", "dlq", "reconcile", "dry-run", "token", "plugins"]:
        p = hub.hubctl(cmd, "--help")
        assert "usage: hubctl " + cmd in p.stdout
    assert "usage: hubctl" in hub.hubctl("--help").stdout


def test_bad_config_refuses_to_start_with_file_and_line(hub):
    hub.write_tenant("[tenant]\ncurrency = EUR\nbufer = 2\n")
    from conftest import BIN
    import subprocess
    p = subprocess.run([str(BIN / "hubd"), "--config", str(hub.conf)], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    assert f"{hub.conf}/demo.conf:3:" in p.stderr and "bufer" in p.stderr
    p = subprocess.run([str(BIN / "hubd"), "--check", "--config", str(hub.conf)], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1


def test_a_broken_tenant_does_not_stop_the_others(hub, sample_catalog):
    out = setup_example(hub)
    # A second tenant whose store is not a hub store: --check names it ...
    bad = hub.data / "other"
    bad.mkdir(parents=True)
    junk = b"this is not an LMDB file" * 400
    (bad / "data.mdb").write_bytes(junk)
    hub.write_tenant("[tenant]\ncurrency = EUR\n", name="other")
    from conftest import BIN
    import subprocess
    p = subprocess.run([str(BIN / "hubd"), "--check", "--config", str(hub.conf)], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "tenant other" in p.stdout and str(bad) in p.stdout
    # ... and at run time the good tenant works while the bad one is reported.
    hub.start()
    hub.hubctl("import", hub.tenant, sample_catalog)
    wait_for(lambda: len(read_jsonl(out)) > 0, what="push for the good tenant")
    st = hub.hubctl("status", json_out=True).json
    by = {t["tenant"]: t for t in st["tenants"]}
    assert by["other"]["state"] == "failed" and by["demo"]["state"] == "running"
    assert (bad / "data.mdb").read_bytes() == junk  # nothing written to it
