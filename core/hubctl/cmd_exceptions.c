/* hubctl exceptions - what needs a human: unknown SKUs in orders, oversells, drift. */
#include <stdio.h>
#include <time.h>

#include "hubctl/hubctl.h"

struct exc_out {
    int json;
    json_t *list;
};

static int on_exc(void *arg, uint64_t id, uint64_t ts, const char *kind, const char *channel,
                  const char *ref, const char *message)
{
    struct exc_out *o = arg;
    time_t s = (time_t)(ts / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (o->json)
        json_array_append_new(o->list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)id,
                                                 "time", when, "kind", kind, "channel", channel,
                                                 "ref", ref, "message", message));
    else printf("%5llu %s %-12s %-10s %-20s %s\n", (unsigned long long)id, when, kind, channel, ref, message);
    return 0;
}

static int run(struct hubctl *ctl, int argc, char **argv)
{
    if (argc != 2) return 2;
    struct tenant *t = hubctl_tenant(ctl, argv[1], 0);
    if (!t) return 1;
    struct txn *txn = NULL;
    int rc = 1;
    if (txn_begin(t->store, 0, &txn) == 0) {
        struct exc_out o = {ctl->json, json_array()};
        store_exception_each(txn, on_exc, &o);
        txn_abort(txn);
        if (ctl->json) hubctl_print_json(json_pack("{s:s, s:o}", "tenant", argv[1], "exceptions", o.list));
        else json_decref(o.list);
        rc = 0;
    }
    tenant_close(t);
    return rc;
}

const struct hubctl_cmd cmd_exceptions = {
    .name = "exceptions",
    .usage = "exceptions <tenant>",
    .summary = "list what needs a human: unknown SKUs in orders, oversells, channel drift",
    .help = "",
    .run = run,
};
