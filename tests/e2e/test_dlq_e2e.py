"""Dead letters: a channel's permanent refusal is kept with its own text, shown by
hubctl, retried or dropped on demand; nothing else is held up by it."""
from conftest import read_jsonl, wait_for
from test_core_e2e import catalog_skus, settle

TENANT = """[tenant]
currency = EUR

[channel example]
plugin = example
path = {path}
{extra}
"""


def test_refused_ops_go_to_dead_letters_and_can_be_retried(hub, sample_catalog):
    out = hub.root / "example.jsonl"
    skus = catalog_skus(sample_catalog)
    bad = skus[3]
    hub.write_tenant(TENANT.format(path=out, extra=f"fail_skus = {bad}"))
    hub.start()
    hub.hubctl("import", hub.tenant, sample_catalog)
    settle(out)
    pushed = {l["sku"] for l in read_jsonl(out)}
    assert bad not in pushed and len(pushed) == len(skus) - 1  # the others were not held up

    dl = wait_for(lambda: (d := hub.hubctl("dlq", "list", hub.tenant, json_out=True).json["dead_letters"])
                  and len(d) == 2 and d, what="two dead letters")
    assert {d["sku"] for d in dl} == {bad} and {d["kind"] for d in dl} == {"stock", "listing"}
    assert all("refused by configuration" in d["error"] for d in dl)
    st = hub.hubctl("status", hub.tenant, json_out=True).json["tenants"][0]["channels"][0]
    assert st["dead_letters"] == 2 and st["outbox_depth"] == 0
    text = hub.hubctl("dlq", "list", hub.tenant).stdout
    assert bad in text and "refused by configuration" in text

    # Fix the cause (here: the channel's config), then retry them all.
    hub.stop()
    hub.write_tenant(TENANT.format(path=out, extra=""))
    hub.start()
    r = hub.hubctl("dlq", "retry", hub.tenant, "all", json_out=True)
    assert r.json["count"] == 2
    wait_for(lambda: {l["op"] for l in read_jsonl(out) if l["sku"] == bad} == {"stock", "listing"},
             what="retried ops pushed")
    assert hub.hubctl("dlq", "list", hub.tenant, json_out=True).json["dead_letters"] == []


def test_drop_and_bad_ids(hub, sample_catalog):
    out = hub.root / "example.jsonl"
    bad = catalog_skus(sample_catalog)[0]
    hub.write_tenant(TENANT.format(path=out, extra=f"fail_skus = {bad}"))
    hub.start()
    hub.hubctl("import", hub.tenant, sample_catalog)
    dl = wait_for(lambda: (d := hub.hubctl("dlq", "list", hub.tenant, json_out=True).json["dead_letters"])
                  and len(d) == 2 and d, what="both dead letters (stock and listing)")
    r = hub.hubctl("dlq", "drop", hub.tenant, "999999", check=False)
    assert r.returncode == 1 and "999999" in r.stderr
    r = hub.hubctl("dlq", "retry", hub.tenant, "abc", check=False)
    assert r.returncode == 1
    hub.hubctl("dlq", "drop", hub.tenant, dl[0]["id"])
    left = hub.hubctl("dlq", "list", hub.tenant, json_out=True).json["dead_letters"]
    assert [d["id"] for d in left] == [d["id"] for d in dl[1:]]
