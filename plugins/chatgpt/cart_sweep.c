/* cart_sweep.c - abandoned carts and ACP checkout sessions are deleted once
 * nobody touched them for cart_retention (cart.h, "Retention").
 *
 * A pass walks the state names "cart:" then "acp:cs:" with host->state_each,
 * CHUNK entries at a time (the next chunk a moment later, so the loop never
 * waits long), and deletes only what that chunk found abandoned
 * (state_set(name, NULL)).  A pass starts every cart_sweep_interval (the first
 * one a minute after start, or sooner with a shorter interval).  Orders,
 * ordered carts and carts with an order in progress are never deleted.  On a
 * hub without state_each (ABI 1.0) nothing is swept: logged once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acp.h"
#include "cart.h"

#define CHUNK 500
#define CHUNK_GAP_MS 50
#define FIRST_PASS_MS 60000
#define CART_PREFIX "cart:"
#define SESSION_PREFIX "acp:cs:"

enum scope { SCOPE_CARTS, SCOPE_SESSIONS, SCOPE_DONE };

struct cart_sweep {
    uint64_t timer;       /* starts a pass every cart_sweep_interval */
    uint64_t chunk_timer; /* the next chunk of the pass under way; 0 if none */
    enum scope scope;     /* where the pass under way is */
    char after[256];      /* last name seen in this scope ("": from its start) */
    int running;
    int64_t carts, sessions; /* deleted in this pass */
};

/* What one chunk saw (filled in state_each's callback, acted on after it). */
struct chunk {
    struct chatgpt *g;
    enum scope scope;
    uint64_t now;
    json_t *carts;    /* cart ids to delete */
    json_t *sessions; /* stored sessions idle for the retention */
    char last[256];
};

static const char *jstr(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static int idle_for(const json_t *rec, uint64_t now, int64_t ms)
{
    json_t *u = json_object_get(rec, "updated_ms");
    if (!json_is_integer(u)) return 0;
    return (int64_t)now - (int64_t)json_integer_value(u) >= ms;
}

int cart_abandoned(struct chatgpt *g, const json_t *cart, uint64_t now)
{
    if (g->cart_retention_ms <= 0 || !json_is_object(cart)) return 0;
    const char *status = jstr(cart, "status"), *id = jstr(cart, "id");
    if (!status || !id || (strcmp(status, "open") != 0 && strcmp(status, "released") != 0)) return 0;
    if (json_object_get(cart, "pending_order_id")) return 0; /* place_order under way or to retry */
    if (!idle_for(cart, now, g->cart_retention_ms)) return 0;
    int holds = 0;
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(cart, "lines"), i, l) holds += json_array_size(json_object_get(l, "holds")) > 0;
    if (holds && !idle_for(cart, now, CART_HOLD_MAX_MS)) return 0; /* stock may still be held */
    return !cart_busy(g, id);
}

static int visit(void *arg, const char *name, const char *value)
{
    struct chunk *c = arg;
    snprintf(c->last, sizeof c->last, "%s", name);
    json_t *rec = json_loads(value, 0, NULL);
    if (!json_is_object(rec)) {
        json_decref(rec);
        return 0;
    }
    if (c->scope == SCOPE_CARTS) {
        /* an ACP session's cart goes with its session */
        const char *client = jstr(rec, "client");
        if ((!client || strcmp(client, ACP_CLIENT) != 0) && cart_abandoned(c->g, rec, c->now))
            json_array_append_new(c->carts, json_string(name + strlen(CART_PREFIX)));
    } else if (idle_for(rec, c->now, c->g->cart_retention_ms)) {
        json_array_append(c->sessions, rec);
    }
    json_decref(rec);
    return 0;
}

static int delete_cart(struct chatgpt *g, const char *id)
{
    char name[96];
    snprintf(name, sizeof name, CART_PREFIX "%s", id);
    return g->host->state_set(g->inst, name, NULL);
}

/* A session idle for the retention goes together with its cart when that
 * cart is abandoned (or already gone); a canceled or completed one also when
 * its cart is ordered (kept for good).  Otherwise it waits: its cart (client
 * "acp", skipped by the cart scope) must never outlive it.  The cart is
 * deleted first, so a crash in between leaves a session without a cart,
 * which the next pass deletes. */
static void sweep_session(struct chatgpt *g, struct cart_sweep *sw, const json_t *s, uint64_t now)
{
    const char *id = jstr(s, "id"), *status = jstr(s, "status"), *cart_id = jstr(s, "cart_id");
    if (!id || !status || acp_session_in_use(g, id)) return;
    json_t *cart = cart_id ? cart_get(g, cart_id, NULL) : NULL;
    int has_cart = cart != NULL, cart_goes = cart && cart_abandoned(g, cart, now);
    const char *cstatus = cart ? jstr(cart, "status") : NULL;
    int ordered = cstatus && strcmp(cstatus, "ordered") == 0;
    int closed = strcmp(status, "canceled") == 0 || strcmp(status, "completed") == 0;
    json_decref(cart);
    if (has_cart && !cart_goes && !(closed && ordered)) return;
    if (cart_goes) {
        if (delete_cart(g, cart_id) != 0) return;
        sw->carts++;
    }
    char name[128];
    snprintf(name, sizeof name, SESSION_PREFIX "%s", id);
    if (g->host->state_set(g->inst, name, NULL) == 0) sw->sessions++;
}

static void pass_done(struct chatgpt *g, struct cart_sweep *sw)
{
    sw->running = 0;
    if (sw->carts) g->host->metric_add(g->inst, "carts_pruned", (double)sw->carts);
    if (sw->sessions) g->host->metric_add(g->inst, "acp_sessions_pruned", (double)sw->sessions);
    if (sw->carts || sw->sessions)
        g->host->log(g->inst, HUB_LOG_INFO,
                     "chatgpt: deleted %lld abandoned cart(s) and %lld checkout session(s) idle for the cart_retention",
                     (long long)sw->carts, (long long)sw->sessions);
}

static void chunk_fire(void *arg);

/* One chunk of the current scope; 1 if the pass has more to do. */
static int run_chunk(struct chatgpt *g, struct cart_sweep *sw)
{
    struct chunk c = {.g = g, .scope = sw->scope, .now = g->host->now_ms(g->inst),
                      .carts = json_array(), .sessions = json_array()};
    const char *prefix = sw->scope == SCOPE_CARTS ? CART_PREFIX : SESSION_PREFIX;
    int n = g->host->state_each(g->inst, prefix, sw->after[0] ? sw->after : NULL, CHUNK, visit, &c);
    if (n < 0) {
        g->host->log(g->inst, HUB_LOG_WARN, "chatgpt: cart sweep: cannot read the carts; trying again next pass");
        sw->scope = SCOPE_DONE;
    } else if (n < CHUNK) { /* the end of this scope */
        sw->scope = sw->scope == SCOPE_CARTS ? SCOPE_SESSIONS : SCOPE_DONE;
        sw->after[0] = '\0';
    } else {
        snprintf(sw->after, sizeof sw->after, "%s", c.last);
    }
    size_t i;
    json_t *v;
    json_array_foreach(c.carts, i, v) {
        const char *id = json_string_value(v);
        if (!cart_busy(g, id) && delete_cart(g, id) == 0) sw->carts++;
    }
    json_array_foreach(c.sessions, i, v) sweep_session(g, sw, v, c.now);
    json_decref(c.carts);
    json_decref(c.sessions);
    return sw->scope != SCOPE_DONE;
}

static void chunk_fire(void *arg)
{
    struct chatgpt *g = arg;
    struct cart_sweep *sw = g->sweep;
    if (sw->chunk_timer) g->host->timer_stop(g->inst, sw->chunk_timer); /* one shot */
    sw->chunk_timer = 0;
    if (g->stopping) return;
    if (run_chunk(g, sw))
        sw->chunk_timer = g->host->timer_start(g->inst, CHUNK_GAP_MS, 0, chunk_fire, g);
    else
        pass_done(g, sw);
}

static void pass_fire(void *arg)
{
    struct chatgpt *g = arg;
    struct cart_sweep *sw = g->sweep;
    if (g->stopping || sw->running) return; /* the last pass is still going */
    sw->running = 1;
    sw->scope = SCOPE_CARTS;
    sw->after[0] = '\0';
    sw->carts = sw->sessions = 0;
    chunk_fire(g);
}

void cart_sweep_start(struct chatgpt *g)
{
    if (g->cart_retention_ms <= 0) return;
    if (!HUB_HOST_HAS(g->host, state_each)) {
        g->host->log(g->inst, HUB_LOG_WARN,
                     "chatgpt: this hub cannot list state (ABI %u.%u < 1.1): abandoned carts are kept (cart_retention ignored)",
                     (unsigned)g->host->abi_major, (unsigned)g->host->abi_minor);
        return;
    }
    g->sweep = calloc(1, sizeof *g->sweep);
    if (!g->sweep) return;
    uint64_t every = (uint64_t)g->cart_sweep_ms;
    g->sweep->timer = g->host->timer_start(g->inst, every < FIRST_PASS_MS ? every : FIRST_PASS_MS, every,
                                           pass_fire, g);
}

void cart_sweep_stop(struct chatgpt *g)
{
    struct cart_sweep *sw = g->sweep;
    if (!sw) return;
    if (sw->timer) g->host->timer_stop(g->inst, sw->timer);
    if (sw->chunk_timer) g->host->timer_stop(g->inst, sw->chunk_timer);
    sw->timer = sw->chunk_timer = 0;
}

void cart_sweep_destroy(struct chatgpt *g)
{
    free(g->sweep);
    g->sweep = NULL;
}
