/* funnel.c - per-day funnel counters: metrics at once, durable record batched (funnel.h). */
#include "funnel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct funnel {
    char name[32];   /* "funnel:<date>" of the day held in `day` */
    json_t *day;     /* that day's record */
    int dirty;       /* `day` has counts not yet written */
    uint64_t timer;  /* pending flush timer, 0 if none */
};

static const char *const STAGES[][2] = {
    /* event, record field */
    {"cart_created", "carts_created"},
    {"checkout_started", "checkout_started"},
    {"handoff_issued", "handoff_issued"},
    {"handoff_redeemed", "handoff_redeemed"},
    {"order_placed", "orders_placed"},
};

void funnel_day_name(uint64_t ms, char out[32])
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char date[16];
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    snprintf(out, 32, "funnel:%s", date);
}

static json_t *empty_day(const char *name)
{
    json_t *d = json_pack("{s:s, s:{}}", "date", name + strlen("funnel:"), "tool_calls");
    for (size_t i = 0; i < sizeof STAGES / sizeof *STAGES; i++) json_object_set_new(d, STAGES[i][1], json_integer(0));
    return d;
}

/* Load the day's record (a restart the same day continues it), or a fresh one. */
static void open_day(struct chatgpt *g, struct funnel *f, const char *name)
{
    json_decref(f->day);
    snprintf(f->name, sizeof f->name, "%s", name);
    f->day = NULL;
    char *text = g->host->state_get(g->inst, name);
    if (text) {
        f->day = json_loads(text, 0, NULL);
        g->host->free(text);
        if (!json_is_object(f->day) || !json_is_object(json_object_get(f->day, "tool_calls"))) {
            g->host->log(g->inst, HUB_LOG_WARN, "funnel: record %s is damaged; starting it again", name);
            json_decref(f->day);
            f->day = NULL;
        }
    }
    if (!f->day) f->day = empty_day(name);
}

void funnel_flush(struct chatgpt *g)
{
    struct funnel *f = g->funnel;
    if (!f || !f->dirty || !f->day) return;
    char *text = chatgpt_dump(f->day);
    if (text && g->host->state_set(g->inst, f->name, text) == 0) f->dirty = 0;
    else g->host->log(g->inst, HUB_LOG_WARN, "funnel: could not write %s; will retry", f->name);
    free(text);
}

static void on_flush_timer(void *arg)
{
    struct chatgpt *g = arg;
    struct funnel *f = g->funnel;
    if (!f) return;
    f->timer = 0;
    funnel_flush(g);
    if (f->dirty && !g->stopping) /* the write failed: try again later */
        f->timer = g->host->timer_start(g->inst, FUNNEL_FLUSH_MS, 0, on_flush_timer, g);
}

static void bump(json_t *obj, const char *key)
{
    json_int_t n = json_integer_value(json_object_get(obj, key));
    json_object_set_new(obj, key, json_integer(n + 1));
}

static int tool_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '-' || *s == '.'))
            return 0;
    return 1;
}

void funnel_count(struct chatgpt *g, const char *event)
{
    struct funnel *f = g ? g->funnel : NULL;
    if (!f || !event) return;
    const struct hub_host *host = g->host;
    char metric[128];
    const char *field = NULL, *tool = NULL;
    if (strncmp(event, "tool_call:", 10) == 0 && tool_name_ok(event + 10)) {
        tool = event + 10;
        snprintf(metric, sizeof metric, "funnel_tool_call_%s", tool);
    } else {
        for (size_t i = 0; i < sizeof STAGES / sizeof *STAGES; i++)
            if (strcmp(event, STAGES[i][0]) == 0) field = STAGES[i][1];
        if (!field) {
            host->log(g->inst, HUB_LOG_DEBUG, "funnel: unknown event '%s' ignored", event);
            return;
        }
        snprintf(metric, sizeof metric, "funnel_%s", event);
    }
    if (HUB_HOST_HAS(host, metric_add)) host->metric_add(g->inst, metric, 1);

    char name[32];
    funnel_day_name(host->now_ms(g->inst), name);
    if (strcmp(name, f->name) != 0) {
        funnel_flush(g); /* yesterday's last counts go to yesterday */
        open_day(g, f, name);
    }
    if (tool) bump(json_object_get(f->day, "tool_calls"), tool);
    else bump(f->day, field);
    f->dirty = 1;
    if (!f->timer && !g->stopping) f->timer = host->timer_start(g->inst, FUNNEL_FLUSH_MS, 0, on_flush_timer, g);
    if (!f->timer) funnel_flush(g); /* no timer (stopping): write through */
}

int funnel_init(struct chatgpt *g)
{
    struct funnel *f = calloc(1, sizeof *f);
    if (!f) return -1;
    g->funnel = f;
    return 0;
}

void funnel_stop(struct chatgpt *g)
{
    struct funnel *f = g->funnel;
    if (!f) return;
    if (f->timer) g->host->timer_stop(g->inst, f->timer);
    f->timer = 0;
    funnel_flush(g);
}

void funnel_destroy(struct chatgpt *g)
{
    struct funnel *f = g->funnel;
    if (!f) return;
    funnel_flush(g);
    json_decref(f->day);
    free(f);
    g->funnel = NULL;
}
