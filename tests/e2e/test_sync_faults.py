"""Faults on the channel: 5xx, latency, timeouts, malformed answers and reset
connections for a while, with stock changing meanwhile; once the faults stop
the channel converges to the hub, nothing was dead-lettered, and the
channel's per-item refusals do go to the dead letters with its own text."""
import random
import time

from sim_fixtures import (SAN, admin, available, channel_status, http_tenant, make_catalog, sim, stock,
                          wait_converged, wait_settled)

__all__ = ["sim"]


def test_faults_then_converge(hub, sim, tmp_path):
    cat = tmp_path / "catalog.jsonl"
    skus = make_catalog(cat, products=5, variants=4, stock=lambda r: r.randint(0, 40))
    # Short client timeout so held answers time out quickly.
    http_tenant(hub, sim, timeout="700ms")
    hub.start()
    hub.hubctl("import", hub.tenant, cat)
    wait_converged(hub, sim, skus)

    # Each kind of fault surely happens (the script), then at random (seeded).
    sim.control(script=["error", "timeout", "ok", "malformed", "reset", "ok", "error", "malformed"])
    sim.control(seed=99, error_rate=0.25, latency_ms=30, timeout_rate=0.12, timeout_ms=1500,
                malformed_rate=0.12, reset_rate=0.12)
    rnd = random.Random(3)
    # A fixed number of rounds, not a fixed time: under the sanitizers each
    # hubctl call is slower, and the test must still make all its changes.
    changes = 0
    for _ in range(8):
        for sku in rnd.sample(skus, 3):
            hub.hubctl("stock", "set", hub.tenant, sku, str(rnd.randint(0, 60)))
            changes += 1
        if changes == 12:  # a reconcile meets the faults too: it fails cleanly or succeeds
            assert admin(hub, {"cmd": "reconcile", "tenant": hub.tenant, "channel": "example"})["ok"]
        time.sleep(0.6 if SAN else 0.4)
    sim.control(error_rate=0, latency_ms=0, timeout_rate=0, malformed_rate=0, reset_rate=0)

    got = wait_converged(hub, sim, skus, timeout=150)
    st = sim.state()
    faults = st["counters"]["faults"]
    for kind in ("error", "timeout", "malformed", "reset"):
        assert faults.get(kind, 0) >= 1, f"fault '{kind}' never injected: {faults}"
    c = channel_status(hub)
    assert c["dead_letters"] == 0, c
    # Every push answered 5xx, malformed or too late was taken as a retry (a
    # reset may be retried by libcurl itself on a reused connection, so it is
    # not counted here).
    failed_posts = [e for e in st["log"] if e["method"] == "POST" and e["fault"] in ("error", "malformed", "timeout")]
    # Each failed push was retried.  Not compared one for one with the sim's log:
    # a request the hub timed out on may still be logged late, and libcurl may
    # itself retry a reset on a reused connection.
    assert len(failed_posts) >= 3 and c["pushed_retry"] >= 3, (c, faults)
    # hubd stayed up and consistent.
    assert hub.proc.poll() is None
    assert got == available(hub, skus)
    assert {e["path"] for e in st["log"]} <= {"/v1/inventory", "/v1/listings"}
    assert any(e["method"] == "GET" for e in st["log"])  # the reconcile did call


def test_invalid_items_go_to_dead_letters(hub, sim, tmp_path):
    cat = tmp_path / "catalog.jsonl"
    skus = make_catalog(cat, products=2, variants=3, stock=10)
    http_tenant(hub, sim)
    sim.control(refuse_skus=[skus[1], skus[4]])
    hub.start()
    hub.hubctl("import", hub.tenant, cat)
    c = wait_settled(hub)
    # Two SKUs refused (stock and listing each): four dead letters, the rest pushed.
    assert c["dead_letters"] == 4, c
    assert "is blocked on this channel" in c["last_error"]
    inv = sim.inventory()
    assert sorted(inv) == sorted(set(skus) - {skus[1], skus[4]})
    assert all(inv[s] == stock(hub, s)["available"]["example"] for s in inv)


def test_refused_token_waits_and_recovers(hub, sim, tmp_path):
    """A wrong token: no retry storm (one call per auth_retry), the error is in
    `hubctl status`; fixing the secret file lets the pushes through."""
    cat = tmp_path / "catalog.jsonl"
    skus = make_catalog(cat, products=1, variants=3, stock=5)
    http_tenant(hub, sim, channel_extra="auth_retry = 2s\n")
    (hub.root / "token").write_text("not-the-token\n")
    hub.start()
    hub.hubctl("import", hub.tenant, cat)
    time.sleep(4.5)
    log = sim.api_log()
    assert log and all(e["status"] == 401 for e in log)
    assert len(log) <= 4, [round(e["t"] - log[0]["t"], 2) for e in log]  # about one call per 2 s
    for a, b in zip(log, log[1:]):
        assert b["t"] - a["answered"] >= 2.0 - 0.01
    c = channel_status(hub)
    assert "401" in c["last_error"] and "token" in c["last_error"] and c["dead_letters"] == 0
    assert sim.token not in hub.log.read_text()

    (hub.root / "token").write_text(sim.token + "\n")
    wait_converged(hub, sim, skus, timeout=30)
