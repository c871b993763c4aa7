/* hubctl ship - record a shipment of a channel's order; the channel gets the tracking. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "hubctl/hubctl.h"

/* --line SKU:QTY -> {"sku","quantity"} or NULL. */
static json_t *parse_line(const char *arg)
{
    const char *colon = strrchr(arg, ':');
    if (!colon || colon == arg) return NULL;
    int64_t q;
    if (parse_i64(colon + 1, &q) != 0 || q <= 0) return NULL;
    json_t *sku = json_stringn(arg, (size_t)(colon - arg));
    return sku ? json_pack("{s:o, s:I}", "sku", sku, "quantity", (json_int_t)q) : NULL;
}

static int run(struct hubctl *ctl, int argc, char **argv)
{
    if (argc < 4) return 2;
    const char *tenant = argv[1], *channel = argv[2], *order_id = argv[3];
    const char *tracking = NULL, *carrier = NULL, *url = NULL;
    json_t *lines = json_array();
    for (int i = 4; i < argc; i++) {
        if (strcmp(argv[i], "--tracking") == 0 && i + 1 < argc) tracking = argv[++i];
        else if (strcmp(argv[i], "--carrier") == 0 && i + 1 < argc) carrier = argv[++i];
        else if (strcmp(argv[i], "--url") == 0 && i + 1 < argc) url = argv[++i];
        else if (strcmp(argv[i], "--line") == 0 && i + 1 < argc) {
            json_t *l = parse_line(argv[++i]);
            if (!l) {
                json_decref(lines);
                return hubctl_fail(ctl, "--line '%s' is not SKU:QUANTITY with a quantity > 0", argv[i]);
            }
            json_array_append_new(lines, l);
        } else {
            fprintf(stderr, "hubctl ship: unexpected argument '%s'\n", argv[i]);
            json_decref(lines);
            return 2;
        }
    }
    if (!tracking || !*tracking || !carrier || !*carrier) {
        json_decref(lines);
        return hubctl_fail(ctl, "ship needs --tracking NUMBER and --carrier NAME");
    }
    struct tenant *t = hubctl_tenant(ctl, tenant, 1);
    if (!t) {
        json_decref(lines);
        return 1;
    }
    if (!tenant_channel(t, channel)) {
        tenant_close(t);
        json_decref(lines);
        return hubctl_fail(ctl, "tenant '%s' has no channel '%s'", tenant, channel);
    }
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "shipment", "channel", channel, "order_id",
                           order_id, "tracking", tracking, "carrier", carrier);
    if (url) json_object_set_new(ev, "tracking_url", json_string(url));
    if (json_array_size(lines) > 0) json_object_set(ev, "lines", lines);
    json_decref(lines);
    /* The same shipment entered twice is recorded once. */
    char *key = xasprintf("hubctl:ship:%s:%s:%s", channel, order_id, tracking);
    struct engine_event e = {.idem_key = key, .event = ev};
    struct engine_report rep;
    char err[1024];
    int rc = 0;
    if (engine_submit(t, &e, 1, "hubctl", &rep, err, sizeof err) != 0) rc = hubctl_fail(ctl, "%s", err);
    else if (e.status > 0 && e.status != ENGINE_DUPLICATE)
        rc = hubctl_fail(ctl, "refused: %s", e.message ? e.message : "(no reason given)");
    if (rc == 0) {
        int dup = e.status == ENGINE_DUPLICATE;
        if (ctl->json)
            hubctl_print_json(json_pack("{s:s, s:s, s:s, s:s, s:b, s:I}", "tenant", tenant, "channel", channel,
                                        "order_id", order_id, "tracking", tracking, "duplicate", dup,
                                        "outbox_ops", (json_int_t)rep.outbox_ops));
        else if (dup)
            printf("shipment of %s/%s order %s (tracking %s) was already recorded\n", tenant, channel, order_id,
                   tracking);
        else
            printf("shipment of %s/%s order %s recorded (tracking %s, %s); %s is told when hubd pushes it\n",
                   tenant, channel, order_id, tracking, carrier, channel);
        hubctl_kick(ctl, tenant);
    }
    free(e.message);
    free(key);
    json_decref(ev);
    tenant_close(t);
    return rc;
}

const struct hubctl_cmd cmd_ship = {
    .name = "ship",
    .usage = "ship <tenant> <channel> <order_id> --tracking NUMBER --carrier NAME [--url URL] [--line SKU:QTY ...]",
    .summary = "record a shipment of a channel's order; the channel gets the tracking number",
    .help = "Submits a `shipment` event: the ledger records the shipped lines (no stock moves:\n"
            "the order already committed them) and the channel's plugin pushes the tracking\n"
            "number and carrier (Shopify: fulfillmentCreate on the order's open fulfillment\n"
            "orders).  Without --line the whole order ships.  The order id is the channel's\n"
            "(as in `hubctl ledger`); entering the same shipment twice records it once.\n",
    .run = run,
};
