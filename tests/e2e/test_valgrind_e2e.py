"""The end-to-end path under valgrind: import, adjust, webhook-free admin writes,
pushes, reload, graceful stop - no invalid access, no leak (valgrind's exit code)."""
import os
import shutil

import pytest

from conftest import Hub, read_jsonl, wait_for
from test_core_e2e import EXAMPLE_TENANT, catalog_skus, settle

pytestmark = pytest.mark.skipif(os.environ.get("HUB_SAN") == "1" or not shutil.which("valgrind"),
                                reason="valgrind does not run sanitizer builds")


def test_core_path_is_clean_under_valgrind(tmp_path, sample_catalog):
    hub = Hub(tmp_path, valgrind=True)
    out = tmp_path / "example.jsonl"
    hub.write_tenant(EXAMPLE_TENANT.format(path=out))
    hub.start()
    try:
        hub.hubctl("import", hub.tenant, sample_catalog)
        skus = catalog_skus(sample_catalog)
        wait_for(lambda: len(read_jsonl(out)) >= 2 * len(skus), timeout=120, what="initial push under valgrind")
        hub.hubctl("stock", "adjust", hub.tenant, skus[0], "+1", "--reason", "valgrind")
        r = hub.hubctl("reload", hub.tenant, json_out=True)
        assert r.json["ok"] is True
        hub.hubctl("status", json_out=True)
        settle(out, quiet=2.0, timeout=120)
    finally:
        hub.stop()  # asserts valgrind's exit code is 0 (no errors, no definite leaks)
    logs = list(tmp_path.glob("valgrind.*.log"))
    assert logs and all("ERROR SUMMARY: 0 errors" in l.read_text() for l in logs)
