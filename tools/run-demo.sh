#!/bin/sh
# `make run`: hubd on the demo tenant of conf.d/, with the sample catalog imported
# (idempotent: a second run imports nothing new).  Ctrl-C stops hubd gracefully.
set -eu
cd "$(dirname "$0")/.."
CONF=${HUB_CONFIG:-conf.d}
BIN=${HUB_BIN_DIR:-bin}
# The demo's shop channels run in dry-run: nothing leaves the machine, so
# placeholder credentials are enough for them to build (and record) requests.
# Set the real variables to use your own; a channel switched to live needs them.
for v in DEMO_SHOPIFY_TOKEN DEMO_SHOPIFY_WEBHOOK_SECRET DEMO_TIKTOK_APP_SECRET DEMO_TIKTOK_ACCESS_TOKEN \
         DEMO_TIKTOK_REFRESH_TOKEN DEMO_AMAZON_CLIENT_ID DEMO_AMAZON_CLIENT_SECRET DEMO_AMAZON_REFRESH_TOKEN; do
    eval "[ -n \"\${$v:-}\" ] || export $v=demo-dry-run-placeholder"
done
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
