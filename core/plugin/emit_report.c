/* emit_report.c - one outcome per emit call, in the words of the plugin's ABI
 * (emit_report.h). */
#include "plugin/emit_report.h"

#include <stdlib.h>

#include "common/util.h"

struct emit_report {
    hub_emit_done_fn done;
    void *arg;
    unsigned abi_minor;
    size_t n;        /* events in the call */
    size_t expected; /* events the inbox will report */
    size_t seen;     /* reported so far (the k-th report is event k: the queue keeps order) */
    size_t failed, refused, duplicates;
    char *failed_msg, *refused_msg; /* the first of each */
};

enum hub_emit_status emit_status_for_abi(enum hub_emit_status st, unsigned abi_minor)
{
    if (st == HUB_EMIT_REFUSED && abi_minor < EMIT_REFUSED_SINCE_MINOR) return HUB_EMIT_FAILED;
    return st;
}

struct emit_report *emit_report_new(unsigned abi_minor, size_t n_events, hub_emit_done_fn done,
                                    void *arg)
{
    struct emit_report *r = xcalloc(1, sizeof *r);
    r->done = done;
    r->arg = arg;
    r->abi_minor = abi_minor;
    r->n = r->expected = n_events;
    return r;
}

static void report_free(struct emit_report *r)
{
    free(r->failed_msg);
    free(r->refused_msg);
    free(r);
}

static void finish(struct emit_report *r)
{
    enum hub_emit_status st = HUB_EMIT_COMMITTED;
    const char *msg = NULL;
    if (r->failed) {
        st = HUB_EMIT_FAILED;
        msg = r->failed_msg;
    } else if (r->refused) {
        st = HUB_EMIT_REFUSED;
        msg = r->refused_msg;
    } else if (r->n > 0 && r->duplicates == r->n) {
        st = HUB_EMIT_DUPLICATE;
    }
    r->done(r->arg, emit_status_for_abi(st, r->abi_minor), msg);
    report_free(r);
}

void emit_report_event(void *report, enum hub_emit_status st, const char *message)
{
    struct emit_report *r = report;
    size_t k = ++r->seen; /* 1-based index of this event in the call */
    switch (st) {
    case HUB_EMIT_COMMITTED:
        break;
    case HUB_EMIT_DUPLICATE:
        r->duplicates++;
        break;
    case HUB_EMIT_REFUSED:
        if (!r->refused++) {
            const char *why = message && *message ? message : "refused";
            r->refused_msg = r->n > 1 ? xasprintf("event %zu of %zu: %s", k, r->n, why) : xstrdup(why);
        }
        break;
    case HUB_EMIT_FAILED:
    default: /* nothing else is expected from the inbox: not recorded */
        if (!r->failed++) r->failed_msg = xstrdup(message && *message ? message : "not recorded");
        break;
    }
    if (r->seen >= r->expected) finish(r);
}

void emit_report_queued(struct emit_report *r, size_t queued, const char *why)
{
    if (queued >= r->expected) return;
    if (queued == 0) { /* nothing will report: the caller says so itself */
        report_free(r);
        return;
    }
    r->failed += r->expected - queued;
    if (!r->failed_msg) r->failed_msg = xstrdup(why && *why ? why : "not queued");
    r->expected = queued;
}
