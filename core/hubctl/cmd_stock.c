/* hubctl stock get|set|adjust - read and change a SKU's stock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "hubctl/hubctl.h"

static int add_location(void *arg, const char *location, int64_t on_hand)
{
    json_object_set_new(arg, location, json_integer(on_hand));
    return 0;
}

/* {"sku","on_hand","reserved","locations":{},"available":{channel:n}} or NULL. */
json_t *hubctl_stock_json(struct tenant *t, struct txn *txn, const char *sku);
json_t *hubctl_stock_json(struct tenant *t, struct txn *txn, const char *sku)
{
    struct stock_totals st = {0};
    int rc = store_stock_get(txn, sku, &st);
    if (rc < 0) return NULL;
    char *v = NULL;
    size_t len;
    if (store_variant_get(txn, sku, &v, &len) != 0) return NULL;
    free(v);
    json_t *locs = json_object();
    store_stock_locations(txn, sku, add_location, locs);
    json_t *avail = json_object();
    for (size_t i = 0; i < t->n_channels; i++) {
        int64_t a = engine_available(t, txn, sku, t->channels[i].cfg->name);
        json_object_set_new(avail, t->channels[i].cfg->name, a >= 0 ? json_integer(a) : json_null());
    }
    return json_pack("{s:s, s:I, s:I, s:o, s:o, s:I}", "sku", sku, "on_hand", (json_int_t)st.on_hand,
                     "reserved", (json_int_t)st.reserved, "locations", locs, "available", avail,
                     "ledger_seq", (json_int_t)st.ledger_seq);
}

static void print_stock(json_t *s)
{
    printf("%s  on hand %lld  reserved %lld\n", json_string_value(json_object_get(s, "sku")),
           (long long)json_integer_value(json_object_get(s, "on_hand")),
           (long long)json_integer_value(json_object_get(s, "reserved")));
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(s, "locations"), k, v)
        printf("  location %-16s %lld\n", k, (long long)json_integer_value(v));
    json_object_foreach(json_object_get(s, "available"), k, v) {
        if (json_is_null(v)) printf("  available on %-11s (allocation error)\n", k);
        else printf("  available on %-11s %lld\n", k, (long long)json_integer_value(v));
    }
}

static int stock_get(struct hubctl *ctl, const char *tenant, const char *sku)
{
    struct tenant *t = hubctl_tenant(ctl, tenant, 0);
    if (!t) return 1;
    struct txn *txn = NULL;
    int rc = 1;
    if (txn_begin(t->store, 0, &txn) == 0) {
        json_t *s = hubctl_stock_json(t, txn, sku);
        txn_abort(txn);
        if (!s) rc = hubctl_fail(ctl, "tenant '%s' has no SKU '%s'", tenant, sku);
        else {
            if (ctl->json) hubctl_print_json(s);
            else { print_stock(s); json_decref(s); }
            rc = 0;
        }
    }
    tenant_close(t);
    return rc;
}

/* Options after the positional arguments: --location L --reason R. */
static int parse_opts(int argc, char **argv, int first, const char **location, const char **reason)
{
    for (int i = first; i < argc; i++) {
        if (strcmp(argv[i], "--location") == 0 && i + 1 < argc) *location = argv[++i];
        else if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc) *reason = argv[++i];
        else {
            fprintf(stderr, "hubctl stock: unexpected argument '%s'\n", argv[i]);
            return -1;
        }
    }
    return 0;
}

static int stock_change(struct hubctl *ctl, int adjust, int argc, char **argv)
{
    const char *tenant = argv[2], *sku = argv[3], *qty_s = argv[4];
    const char *location = NULL, *reason = NULL;
    if (parse_opts(argc, argv, 5, &location, &reason) != 0) return 2;
    int64_t q;
    if (parse_i64(qty_s[0] == '+' ? qty_s + 1 : qty_s, &q) != 0)
        return hubctl_fail(ctl, "'%s' is not an integer quantity", qty_s);
    if (adjust && (!reason || !*reason))
        return hubctl_fail(ctl, "stock adjust needs --reason (it goes to the ledger)");
    if (adjust && q == 0) return hubctl_fail(ctl, "an adjustment of 0 changes nothing");
    if (!adjust && q < 0) return hubctl_fail(ctl, "stock set: quantity must be >= 0, not %lld", (long long)q);
    struct tenant *t = hubctl_tenant(ctl, tenant, 1);
    if (!t) return 1;
    json_t *ev = json_pack("{s:s, s:s, s:I}", "type", adjust ? "stock.adjust" : "stock.set", "sku", sku,
                           adjust ? "delta" : "quantity", (json_int_t)q);
    if (location) json_object_set_new(ev, "location", json_string(location));
    if (reason) json_object_set_new(ev, "reason", json_string(reason));
    struct engine_event e = {.event = ev};
    struct engine_report rep;
    char err[1024];
    int rc = 0;
    if (engine_submit(t, &e, 1, "hubctl", &rep, err, sizeof err) != 0) rc = hubctl_fail(ctl, "%s", err);
    else if (e.status > 0) rc = hubctl_fail(ctl, "refused: %s", e.message ? e.message : "?");
    free(e.message);
    json_decref(ev);
    if (rc == 0) {
        struct txn *txn = NULL;
        json_t *s = NULL;
        if (txn_begin(t->store, 0, &txn) == 0) {
            s = hubctl_stock_json(t, txn, sku);
            txn_abort(txn);
        }
        if (s) json_object_set_new(s, "outbox_ops", json_integer((json_int_t)rep.outbox_ops));
        if (ctl->json && s) hubctl_print_json(s);
        else if (s) {
            print_stock(s);
            printf("  %zu channel update(s) queued\n", rep.outbox_ops);
            json_decref(s);
        }
        hubctl_kick(ctl, tenant);
    }
    tenant_close(t);
    return rc;
}

static int run(struct hubctl *ctl, int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "get") == 0 && argc == 4) return stock_get(ctl, argv[2], argv[3]);
    if (argc >= 5 && strcmp(argv[1], "set") == 0) return stock_change(ctl, 0, argc, argv);
    if (argc >= 5 && strcmp(argv[1], "adjust") == 0) return stock_change(ctl, 1, argc, argv);
    return 2;
}

const struct hubctl_cmd cmd_stock = {
    .name = "stock",
    .usage = "stock get <tenant> <sku>\n       hubctl stock set <tenant> <sku> <quantity> [--location L] [--reason R]\n"
             "       hubctl stock adjust <tenant> <sku> <+n|-n> --reason R [--location L]",
    .summary = "show or change a SKU's stock (changes go to the ledger)",
    .help = "get     on hand, reserved, per location, and what each channel may show\n"
            "set     a stock count: the location's on hand becomes <quantity>\n"
            "adjust  a correction by a signed delta; --reason is required\n"
            "Location defaults to \"default\".  Changes are pushed to the channels by hubd.\n",
    .run = run,
};
