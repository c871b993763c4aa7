"""Retention (hubd's housekeeping, core/sync/housekeep.c): applied inbox records
go after inbox_retention, an idempotency key is remembered for
idempotency_retention - a redelivery within it is still a duplicate, after it
the same key is a new event - and both are counted in hub_pruned_total."""
import re
import time
import urllib.request

from conftest import wait_for
from test_admin_http import call, token
from test_core_e2e import catalog_skus

# Tiny retentions so the test sees them pass; housekeeping every second.
TENANT = """[tenant]
currency = EUR
idempotency_retention = 6s
inbox_retention = 1s
housekeeping_interval = 1s

[channel example]
plugin = example
mode = live
path = {path}
"""


def pruned(hub, kind):
    text = urllib.request.urlopen(f"http://127.0.0.1:{hub.port}/metrics", timeout=10).read().decode()
    for line in text.splitlines():
        if line.startswith("hub_pruned_total{") and f'kind="{kind}"' in line and f'tenant="{hub.tenant}"' in line:
            return int(float(line.rsplit(" ", 1)[1]))
    return None


def on_hand(hub, sku):
    return hub.hubctl("stock", "get", hub.tenant, sku, json_out=True).json["on_hand"]


def stored(hub):
    """(inbox records, idempotency keys) in the tenant's store (hubctl status)."""
    t = hub.hubctl("status", hub.tenant, json_out=True).json["tenants"][0]
    return t["inbox_records"], t["idempotency_keys"]


def test_keys_forgotten_after_retention_duplicates_within(hub, sample_catalog):
    hub.write_tenant(TENANT.format(path=hub.root / "example.jsonl"))
    hub.start()
    assert pruned(hub, "inbox") == 0 and pruned(hub, "idempotency") == 0
    hub.hubctl("import", hub.tenant, sample_catalog)
    sku = catalog_skus(sample_catalog)[3]
    writer = token(hub, "writer", "stock:write", tenant=hub.tenant)
    before = on_hand(hub, sku)

    # The import's records are removed once a second old.
    wait_for(lambda: stored(hub) == (0, 0), what="the import's inbox records pruned")
    imported = pruned(hub, "inbox")
    assert imported > 0

    def adjust():
        code, r = call(hub, "POST", f"/admin/t/{hub.tenant}/stock/{sku}", writer,
                       {"adjust": 1, "reason": "retention test"}, {"Idempotency-Key": "redelivered-1"})
        assert code == 200, r
        return r["status"]

    assert adjust() == "committed"
    first = time.monotonic()
    assert stored(hub) == (1, 1)
    # Housekeeping ran after the delivery (its inbox record is gone), but the
    # key is within its retention: a redelivery is still a duplicate.
    wait_for(lambda: stored(hub) == (0, 1), what="the delivery's inbox record pruned, its key kept")
    assert pruned(hub, "inbox") == imported + 1
    assert time.monotonic() - first < 5, "too slow to check within the 6 s retention"
    assert adjust() == "duplicate"
    assert on_hand(hub, sku) == before + 1

    # Once the retention has passed, the key is forgotten: the same key is a new event.
    wait_for(lambda: stored(hub) == (0, 0), timeout=30, what="the idempotency key forgotten")
    assert time.monotonic() - first >= 6
    assert pruned(hub, "idempotency") == 1
    assert adjust() == "committed"
    assert on_hand(hub, sku) == before + 2
    # ... and remembered again from then on.
    assert adjust() == "duplicate"
    assert on_hand(hub, sku) == before + 2

    log = hub.log.read_text()
    assert re.search(r"housekeeping: removed \d+ inbox record\(s\) older than 1s", log), log
    assert "housekeeping: forgot 1 idempotency key(s) older than 6s" in log
    assert "idempotency_retention = 6s is shorter than channels' redelivery windows" in log


def test_zero_keeps_forever(hub, sample_catalog):
    hub.write_tenant(TENANT.format(path=hub.root / "example.jsonl")
                     .replace("idempotency_retention = 6s", "idempotency_retention = 0")
                     .replace("inbox_retention = 1s", "inbox_retention = 0"))
    hub.start()
    hub.hubctl("import", hub.tenant, sample_catalog)
    sku = catalog_skus(sample_catalog)[3]
    writer = token(hub, "writer", "stock:write", tenant=hub.tenant)
    body = {"adjust": 1, "reason": "retention test"}
    code, r = call(hub, "POST", f"/admin/t/{hub.tenant}/stock/{sku}", writer, body, {"Idempotency-Key": "k"})
    assert code == 200 and r["status"] == "committed"
    records = stored(hub)
    assert records[0] > 1 and records[1] == 1
    time.sleep(2.5)  # two housekeeping intervals
    code, r = call(hub, "POST", f"/admin/t/{hub.tenant}/stock/{sku}", writer, body, {"Idempotency-Key": "k"})
    assert code == 200 and r["status"] == "duplicate"
    assert stored(hub) == records
    assert pruned(hub, "inbox") == 0 and pruned(hub, "idempotency") == 0
    assert "housekeeping:" not in hub.log.read_text()
