#!/bin/sh
# Installs the Debian packages hub needs to build and test, or prints the
# exact command when not root.  `--check` only reports (exit 1 if missing).
set -eu

PKGS="gcc make pkg-config libuv1-dev libjansson-dev libcurl4-openssl-dev liblmdb-dev \
liblua5.4-dev libinih-dev libssl-dev node-llhttp libcmocka-dev python3-pytest python3-pytest-xdist \
python3-jsonschema \
python3-yaml lmdb-utils valgrind \
curl"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

if [ -z "$missing" ]; then
    exit 0
fi
if [ "${1:-}" = "--check" ]; then
    echo "missing packages:$missing" >&2
    exit 1
fi
cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "hub: missing Debian packages:$missing" >&2
    echo "hub: run as root:  $cmd" >&2
    exit 1
fi
echo "hub: installing$missing" >&2
sh -c "$cmd" >&2
