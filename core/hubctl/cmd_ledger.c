/* hubctl ledger - explain a SKU's numbers entry by entry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "hubctl/hubctl.h"

struct ledger_out {
    struct hubctl *ctl;
    json_t *rows;
    int64_t since_ms;
};

static void fmt_time(uint64_t ms, char *out, size_t n)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int on_entry(void *arg, const struct ledger_entry *e)
{
    struct ledger_out *o = arg;
    if ((int64_t)e->ts_ms < o->since_ms) return 0;
    char ts[32];
    fmt_time(e->ts_ms, ts, sizeof ts);
    if (o->ctl->json) {
        json_array_append_new(o->rows, json_pack(
            "{s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s}", "seq", (json_int_t)e->seq,
            "time", ts, "kind", ledger_kind_name(e->kind), "location", e->location, "qty",
            (json_int_t)e->qty, "d_on_hand", (json_int_t)e->d_on_hand, "d_reserved",
            (json_int_t)e->d_reserved, "on_hand_after", (json_int_t)e->on_hand_after,
            "reserved_after", (json_int_t)e->reserved_after, "source", e->source, "reason",
            e->reason, "ref", e->ref));
        return 0;
    }
    printf("%6llu  %s  %-8s %-12s on_hand %+5lld -> %-5lld reserved %+4lld -> %-4lld %s%s%s%s%s\n",
           (unsigned long long)e->seq, ts, ledger_kind_name(e->kind), e->location,
           (long long)e->d_on_hand, (long long)e->on_hand_after, (long long)e->d_reserved,
           (long long)e->reserved_after, e->source, *e->reason ? " \"" : "", e->reason,
           *e->reason ? "\"" : "", "");
    if (*e->ref) printf("        ref %s\n", e->ref);
    return 0;
}

static int run(struct hubctl *ctl, int argc, char **argv)
{
    if (argc < 3) return 2;
    int64_t since = 0;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--today") == 0) since = (int64_t)(now_ms() / 86400000u * 86400000u);
        else return 2;
    }
    struct tenant *t = hubctl_tenant(ctl, argv[1], 0);
    if (!t) return 1;
    struct txn *txn = NULL;
    int rc = 1;
    if (txn_begin(t->store, 0, &txn) == 0) {
        struct stock_totals st = {0};
        char *v = NULL;
        size_t len;
        if (store_variant_get(txn, argv[2], &v, &len) != 0) {
            rc = hubctl_fail(ctl, "tenant '%s' has no SKU '%s'", argv[1], argv[2]);
        } else {
            free(v);
            store_stock_get(txn, argv[2], &st);
            struct ledger_out o = {ctl, json_array(), since};
            if (!ctl->json)
                printf("ledger of %s (tenant %s): on hand %lld, reserved %lld\n", argv[2], argv[1],
                       (long long)st.on_hand, (long long)st.reserved);
            store_ledger_each(txn, argv[2], 0, on_entry, &o);
            if (ctl->json)
                hubctl_print_json(json_pack("{s:s, s:I, s:I, s:o}", "sku", argv[2], "on_hand",
                                            (json_int_t)st.on_hand, "reserved", (json_int_t)st.reserved,
                                            "entries", o.rows));
            else {
                json_decref(o.rows);
                printf("= on hand %lld, reserved %lld, free %lld\n", (long long)st.on_hand,
                       (long long)st.reserved, (long long)(st.on_hand - st.reserved));
            }
            rc = 0;
        }
        txn_abort(txn);
    }
    tenant_close(t);
    return rc;
}

const struct hubctl_cmd cmd_ledger = {
    .name = "ledger",
    .usage = "ledger <tenant> <sku> [--today]",
    .summary = "explain a SKU's stock entry by entry (receive, adjust, reserve, commit, ...)",
    .help = "Every movement with its time, kind, location, effect on on-hand and reserved,\n"
            "the totals after it, its source, reason and reference (order, hold, file).\n"
            "--today  only today's entries (UTC); the totals are always today's numbers.\n",
    .run = run,
};
