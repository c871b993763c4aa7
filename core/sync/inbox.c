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

/* ---------------------------------------------------------------- durability
 * hubd opens stores with STORE_LAZY_META: a commit flushes its data pages but
 * not the meta page that makes it current.  A committed group's outcomes wait
 * in rt->unsynced until a store_sync() that started after the commit has
 * returned; that sync runs on libuv's thread pool while the loop parses,
 * verifies and maps the next group and commits it.  One sync covers every
 * commit before it, so under load syncs coalesce: the loop pays one flush per
 * group instead of two, and nothing is told "committed" before it is on disk. */

static void list_append(struct emit_list *l, struct pending_emit *head, struct pending_emit *tail)
{
    if (!head) return;
    if (l->tail) l->tail->next = head;
    else l->head = head;
    l->tail = tail;
    tail->next = NULL;
}

static void tell(struct pending_emit *p, int durable)
{
    while (p) {
        struct pending_emit *next = p->next;
        enum hub_emit_status st = p->status;
        const char *msg = p->message;
        if (!durable && st != HUB_EMIT_FAILED) {
            st = HUB_EMIT_FAILED;
            msg = "the commit could not be flushed to disk; deliver again";
        }
        if (p->inst && st == HUB_EMIT_COMMITTED) metric_inc(p->inst->m.events_in);
        if (p->inst && st == HUB_EMIT_DUPLICATE) metric_inc(p->inst->m.duplicates);
        if (p->inst && st == HUB_EMIT_REFUSED) metric_inc(p->inst->m.refused);
        if (p->done) p->done(p->arg, st, msg);
        free(p->message);
        json_decref(p->event);
        free(p->idem_key);
        free(p);
        p = next;
    }
}

static void kick(struct rt_tenant *rt)
{
    uint64_t mono = mono_ms();
    for (size_t k = 0; k < rt->n_inst; k++) rt->inst[k].last_change_ms = mono;
    push_kick_tenant(rt);
}

static void start_sync(struct rt_tenant *rt);

static void sync_work_cb(uv_work_t *w)
{
    struct rt_tenant *rt = w->data;
    rt->sync_rc = store_sync(rt->t->store); /* only fdatasync: safe off the loop */
}

static void sync_after_cb(uv_work_t *w, int status)
{
    struct rt_tenant *rt = w->data;
    rt->sync_running = 0;
    int durable = status == 0 && rt->sync_rc == 0;
    if (durable) rt->synced_commits = rt->syncing_commits;
    else log_error(rt->cfg->name, "flushing committed events to disk failed; their senders are told to retry");
    struct pending_emit *done = rt->syncing.head;
    rt->syncing.head = rt->syncing.tail = NULL;
    int kick_now = rt->kick_pending && durable;
    rt->kick_pending = 0;
    tell(done, durable);
    if (rt->hubd->stopping) return;
    if (kick_now) kick(rt);
    if (rt->unsynced.head) start_sync(rt);
}

static void start_sync(struct rt_tenant *rt)
{
    if (rt->sync_running || !rt->t) return;
    rt->syncing = rt->unsynced;
    rt->unsynced.head = rt->unsynced.tail = NULL;
    rt->kick_pending = rt->kick_after_sync;
    rt->kick_after_sync = 0;
    rt->syncing_commits = store_commits(rt->t->store);
    rt->sync_running = 1;
    rt->sync_work.data = rt;
    if (!rt->hubd->loop || uv_queue_work(rt->hubd->loop, &rt->sync_work, sync_work_cb, sync_after_cb) != 0) {
        /* No loop (a runtime driven by hand) or no thread pool: flush here. */
        sync_work_cb(&rt->sync_work);
        sync_after_cb(&rt->sync_work, 0);
    }
}

void rt_sync_idle(struct rt_tenant *rt)
{
    if (rt->failed || !rt->t || rt->sync_running) return;
    if (rt->unsynced.head || store_commits(rt->t->store) != rt->synced_commits) start_sync(rt);
}

void rt_sync_all_now(struct hubd *d)
{
    for (size_t i = 0; i < d->n_tenants; i++) {
        struct rt_tenant *rt = &d->tenants[i];
        if (rt->failed || !rt->t) continue;
        int durable = store_sync(rt->t->store) == 0;
        /* A sync still running on the pool finds its list empty afterwards. */
        struct pending_emit *a = rt->syncing.head, *b = rt->unsynced.head;
        rt->syncing.head = rt->syncing.tail = rt->unsynced.head = rt->unsynced.tail = NULL;
        tell(a, durable);
        tell(b, durable);
    }
}

/* ---------------------------------------------------------------- group commit */
static void commit_tenant(struct rt_tenant *rt)
{
    while (rt->q_head) {
        size_t max = commit_max(rt), n = 0;
        struct pending_emit *batch = rt->q_head, *p = batch, *last = NULL;
        while (p && n < max) { last = p; p = p->next; n++; }
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
        last->next = NULL;

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
        for (size_t i = 0; i < n; i++, p = p->next) {
            p->status = event_status(rc, &evs[i]);
            p->message = rc != 0 ? xstrdup(err) : evs[i].message; /* taken over */
        }
        free(evs);
        if (rc != 0) {
            tell(batch, 1); /* nothing was written: nothing to wait for */
            continue;
        }
        list_append(&rt->unsynced, batch, last);
        if (rep.outbox_ops) rt->kick_after_sync = 1;
    }
    if (rt->unsynced.head) start_sync(rt);
}

void rt_commit_all(struct hubd *d)
{
    for (size_t i = 0; i < d->n_tenants; i++)
        if (d->tenants[i].q_head) commit_tenant(&d->tenants[i]);
}
