"""Hot reload: a saved mapping goes live (and is re-projected); a broken save is
refused, the previous version keeps running, and it is reported everywhere."""
import shutil
import time
import urllib.request

from conftest import SRC, read_jsonl, wait_for
from test_core_e2e import settle


def setup_tenant(hub):
    out = hub.root / "example.jsonl"
    script = hub.root / "example.lua"
    shutil.copy(SRC / "scripts" / "example.lua", script)
    hub.write_tenant(f"""[tenant]
currency = EUR

[channel example]
plugin = example
mapping = {script}
path = {out}
""")
    return out, script


def script_status(hub):
    t = hub.hubctl("status", hub.tenant, json_out=True).json["tenants"][0]
    return next(s for s in t["scripts"] if s["channel"] == "example")


def save(path, text):
    # Editors write a temp file and rename it over the original.
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.rename(path)


def test_save_reloads_and_broken_save_keeps_previous(hub, sample_catalog):
    out, script = setup_tenant(hub)
    hub.start()
    hub.hubctl("import", hub.tenant, sample_catalog)
    n = len(settle(out))
    skus = {l["sku"] for l in read_jsonl(out)}
    assert script_status(hub)["version"] == 1

    good = script.read_text().replace("status = product.status or \"active\",",
                                      "status = product.status or \"active\",\n        note = \"v2\",")
    assert "note" in good
    save(script, good)
    wait_for(lambda: script_status(hub)["version"] == 2, what="reload to version 2")
    # Every listing changed, so every SKU is pushed again with the new field, once.
    new = wait_for(lambda: (l := read_jsonl(out)[n:]) and len(l) >= len(skus) and l, what="re-projection")
    new = settle(out)[n:]
    listings = [l for l in new if l["op"] == "listing"]
    assert sorted(l["sku"] for l in listings) == sorted(skus)
    assert all(l["payload"]["note"] == "v2" for l in listings)
    assert not [l for l in new if l["op"] == "stock"]  # quantities did not change

    # A broken save: refused, version 2 keeps running, and it is reported.
    save(script, good + "\nfunction to_channel(  -- syntax error\n")
    st = wait_for(lambda: (s := script_status(hub))["reload_failures"] >= 1 and s, what="refused reload")
    assert st["version"] == 2 and "example.lua" in (st["last_error"] or "")
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{hub.port}/metrics").read().decode()
    assert "hub_script_reload_failures_total{" in metrics
    assert "refused" in hub.log.read_text()
    # The previous version still maps: an adjustment is pushed as before.
    sku = sorted(skus)[0]
    count = len(settle(out))
    hub.hubctl("stock", "adjust", hub.tenant, sku, "+1", "--reason", "test")
    wait_for(lambda: len(read_jsonl(out)) > count, what="push after refused reload")
    # `hubctl reload` says the same.
    r = hub.hubctl("reload", hub.tenant, check=False, json_out=True)
    assert r.returncode == 1 and r.json["ok"] is False and "error" in r.json["results"][0]

    # A save that compiles but fails its smoke test is refused too.
    save(script, good.replace("local listing = {", "error('boom')\n    local listing = {"))
    wait_for(lambda: script_status(hub)["reload_failures"] >= 3, what="smoke test refusal")
    assert script_status(hub)["version"] == 2
