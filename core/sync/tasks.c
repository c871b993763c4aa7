/* tasks.c - poll and reconcile, the two jobs the core starts on a schedule.
 *
 * Neither overlaps itself on one instance.  Reconcile (DESIGN §3 step 8): the
 * plugin reports what the channel shows; each quantity that differs from the
 * shadow becomes a stock.drift event, which the engine records and repairs by
 * pushing the canonical number again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "net/metrics.h"
#include "sync/runtime.h"

#define DEFAULT_POLL_MS 60000

static struct hub_task *task_new(struct hub_instance *inst, int kind)
{
    struct hub_task *t = xcalloc(1, sizeof *t);
    t->inst = inst;
    t->kind = kind;
    if (kind == TASK_RECONCILE) t->seen = json_object();
    return t;
}

void task_tick(struct hub_instance *inst, uint64_t now)
{
    const struct hub_plugin *d = inst->desc;
    if (inst->state != INST_RUNNING || inst->mode == HUB_MODE_PAUSED) return;
    if (d->poll && (d->capabilities & HUB_CAP_ORDER_POLL) && !inst->poll_task && now >= inst->next_poll_ms) {
        int64_t every = inst->cfg->poll_interval_ms > 0 ? inst->cfg->poll_interval_ms : DEFAULT_POLL_MS;
        inst->next_poll_ms = now + (uint64_t)every;
        inst->poll_task = task_new(inst, TASK_POLL);
        d->poll(inst->ctx, inst->poll_task);
    }
    if (d->reconcile && inst->cfg->reconcile_interval_ms > 0 && !inst->reconcile_task &&
        now >= inst->next_reconcile_ms) {
        inst->next_reconcile_ms = now + (uint64_t)inst->cfg->reconcile_interval_ms;
        task_reconcile_start(inst);
    }
}

int task_reconcile_start(struct hub_instance *inst)
{
    const struct hub_plugin *d = inst->desc;
    if (!d->reconcile || inst->state != INST_RUNNING) return -1;
    if (inst->reconcile_task) return 1; /* already running */
    inst->reconcile_task = task_new(inst, TASK_RECONCILE);
    d->reconcile(inst->ctx, inst->reconcile_task, NULL, 0);
    return 0;
}

void task_seen(struct hub_task *task, const char *sku, int64_t quantity, const char *payload)
{
    if (!task || task->kind != TASK_RECONCILE || task->done || !sku) return;
    json_t *o = json_pack("{s:I}", "quantity", (json_int_t)quantity);
    if (payload) json_object_set_new(o, "payload", json_string(payload));
    json_object_set_new(task->seen, sku, o);
}

/* Compare what the channel shows with the shadow; emit drift events. */
static void reconcile_finish(struct hub_task *task)
{
    struct hub_instance *inst = task->inst;
    struct txn *txn = NULL;
    if (txn_begin(inst->rt->t->store, 0, &txn) != 0) return;
    size_t drift = 0;
    const char *sku;
    json_t *v;
    json_object_foreach(task->seen, sku, v) {
        struct listing l = {.quantity = -1};
        if (store_listing_get(txn, inst->cfg->name, sku, &l) != 0) continue;
        int64_t shown = json_integer_value(json_object_get(v, "quantity"));
        if (l.quantity >= 0 && shown != l.quantity) {
            json_t *ev = json_pack("{s:s, s:s, s:s, s:I}", "type", "stock.drift", "channel",
                                   inst->cfg->name, "sku", sku, "quantity", (json_int_t)shown);
            rt_emit(inst->rt, inst, NULL, ev, NULL, NULL);
            json_decref(ev);
            drift++;
        }
        listing_free(&l);
    }
    txn_abort(txn);
    inst->drift_found += drift;
    metric_add(inst->m.drift, (double)drift);
    inst_log(inst, 2, "reconcile: %zu SKU(s) read back, %zu drifted from the shadow",
             json_object_size(task->seen), drift);
}

void task_finish(struct hub_task *task, int status, const char *message)
{
    if (!task || task->done) return;
    task->done = 1;
    struct hub_instance *inst = task->inst;
    if (status != 0) {
        inst_log(inst, 1, "%s failed: %s", task->kind == TASK_POLL ? "poll" : "reconcile",
                 message ? message : "(no message)");
        str_copy(inst->last_error, message ? message : "task failed", sizeof inst->last_error);
    } else if (task->kind == TASK_RECONCILE) {
        reconcile_finish(task);
    }
    if (inst->poll_task == task) inst->poll_task = NULL;
    if (inst->reconcile_task == task) inst->reconcile_task = NULL;
    json_decref(task->seen);
    free(task);
}
