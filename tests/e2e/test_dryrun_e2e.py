"""Dry-run: every request a channel would send is recorded (credentials masked)
and shown by `hubctl dry-run`; nothing leaves the machine; the shadow follows,
so nothing is pushed twice."""
import socket

from conftest import free_port, read_jsonl, wait_for
from test_core_e2e import catalog_skus


def closed_port():
    # A port nobody listens on: any request that really went out would fail there.
    return free_port()


def test_dry_run_records_and_sends_nothing(hub, sample_catalog):
    secret = "tok-" + "9" * 24
    (hub.root / "token").write_text(secret + "\n")
    port = closed_port()
    listener = socket.socket()
    listener.bind(("127.0.0.1", port))
    listener.listen(16)           # accept nothing: a connection attempt would be seen
    listener.settimeout(0.1)
    hub.write_tenant(f"""[tenant]
currency = EUR

[channel example]
mode = dry-run
url = http://127.0.0.1:{port}
token = file:{hub.root / 'token'}
""")
    hub.start()
    hub.hubctl("import", hub.tenant, sample_catalog)
    skus = catalog_skus(sample_catalog)

    def recorded():
        r = hub.hubctl("dry-run", hub.tenant, "example", "--all", json_out=True).json["requests"]
        return r if sum(len(q.get("body", {}).get("items", [])) for q in r) >= 2 * len(skus) else None

    reqs = wait_for(recorded, timeout=60, what="dry-run records for every SKU")
    assert {q["method"] for q in reqs} == {"POST"}
    assert {q["url"].rsplit("/", 1)[-1] for q in reqs} == {"inventory", "listings"}
    pushed = {it["sku"] for q in reqs if q["url"].endswith("/inventory") for it in q["body"]["items"]}
    assert pushed == set(skus)
    # Credentials never written down; the record says where it would have gone.
    raw = (hub.data / hub.tenant / "dry-run" / "example.jsonl").read_text()
    assert secret not in raw and '"***"' in raw
    # Nothing left the machine.
    try:
        conn, _ = listener.accept()
        conn.close()
        raise AssertionError("a dry-run channel connected to its URL")
    except socket.timeout:
        pass
    finally:
        listener.close()
    # The shadow followed: the outbox is empty and a restart pushes nothing again.
    st = hub.hubctl("status", hub.tenant, json_out=True).json["tenants"][0]["channels"][0]
    assert st["outbox_depth"] == 0 and st["mode"] == "dry-run"
    n = len(read_jsonl(hub.data / hub.tenant / "dry-run" / "example.jsonl"))
    hub.stop()
    hub.start()
    hub.hubctl("stock", "adjust", hub.tenant, skus[0], "+2", "--reason", "dry-run test")
    wait_for(lambda: len(read_jsonl(hub.data / hub.tenant / "dry-run" / "example.jsonl")) > n, what="one more record")
    last = read_jsonl(hub.data / hub.tenant / "dry-run" / "example.jsonl")[n:]
    assert [it["sku"] for q in last for it in q["body"]["items"]] == [skus[0]]
    text = hub.hubctl("dry-run", hub.tenant, "example", "--last", "1").stdout
    assert "POST http://127.0.0.1" in text and skus[0] in text
