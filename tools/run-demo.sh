#!/bin/sh
# `make run`: hubd on the demo tenant of conf.d/, with the sample catalog imported
# (idempotent: a second run imports nothing new).  Ctrl-C stops hubd gracefully.
set -eu
cd "$(dirname "$0")/.."
CONF=${HUB_CONFIG:-conf.d}
BIN=${HUB_BIN_DIR:-bin}
# hubd itself refuses to start on a config error (file:line); a channel whose
# plugin is not built yet only warns and shows as failed in `hubctl status`.
for t in $(ls "$CONF"/*.conf | grep -v '/hub.conf$'); do
    name=$(basename "$t" .conf)
    cat=$(sed -n 's/^[[:space:]]*catalog[[:space:]]*=[[:space:]]*\([^#[:space:]]*\).*/\1/p' "$t" | head -1)
    if [ -n "$cat" ] && [ -f "$cat" ]; then
        echo "importing $cat into tenant $name ..."
        "$BIN"/hubctl --config "$CONF" import "$name" "$cat" || true
    fi
done
echo
echo "hubd starting on the demo tenant: try, in another terminal,"
echo "  bin/hubctl status"
echo "  bin/hubctl stock adjust demo <sku> -1 --reason test && tail -3 var/demo-example.jsonl"
echo "  curl -s localhost:8080/healthz"
echo
exec "$BIN"/hubd --config "$CONF"
