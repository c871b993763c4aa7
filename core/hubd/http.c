#include "hubd/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/util.h"
#include "hubd/admin.h"
#include "net/http_router.h"
#include "net/http_server.h"
#include "net/metrics.h"

struct plugin_route {
    struct hub_instance *inst;
    const struct hub_route *route;
    size_t prefix_len; /* "/t/<tenant>/<channel>/" */
    struct plugin_route *next;
};

static struct http_router *g_router;
static struct plugin_route *g_routes;

static void healthz(void *arg, struct http_request *req)
{
    struct hubd *d = arg;
    json_t *failed = json_array();
    for (size_t i = 0; i < d->n_tenants; i++)
        if (d->tenants[i].failed) json_array_append_new(failed, json_string(d->tenants[i].cfg->name));
    int ok = json_array_size(failed) == 0;
    http_respond_json(req, 200, json_pack("{s:s, s:o}", "status", ok ? "ok" : "degraded", "failed_tenants", failed));
}

static void metrics(void *arg, struct http_request *req)
{
    (void)arg;
    struct buf b = BUF_INIT;
    metrics_render(&b);
    struct hub_header h = {"Content-Type", METRICS_CONTENT_TYPE};
    http_respond(req, 200, &h, 1, b.data ? b.data : "", b.len);
    buf_free(&b);
}

static void plugin_route(void *arg, struct http_request *req)
{
    struct plugin_route *pr = arg;
    struct hub_instance *inst = pr->inst;
    if (inst->state != INST_RUNNING) {
        http_respond_error(req, 503, "channel '%s' is not running: %s", inst->cfg->name, inst->last_error);
        return;
    }
    http_request_set_route_rest(req, pr->prefix_len);
    pr->route->handle(inst->ctx, (struct hub_http_req *)req);
}

static void add_plugin_routes(struct hubd *d)
{
    for (size_t i = 0; i < d->n_tenants; i++) {
        struct rt_tenant *rt = &d->tenants[i];
        for (size_t k = 0; k < rt->n_inst; k++) {
            struct hub_instance *inst = &rt->inst[k];
            if (!inst->desc || !inst->desc->routes) continue;
            for (const struct hub_route *r = inst->desc->routes; r->method; r++) {
                struct plugin_route *pr = xcalloc(1, sizeof *pr);
                pr->inst = inst;
                pr->route = r;
                char *pattern = xasprintf("/t/%s/%s/%s", rt->cfg->name, inst->cfg->name, r->path);
                pr->prefix_len = strlen(pattern) - strlen(r->path);
                if (http_router_add(g_router, r->method, pattern, plugin_route, pr) != 0) {
                    log_error(rt->cfg->name, "channel '%s': cannot serve %s %s", inst->cfg->name, r->method, pattern);
                    free(pr);
                } else {
                    log_debug(rt->cfg->name, "serving %s %s", r->method, pattern);
                    pr->next = g_routes;
                    g_routes = pr;
                }
                free(pattern);
            }
        }
    }
}

int hubd_http_start(struct hubd *d, const char *listen, char *err, size_t err_len)
{
    g_router = http_router_new();
    http_router_add(g_router, "GET", "/healthz", healthz, d);
    http_router_add(g_router, "GET", "/metrics", metrics, d);
    admin_http_add_routes(d, g_router);
    add_plugin_routes(d);
    struct http_limits lim;
    http_limits_default(&lim);
    if (http_server_start(d->loop, listen, &lim, http_router_dispatch, g_router, &d->http, err, err_len) != 0)
        return -1;
    log_info("http", "listening on %s (port %d)", listen, http_server_port(d->http));
    return 0;
}

int hubd_http_port(struct hubd *d)
{
    return d->http ? http_server_port(d->http) : 0;
}

static void http_closed(void *arg)
{
    (void)arg;
    http_router_free(g_router);
    g_router = NULL;
    admin_http_free();
    while (g_routes) {
        struct plugin_route *n = g_routes->next;
        free(g_routes);
        g_routes = n;
    }
}

void hubd_http_stop(struct hubd *d)
{
    if (!d->http) {
        if (g_router) http_closed(NULL);
        return;
    }
    http_server_stop(d->http, http_closed, NULL);
    d->http = NULL;
}
