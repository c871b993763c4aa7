"""A third party builds a plugin with only `make install`'s headers and
pkg-config hub-plugin, outside the tree, and the hub's loader accepts it."""
import os
import subprocess

from conftest import SRC


def test_out_of_tree_plugin_builds_with_pkg_config_and_loads():
    env = dict(os.environ, HUB_OOT_STRICT="1", HUB_SRC_DIR=str(SRC))
    p = subprocess.run(["sh", str(SRC / "tests" / "plugin-out-of-tree" / "run.sh")], capture_output=True,
                       text=True, env=env, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "hub-plugin" in p.stdout
