/* runtime.c - start and stop tenants and their plugin instances on the loop.
 *
 * A tenant that cannot be opened, or a channel whose plugin cannot be loaded,
 * is marked failed and reported (status, logs); every other tenant and channel
 * keeps running.  Config errors, by contrast, stop hubd before it starts
 * (hubd_check in hubd/main.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "lua/watch.h"
#include "net/http_client.h"
#include "net/metrics.h"
#include "sync/runtime.h"

#define TICK_MS 250
#define HOLD_SWEEP_MAX 512

static const char *mode_name(enum hub_mode m)
{
    return m == HUB_MODE_DRY_RUN ? "dry-run" : m == HUB_MODE_PAUSED ? "paused" : "live";
}

static const char *state_name(enum instance_state s)
{
    return s == INST_RUNNING ? "running" : s == INST_FAILED ? "failed" : s == INST_STOPPED ? "stopped" : "new";
}

static void inst_fail(struct hub_instance *inst, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void inst_fail(struct hub_instance *inst, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(inst->last_error, sizeof inst->last_error, fmt, ap);
    va_end(ap);
    inst->state = INST_FAILED;
    log_error(inst->rt->cfg->name, "channel '%s' disabled: %s", inst->cfg->name, inst->last_error);
}

static void instance_start(struct rt_tenant *rt, struct hub_instance *inst)
{
    struct hub_config *cfg = rt->hubd->cfg;
    char err[1024];
    inst->in_flight_skus = json_object();
    if (plugin_load(cfg->plugin_dir, inst->cfg->plugin, &inst->plugin, err, sizeof err) != 0) {
        inst_fail(inst, "%s", err);
        return;
    }
    inst->desc = plugin_descriptor(inst->plugin);
    uint32_t caps = inst->desc->capabilities;
    inst->tch->stock_push = (caps & HUB_CAP_STOCK_PUSH) != 0;
    inst->tch->catalog_push = (caps & HUB_CAP_CATALOG_PUSH) != 0;
    const struct hub_limits *lim = &inst->desc->limits;
    /* The operator may replace the plugin's declared rate (push_rate, push_burst). */
    double rate = lim->rate_per_sec, burst = lim->burst;
    if (inst->cfg->push_rate) rate = strcmp(inst->cfg->push_rate, "unlimited") == 0 ? 0 : strtod(inst->cfg->push_rate, NULL);
    if (inst->cfg->push_burst > 0) burst = (double)inst->cfg->push_burst;
    else if (inst->cfg->push_rate && rate > burst) burst = rate < 1 ? 1 : rate;
    bucket_init(&inst->bucket, rate, burst, mono_ms());
    breaker_init(&inst->breaker, 5, 5000, 300000);
    if (inst->desc->init(&hub_host_table, inst, &inst->ctx) != 0) {
        inst_fail(inst, "plugin '%s' init failed%s%s", inst->desc->name, *inst->last_error ? ": " : "",
                  inst->last_error);
        return;
    }
    inst->state = INST_RUNNING;
    if (inst->desc->start && inst->desc->start(inst->ctx) != 0) {
        inst_fail(inst, "plugin '%s' start failed%s%s", inst->desc->name, *inst->last_error ? ": " : "",
                  inst->last_error);
        return;
    }
    log_info(rt->cfg->name, "channel '%s': plugin %s %s, mode %s", inst->cfg->name, inst->desc->name,
             inst->desc->version ? inst->desc->version : "", mode_name(inst->mode));
}

static int tenant_start(struct hubd *d, struct rt_tenant *rt, const struct tenant_config *tc)
{
    rt->hubd = d;
    rt->cfg = tc;
    char err[1024];
    if (tenant_open(&rt->t, d->cfg, tc, 0, err, sizeof err) != 0) {
        rt->failed = 1;
        str_copy(rt->last_error, err, sizeof rt->last_error);
        log_error(tc->name, "tenant not started: %s", err);
        return -1;
    }
    rt->n_inst = tc->n_channels;
    rt->inst = xcalloc(tc->n_channels ? tc->n_channels : 1, sizeof *rt->inst);
    for (size_t i = 0; i < tc->n_channels; i++) {
        struct hub_instance *inst = &rt->inst[i];
        inst->rt = rt;
        inst->cfg = &tc->channels[i];
        inst->tch = &rt->t->channels[i];
        inst->mode = (enum hub_mode)inst->cfg->mode;
        chmetrics_init(&inst->m, tc->name, inst->cfg->name);
        instance_start(rt, inst);
        if (inst->state != INST_RUNNING) {
            /* Nothing gets queued for a channel that cannot push. */
            inst->tch->stock_push = inst->tch->catalog_push = 0;
        }
    }
    push_kick_tenant(rt); /* resume where the outbox stopped */
    housekeep_start(rt);  /* retention: prune the inbox and idempotency keys */
    return 0;
}

static int collect_hold(void *arg, const char *hold_id)
{
    json_array_append_new(arg, json_string(hold_id));
    return 0;
}

/* Expired holds go back to the pool through the normal event path. */
static void sweep_holds(struct rt_tenant *rt, uint64_t now)
{
    struct txn *txn = NULL;
    if (txn_begin(rt->t->store, 0, &txn) != 0) return;
    json_t *ids = json_array();
    store_holds_expired(txn, now, HOLD_SWEEP_MAX, collect_hold, ids);
    txn_abort(txn);
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id) {
        json_t *ev = json_pack("{s:s, s:O, s:s}", "type", "hold.release", "hold_id", id, "reason", "expired");
        rt_emit(rt, NULL, NULL, ev, NULL, NULL);
        json_decref(ev);
    }
    json_decref(ids);
}

/* Outbox depth, age and dead letters: read from the store once a second. */
static void update_gauges(struct rt_tenant *rt, uint64_t now)
{
    struct txn *txn = NULL;
    if (txn_begin(rt->t->store, 0, &txn) != 0) return;
    for (size_t k = 0; k < rt->n_inst; k++) {
        struct hub_instance *inst = &rt->inst[k];
        uint64_t depth = 0, oldest = 0;
        store_outbox_stats(txn, inst->cfg->name, &depth, &oldest);
        metric_set(inst->m.outbox_depth, (double)depth);
        metric_set(inst->m.outbox_oldest, depth && oldest && oldest <= now ? (double)(now - oldest) / 1000.0 : 0);
        metric_set(inst->m.dead_letters, (double)store_dlq_count(txn, inst->cfg->name));
        metric_set(inst->m.circuit, inst->breaker.state);
    }
    txn_abort(txn);
}

static void on_tick(uv_timer_t *h)
{
    struct hubd *d = h->data;
    uint64_t now = now_ms();
    static uint64_t last_gauges;
    int gauges = now - last_gauges >= 1000;
    if (gauges) last_gauges = now;
    for (size_t i = 0; i < d->n_tenants; i++) {
        struct rt_tenant *rt = &d->tenants[i];
        if (rt->failed) continue;
        sweep_holds(rt, now);
        if (gauges) update_gauges(rt, now);
        for (size_t k = 0; k < rt->n_inst; k++) {
            task_tick(&rt->inst[k], now);
            push_kick(&rt->inst[k]);
        }
    }
}

static void on_check(uv_check_t *h)
{
    rt_commit_all(h->data);
}

static void count_reload(struct rt_tenant *rt, const char *path, int ok)
{
    struct metric_label l[] = {{"tenant", rt->cfg->name}, {"script", path}};
    struct metric *m = ok ? metrics_counter(metrics_default(), "hub_script_reloads_total",
                                            "Mapping scripts reloaded and swapped in", l, 2)
                          : metrics_counter(metrics_default(), "hub_script_reload_failures_total",
                                            "Mapping script saves refused (the previous version kept running)", l, 2);
    if (m) metric_inc(m);
}

#define REPROJECT_CHUNK 1024

static void reproject_step(uv_timer_t *h)
{
    struct rt_tenant *rt = h->data;
    char last[512], err[512];
    struct engine_report rep = {0};
    int n = engine_project_chunk(rt->t, rt->reproject_after, REPROJECT_CHUNK, last, sizeof last, &rep, err, sizeof err);
    if (n < 0) {
        log_error(rt->cfg->name, "re-projection stopped: %s", err);
        str_copy(rt->last_error, err, sizeof rt->last_error);
        rt->reprojecting = 0;
        return;
    }
    rt->reprojected += (size_t)n;
    if (rep.outbox_ops) push_kick_tenant(rt);
    if (n > 0) {
        str_copy(rt->reproject_after, last, sizeof rt->reproject_after);
        uv_timer_start(&rt->reproject_timer, reproject_step, 0, 0); /* next chunk after this turn's I/O */
        return;
    }
    log_info(rt->cfg->name, "re-projection done: %llu SKU(s)", (unsigned long long)rt->reprojected);
    rt->reprojecting = 0;
    if (rt->reproject_again) {
        rt->reproject_again = 0;
        rt_reproject(rt);
    }
}

void rt_reproject(struct rt_tenant *rt)
{
    if (rt->failed || rt->hubd->stopping) return;
    if (rt->reprojecting) {
        rt->reproject_again = 1; /* a newer script: start over once this pass ends */
        return;
    }
    if (!rt->reproject_open) {
        uv_timer_init(rt->hubd->loop, &rt->reproject_timer);
        rt->reproject_timer.data = rt;
        rt->reproject_open = 1;
    }
    rt->reprojecting = 1;
    rt->reprojected = 0;
    rt->reproject_after[0] = '\0';
    uv_timer_start(&rt->reproject_timer, reproject_step, 0, 0);
}

static void on_script_reload(void *arg, struct mapping *m, int ok, const char *err)
{
    struct rt_tenant *rt = arg;
    struct mapping_status st;
    mapping_status(m, &st);
    count_reload(rt, st.path, ok);
    if (ok) {
        log_info(rt->cfg->name, "script %s reloaded (version %llu); re-projecting", st.path,
                 (unsigned long long)st.version);
        rt_reproject(rt);
    } else {
        log_error(rt->cfg->name, "script %s refused, version %llu keeps running: %s", st.path,
                  (unsigned long long)st.version, err ? err : "?");
        snprintf(rt->last_error, sizeof rt->last_error, "script %s refused: %s", st.path, err ? err : "?");
    }
}

static void watch_scripts(struct hubd *d)
{
    size_t cap = 0, n = 0;
    struct mapping_watch **w = NULL;
    for (size_t i = 0; i < d->n_tenants; i++) {
        struct rt_tenant *rt = &d->tenants[i];
        if (rt->failed) continue;
        for (size_t k = 0; k <= rt->t->n_channels; k++) {
            struct mapping *m = k < rt->t->n_channels ? rt->t->channels[k].mapping : rt->t->allocation;
            if (!m) continue;
            if (n + 2 > cap) w = realloc(w, (cap = cap ? cap * 2 : 8) * sizeof *w);
            w[n] = mapping_watch_start(d->loop, m, on_script_reload, rt);
            if (w[n]) n++;
        }
    }
    if (w) w[n] = NULL;
    d->watchers = w;
}

int hubd_start(struct hubd *d, uv_loop_t *loop, struct hub_config *cfg, char *err, size_t err_len)
{
    memset(d, 0, sizeof *d);
    d->loop = loop;
    d->cfg = cfg;
    d->started_ms = now_ms();
    srandom((unsigned)(mono_ns() ^ (uint64_t)getpid()));
    d->client = http_client_new(loop, NULL);
    if (!d->client) {
        snprintf(err, err_len, "cannot start the outbound HTTP client");
        return -1;
    }
    uv_check_init(loop, &d->commit_check);
    d->commit_check.data = d;
    uv_check_start(&d->commit_check, on_check);
    d->n_tenants = cfg->n_tenants;
    d->tenants = xcalloc(cfg->n_tenants ? cfg->n_tenants : 1, sizeof *d->tenants);
    for (size_t i = 0; i < cfg->n_tenants; i++) tenant_start(d, &d->tenants[i], &cfg->tenants[i]);
    watch_scripts(d);
    uv_timer_init(loop, &d->tick);
    d->tick.data = d;
    uv_timer_start(&d->tick, on_tick, TICK_MS, TICK_MS);
    return 0;
}

struct rt_tenant *hubd_tenant(struct hubd *d, const char *name)
{
    for (size_t i = 0; i < d->n_tenants; i++)
        if (strcmp(d->tenants[i].cfg->name, name) == 0) return &d->tenants[i];
    return NULL;
}

static void free_timer_handle(uv_handle_t *h)
{
    free(h->data);
}

static void close_timer_list(struct hub_instance *inst)
{
    while (inst->timers) {
        struct rt_timer *t = inst->timers;
        inst->timers = t->next;
        uv_timer_stop(&t->handle);
        uv_close((uv_handle_t *)&t->handle, free_timer_handle);
    }
}

/* Stop everything; the caller then runs the loop until it is empty and calls
 * hubd_free. */
void hubd_stop(struct hubd *d)
{
    if (d->stopping) return;
    d->stopping = 1;
    rt_commit_all(d); /* nothing acknowledged may stay in memory */
    uv_timer_stop(&d->tick);
    uv_close((uv_handle_t *)&d->tick, NULL);
    uv_check_stop(&d->commit_check);
    uv_close((uv_handle_t *)&d->commit_check, NULL);
    if (d->watchers) {
        for (struct mapping_watch **w = d->watchers; *w; w++) mapping_watch_stop(*w);
        free(d->watchers);
        d->watchers = NULL;
    }
    for (size_t i = 0; i < d->n_tenants; i++) {
        struct rt_tenant *rt = &d->tenants[i];
        housekeep_stop(rt);
        if (rt->reproject_open) {
            uv_timer_stop(&rt->reproject_timer);
            uv_close((uv_handle_t *)&rt->reproject_timer, NULL);
            rt->reproject_open = 0;
        }
        for (size_t k = 0; k < rt->n_inst; k++) {
            struct hub_instance *inst = &rt->inst[k];
            if (inst->state == INST_RUNNING && inst->desc->stop) inst->desc->stop(inst->ctx);
            close_timer_list(inst);
            /* Handles close here, while the loop still runs; memory goes in hubd_free. */
            if (inst->drain_timer_open) {
                uv_timer_stop(&inst->drain_timer);
                uv_close((uv_handle_t *)&inst->drain_timer, NULL);
                inst->drain_timer_open = 0;
            }
        }
    }
    if (d->client) {
        http_client_free(d->client);
        d->client = NULL;
    }
}

void hubd_free(struct hubd *d)
{
    for (size_t i = 0; i < d->n_tenants; i++) {
        struct rt_tenant *rt = &d->tenants[i];
        for (size_t k = 0; k < rt->n_inst; k++) {
            struct hub_instance *inst = &rt->inst[k];
            if (inst->ctx && inst->desc && inst->desc->destroy) inst->desc->destroy(inst->ctx);
            inst->ctx = NULL;
            if (inst->poll_task) { json_decref(inst->poll_task->seen); free(inst->poll_task); }
            if (inst->reconcile_task) { json_decref(inst->reconcile_task->seen); free(inst->reconcile_task); }
            push_instance_free(inst);
            inst_secrets_free(inst);
            json_decref(inst->in_flight_skus);
            json_decref(inst->map_ctx);
            plugin_metric_cache_free(inst->pmetrics);
            plugin_unload(inst->plugin);
        }
        free(rt->inst);
        while (rt->q_head) {
            struct pending_emit *p = rt->q_head;
            rt->q_head = p->next;
            json_decref(p->event);
            free(p->idem_key);
            free(p);
        }
        tenant_close(rt->t);
    }
    free(d->tenants);
    d->tenants = NULL;
    d->n_tenants = 0;
}

static json_t *script_json(const struct mapping *m, const char *channel)
{
    struct mapping_status st;
    mapping_status(m, &st);
    return json_pack("{s:s, s:s, s:I, s:s, s:I, s:I, s:s?, s:I, s:I}", "channel", channel, "path", st.path,
                     "version", (json_int_t)st.version, "sha256", st.sha256, "loaded_ms",
                     (json_int_t)st.loaded_ms, "reload_failures", (json_int_t)st.reload_failures,
                     "last_error", st.last_error, "calls", (json_int_t)st.calls, "memory_bytes",
                     (json_int_t)st.memory_bytes);
}

json_t *hubd_status(struct hubd *d)
{
    json_t *tenants = json_array();
    for (size_t i = 0; i < d->n_tenants; i++) {
        struct rt_tenant *rt = &d->tenants[i];
        json_t *chans = json_array(), *scripts = json_array();
        for (size_t k = 0; k < rt->n_inst; k++) {
            struct hub_instance *inst = &rt->inst[k];
            json_array_append_new(chans, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:i, s:s, s:I, s:f}",
                "name", inst->cfg->name, "state", state_name(inst->state), "mode", mode_name(inst->mode),
                "last_error", inst->last_error, "pushed_ok", (json_int_t)inst->pushed_ok, "pushed_retry",
                (json_int_t)inst->pushed_retry, "pushed_fatal", (json_int_t)inst->pushed_fatal,
                "in_flight", (int)inst->in_flight, "circuit", breaker_state_name(inst->breaker.state),
                "drift_found", (json_int_t)inst->drift_found, "rate_tokens", inst->bucket.tokens));
        }
        if (!rt->failed) {
            for (size_t k = 0; k < rt->t->n_channels; k++)
                if (rt->t->channels[k].mapping)
                    json_array_append_new(scripts, script_json(rt->t->channels[k].mapping, rt->t->channels[k].cfg->name));
            if (rt->t->allocation) json_array_append_new(scripts, script_json(rt->t->allocation, "(allocation)"));
        }
        json_array_append_new(tenants, json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:I}", "tenant", rt->cfg->name,
            "state", rt->failed ? "failed" : "running", "last_error", rt->failed || !rt->t ? rt->last_error
            : (*rt->last_error ? rt->last_error : rt->t->last_error), "channels", chans, "scripts", scripts,
            "events_in", (json_int_t)rt->events_in, "commits", (json_int_t)rt->commits));
        json_t *tj = json_array_get(tenants, json_array_size(tenants) - 1);
        json_object_set_new(tj, "reprojecting", json_boolean(rt->reprojecting));
        json_object_set_new(tj, "reprojected", json_integer((json_int_t)rt->reprojected));
    }
    return json_pack("{s:{s:I, s:I, s:i}, s:o}", "hubd", "pid", (json_int_t)getpid(), "uptime_ms",
                     (json_int_t)(now_ms() - d->started_ms), "port", 0, "tenants", tenants);
}

json_t *hubd_reload(struct hubd *d, const char *tenant)
{
    json_t *results = json_array();
    int ok = 1, found = 0;
    for (size_t i = 0; i < d->n_tenants; i++) {
        struct rt_tenant *rt = &d->tenants[i];
        if (tenant && strcmp(rt->cfg->name, tenant) != 0) continue;
        found = 1;
        if (rt->failed) continue;
        int any = 0;
        for (size_t k = 0; k <= rt->t->n_channels; k++) {
            struct mapping *m = k < rt->t->n_channels ? rt->t->channels[k].mapping : rt->t->allocation;
            if (!m) continue;
            char err[1024] = "";
            int rc = mapping_reload(m, err, sizeof err);
            struct mapping_status st;
            mapping_status(m, &st);
            json_t *r = json_pack("{s:s, s:s, s:s, s:I}", "tenant", rt->cfg->name, "channel",
                                  k < rt->t->n_channels ? rt->t->channels[k].cfg->name : "(allocation)",
                                  "path", st.path, "version", (json_int_t)st.version);
            count_reload(rt, st.path, rc == 0);
            if (rc != 0) {
                json_object_set_new(r, "error", json_string(err));
                ok = 0;
            } else any = 1;
            json_array_append_new(results, r);
        }
        if (any) rt_reproject(rt);
    }
    json_t *out = json_pack("{s:b, s:o}", "ok", ok && (found || !tenant), "results", results);
    if (tenant && !found) json_object_set_new(out, "error", json_sprintf("no tenant '%s'", tenant));
    return out;
}
