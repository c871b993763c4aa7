/* hubctl product get|set - read or upsert products (with their variants). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/import.h"
#include "hubctl/hubctl.h"

json_t *hubctl_stock_json(struct tenant *t, struct txn *txn, const char *sku);

struct variants_out {
    struct tenant *t;
    struct txn *txn;
    json_t *list;
};

static int add_variant(void *arg, const char *sku)
{
    struct variants_out *o = arg;
    char *txt = NULL;
    size_t len;
    if (store_variant_get(o->txn, sku, &txt, &len) != 0) return 0;
    json_t *v = json_loadb(txt, len, 0, NULL);
    free(txt);
    if (!v) return 0;
    json_t *s = hubctl_stock_json(o->t, o->txn, sku);
    if (s) json_object_set_new(v, "stock", s);
    json_array_append_new(o->list, v);
    return 0;
}

static json_t *load(struct txn *txn, int product, const char *id)
{
    char *txt = NULL;
    size_t len;
    int rc = product ? store_product_get(txn, id, &txt, &len) : store_variant_get(txn, id, &txt, &len);
    if (rc != 0) return NULL;
    json_t *v = json_loadb(txt, len, 0, NULL);
    free(txt);
    return v;
}

static int product_get(struct hubctl *ctl, const char *tenant, const char *id)
{
    struct tenant *t = hubctl_tenant(ctl, tenant, 0);
    if (!t) return 1;
    struct txn *txn = NULL;
    if (txn_begin(t->store, 0, &txn) != 0) { tenant_close(t); return 1; }
    json_t *p = load(txn, 1, id);
    if (!p) {
        /* Accept a SKU too: show its product. */
        json_t *v = load(txn, 0, id);
        const char *pid = v ? json_string_value(json_object_get(v, "product_id")) : NULL;
        if (pid) p = load(txn, 1, pid);
        json_decref(v);
    }
    int rc = 0;
    if (!p) rc = hubctl_fail(ctl, "tenant '%s' has no product or SKU '%s'", tenant, id);
    else {
        struct variants_out o = {t, txn, json_array()};
        store_variants_of_product(txn, json_string_value(json_object_get(p, "id")), add_variant, &o);
        json_object_set_new(p, "variants", o.list);
        if (ctl->json) hubctl_print_json(p);
        else {
            char *s = json_dumps(p, JSON_INDENT(2) | JSON_SORT_KEYS);
            puts(s);
            free(s);
            json_decref(p);
        }
    }
    txn_abort(txn);
    tenant_close(t);
    return rc;
}

static int product_set(struct hubctl *ctl, const char *tenant, const char *path, const char *fmt_name)
{
    int fmt = fmt_name ? import_format_parse(fmt_name) : (strcmp(path, "-") == 0 ? IMPORT_JSONL : IMPORT_AUTO);
    if (fmt < 0) return hubctl_fail(ctl, "unknown format '%s' (jsonl or csv)", fmt_name);
    struct hub_config *cfg = hubctl_config(ctl);
    if (!cfg) return 1;
    const struct tenant_config *tc = config_tenant(cfg, tenant);
    if (!tc) return hubctl_fail(ctl, "no tenant '%s'", tenant);
    char err[1024];
    struct import_reader *r = NULL;
    if (import_open(&r, path, (enum import_format)fmt, tc->currency, err, sizeof err) != 0)
        return hubctl_fail(ctl, "%s", err);
    /* Validate everything first: product set is all or nothing. */
    struct import_record rec = IMPORT_RECORD_INIT;
    json_t *events = json_array();
    int rc = 0, n;
    while ((n = import_next(r, &rec)) == 1) {
        if (rec.error) {
            fprintf(stderr, "%s:%lu: %s\n", path, rec.line, rec.reason);
            rc = 1;
        } else json_array_append(events, rec.event);
    }
    if (n < 0) rc = hubctl_fail(ctl, "%s: %s", path, rec.reason);
    import_record_clear(&rec);
    import_close(r);
    if (rc == 0 && json_array_size(events) == 0) rc = hubctl_fail(ctl, "%s: no product in the input", path);
    if (rc != 0) {
        json_decref(events);
        return rc == 1 && !ctl->json ? hubctl_fail(ctl, "nothing changed") : rc;
    }
    struct tenant *t = hubctl_tenant(ctl, tenant, 1);
    if (!t) { json_decref(events); return 1; }
    size_t cnt = json_array_size(events);
    struct engine_event *evs = calloc(cnt, sizeof *evs);
    for (size_t i = 0; i < cnt; i++) evs[i].event = json_array_get(events, i);
    struct engine_report rep;
    if (engine_submit(t, evs, cnt, "hubctl", &rep, err, sizeof err) != 0) rc = hubctl_fail(ctl, "%s", err);
    for (size_t i = 0; i < cnt; i++) {
        if (evs[i].status > 0) {
            rc = 1;
            fprintf(stderr, "hubctl: refused: %s\n", evs[i].message ? evs[i].message : "?");
        }
        free(evs[i].message);
    }
    free(evs);
    json_decref(events);
    if (rc == 0) {
        if (ctl->json)
            hubctl_print_json(json_pack("{s:I, s:I}", "products", (json_int_t)rep.applied, "outbox_ops",
                                        (json_int_t)rep.outbox_ops));
        else printf("%zu product(s) upserted, %zu channel update(s) queued\n", rep.applied, rep.outbox_ops);
        hubctl_kick(ctl, tenant);
    }
    tenant_close(t);
    return rc;
}

static int run(struct hubctl *ctl, int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "get") == 0) return product_get(ctl, argv[2], argv[3]);
    if ((argc == 4 || argc == 6) && strcmp(argv[1], "set") == 0) {
        const char *fmt = NULL;
        if (argc == 6) {
            if (strcmp(argv[4], "--format") != 0) return 2;
            fmt = argv[5];
        }
        return product_set(ctl, argv[2], argv[3], fmt);
    }
    return 2;
}

const struct hubctl_cmd cmd_product = {
    .name = "product",
    .usage = "product get <tenant> <product-id|sku>\n       hubctl product set <tenant> <file|-> [--format jsonl|csv]",
    .summary = "show a product with its variants and stock, or upsert products",
    .help = "set reads products in the import format (docs/import.md), validates all of them\n"
            "first and changes nothing if any is invalid; '-' reads JSON lines from stdin.\n",
    .run = run,
};
