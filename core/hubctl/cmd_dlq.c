/* hubctl dlq - operations a channel refused: list, retry, drop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "hubctl/hubctl.h"

static const char *kind_name(enum outbox_kind k)
{
    return k == OUTBOX_STOCK ? "stock" : k == OUTBOX_LISTING ? "listing" : k == OUTBOX_DELETE ? "delete" : "fulfillment";
}

struct dl_out {
    int json;
    json_t *list;
    size_t n;
};

static int on_dl(void *arg, const struct dead_letter *d)
{
    struct dl_out *o = arg;
    char when[32];
    time_t s = (time_t)(d->failed_ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    o->n++;
    if (o->json) {
        json_t *e = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:s, s:s}", "id", (json_int_t)d->id, "channel",
                              d->op.channel ? d->op.channel : "", "kind", kind_name(d->op.kind), "sku",
                              d->op.sku ? d->op.sku : "", "quantity", (json_int_t)d->op.quantity, "attempts",
                              (json_int_t)d->op.attempts, "failed_at", when, "error", d->error ? d->error : "");
        if (d->op.payload) {
            json_t *p = json_loads(d->op.payload, 0, NULL);
            if (p) json_object_set_new(e, "payload", p);
        }
        json_array_append_new(o->list, e);
    } else {
        printf("%6llu  %s  %-10s %-8s %-24s", (unsigned long long)d->id, when, d->op.channel ? d->op.channel : "",
               kind_name(d->op.kind), d->op.sku ? d->op.sku : "");
        if (d->op.kind == OUTBOX_STOCK) printf(" qty %-6lld", (long long)d->op.quantity);
        printf("\n        %s\n", d->error ? d->error : "");
    }
    return 0;
}

static int dlq_list(struct hubctl *ctl, const char *tenant, const char *channel)
{
    struct tenant *t = hubctl_tenant(ctl, tenant, 0);
    if (!t) return 1;
    struct txn *txn = NULL;
    int rc = 1;
    if (txn_begin(t->store, 0, &txn) == 0) {
        struct dl_out o = {ctl->json, json_array(), 0};
        store_dlq_each(txn, channel, on_dl, &o);
        txn_abort(txn);
        if (ctl->json) hubctl_print_json(json_pack("{s:s, s:o}", "tenant", tenant, "dead_letters", o.list));
        else {
            json_decref(o.list);
            if (!o.n) printf("no dead letters%s%s\n", channel ? " on " : "", channel ? channel : "");
        }
        rc = 0;
    }
    tenant_close(t);
    return rc;
}

/* retry/drop: one id, or "all" (optionally only a channel's). */
struct ids {
    uint64_t *v;
    size_t n;
};

static int collect_id(void *arg, const struct dead_letter *d)
{
    struct ids *ids = arg;
    ids->v = realloc(ids->v, (ids->n + 1) * sizeof *ids->v);
    ids->v[ids->n++] = d->id;
    return 0;
}

static int dlq_change(struct hubctl *ctl, int retry, const char *tenant, const char *which, const char *channel)
{
    struct ids ids = {0};
    int64_t one = -1;
    if (strcmp(which, "all") != 0 && (parse_i64(which, &one) != 0 || one <= 0))
        return hubctl_fail(ctl, "'%s' is not a dead letter id (or 'all')", which);
    struct tenant *t = hubctl_tenant(ctl, tenant, 1);
    if (!t) return 1;
    struct txn *txn = NULL;
    if (txn_begin(t->store, 1, &txn) != 0) { tenant_close(t); return hubctl_fail(ctl, "cannot write the store"); }
    if (one > 0) collect_id(&ids, &(struct dead_letter){.id = (uint64_t)one});
    else store_dlq_each(txn, channel, collect_id, &ids);
    int rc = 0;
    size_t done = 0;
    for (size_t i = 0; i < ids.n && rc == 0; i++) {
        int r = retry ? store_dlq_retry(txn, ids.v[i]) : store_dlq_drop(txn, ids.v[i]);
        if (r < 0) rc = -1;
        else if (r > 0 && one > 0) rc = 1;
        else if (r == 0) done++;
    }
    free(ids.v);
    if (rc < 0) {
        txn_abort(txn);
        tenant_close(t);
        return hubctl_fail(ctl, "store error");
    }
    if (rc > 0) {
        txn_abort(txn);
        tenant_close(t);
        return hubctl_fail(ctl, "tenant '%s' has no dead letter %s", tenant, which);
    }
    if (txn_commit(txn) != 0) { tenant_close(t); return hubctl_fail(ctl, "commit failed"); }
    tenant_close(t);
    if (retry) hubctl_kick(ctl, tenant);
    if (ctl->json) hubctl_print_json(json_pack("{s:s, s:I}", "action", retry ? "retried" : "dropped", "count", (json_int_t)done));
    else printf("%zu dead letter(s) %s\n", done, retry ? "back in the outbox" : "dropped");
    return 0;
}

static int run(struct hubctl *ctl, int argc, char **argv)
{
    if (argc < 3) return 2;
    const char *channel = NULL;
    int pos = argc;
    for (int i = 3; i < argc; i++)
        if (strcmp(argv[i], "--channel") == 0 && i + 1 < argc) { channel = argv[i + 1]; pos = i; break; }
    if (strcmp(argv[1], "list") == 0 && pos == 3) return dlq_list(ctl, argv[2], channel);
    if ((strcmp(argv[1], "retry") == 0 || strcmp(argv[1], "drop") == 0) && pos == 4)
        return dlq_change(ctl, argv[1][0] == 'r', argv[2], argv[3], channel);
    return 2;
}

const struct hubctl_cmd cmd_dlq = {
    .name = "dlq",
    .usage = "dlq list <tenant> [--channel C]\n       hubctl dlq retry <tenant> <id|all> [--channel C]\n"
             "       hubctl dlq drop <tenant> <id|all> [--channel C]",
    .summary = "dead letters: operations a channel refused, with the channel's own error",
    .help = "list   each refused operation, its channel, SKU, attempts and the channel's error text\n"
            "retry  put it back in the outbox (after fixing the cause); a newer change for the\n"
            "       same SKU already queued wins and the dead letter is simply dropped\n"
            "drop   forget it (the next change of that SKU is pushed as usual)\n",
    .run = run,
};
