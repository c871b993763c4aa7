/* inbox.c - events wait here for their tenant's group commit (DESIGN §3 step 2).
 *
 * Everything emitted during one loop turn is committed by rt_commit_all(),
 * which hubd runs from a uv_check handle (after the turn's I/O callbacks): one
 * engine_submit = one durable LMDB transaction per tenant.  Only then is each
 * emitter told, so a webhook is answered 200 only for an event on disk.  An
 * event the engine refuses for its content is HUB_EMIT_REFUSED (nothing
 * written; sending it again will not help), one that could not be committed
 * HUB_EMIT_FAILED (try again).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "net/metrics.h"
#include "sync/runtime.h"

int rt_emit(struct rt_tenant *rt, struct hub_instance *inst, const char *idem_key, json_t *event,
            hub_emit_done_fn done, void *arg)
{
    if (rt->failed || !rt->t) return -1;
    struct pending_emit *p = xcalloc(1, sizeof *p);
    p->inst = inst;
    p->idem_key = idem_key ? xstrdup(idem_key) : NULL;
    p->event = json_incref(event);
    p->done = done;
    p->arg = arg;
    if (rt->q_tail) rt->q_tail->next = p;
    else rt->q_head = p;
    rt->q_tail = p;
    rt->q_len++;
    return 0;
}

static size_t commit_max(const struct rt_tenant *rt)
{
    int64_t m = rt->hubd->cfg->group_commit_max;
    return m > 0 ? (size_t)m : 4096;
}

/* What one event's emitter is told.  The full status: a plugin's own emits
 * go through plugin/host.c, which words it for the plugin's ABI. */
static enum hub_emit_status event_status(int submit_rc, const struct engine_event *e)
{
    if (submit_rc != 0) return HUB_EMIT_FAILED; /* nothing of the group was committed */
    if (e->status == 0) return HUB_EMIT_COMMITTED;
    if (e->status == ENGINE_DUPLICATE) return HUB_EMIT_DUPLICATE;
    if (e->status > 0) return HUB_EMIT_REFUSED; /* a STORE_E* refusal: nothing written */
    return HUB_EMIT_FAILED;
}

static void commit_tenant(struct rt_tenant *rt)
{
    while (rt->q_head) {
        size_t max = commit_max(rt), n = 0;
        struct pending_emit *batch = rt->q_head, *p = batch;
        while (p && n < max) { p = p->next; n++; }
        /* Detach the first n. */
        struct pending_emit *rest = p;
        struct engine_event *evs = xcalloc(n, sizeof *evs);
        p = batch;
        for (size_t i = 0; i < n; i++, p = p->next) {
            evs[i].idem_key = p->idem_key;
            evs[i].event = p->event;
        }
        rt->q_head = rest;
        if (!rest) rt->q_tail = NULL;
        rt->q_len -= n;

        struct engine_report rep;
        char err[1024] = "";
        int rc = engine_submit(rt->t, evs, n, "hubd", &rep, err, sizeof err);
        if (rc != 0) {
            log_error(rt->cfg->name, "group commit of %zu event(s) failed: %s", n, err);
            str_copy(rt->last_error, err, sizeof rt->last_error);
        } else {
            rt->commits++;
            rt->events_in += rep.applied;
        }
        p = batch;
        for (size_t i = 0; i < n; i++) {
            struct pending_emit *next = p->next;
            enum hub_emit_status st = event_status(rc, &evs[i]);
            const char *msg = rc != 0 ? err : evs[i].message;
            if (p->inst && st == HUB_EMIT_COMMITTED) metric_inc(p->inst->m.events_in);
            if (p->inst && st == HUB_EMIT_DUPLICATE) metric_inc(p->inst->m.duplicates);
            if (p->inst && st == HUB_EMIT_REFUSED) metric_inc(p->inst->m.refused);
            if (p->done) p->done(p->arg, st, msg);
            free(evs[i].message);
            json_decref(p->event);
            free(p->idem_key);
            free(p);
            p = next;
        }
        free(evs);
        if (rc == 0 && rep.outbox_ops) {
            uint64_t mono = mono_ms();
            for (size_t k = 0; k < rt->n_inst; k++) rt->inst[k].last_change_ms = mono;
            push_kick_tenant(rt);
        }
    }
}

void rt_commit_all(struct hubd *d)
{
    for (size_t i = 0; i < d->n_tenants; i++)
        if (d->tenants[i].q_head) commit_tenant(&d->tenants[i]);
}
