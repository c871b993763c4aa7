#include "hubd/admin.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/json_text.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/util.h"

#define ADMIN_MAX_LINE (64u * 1024u)

struct admin {
    uv_pipe_t server;
    char *path;
    struct hubd *d;
};

struct admin_conn {
    uv_pipe_t pipe;
    struct admin *a;
    struct buf in;
};

json_t *admin_handle(struct hubd *d, json_t *req)
{
    const char *cmd = json_string_value(json_object_get(req, "cmd"));
    const char *tenant = json_string_value(json_object_get(req, "tenant"));
    if (!cmd) return json_pack("{s:b, s:s}", "ok", 0, "error", "request needs \"cmd\"");
    if (strcmp(cmd, "ping") == 0) return json_pack("{s:b}", "ok", 1);
    if (strcmp(cmd, "status") == 0) return hubd_status(d);
    if (strcmp(cmd, "reload") == 0) return hubd_reload(d, tenant);
    struct rt_tenant *rt = tenant ? hubd_tenant(d, tenant) : NULL;
    if (!rt) return json_pack("{s:b, s:s}", "ok", 0, "error", tenant ? "no such tenant" : "request needs \"tenant\"");
    if (rt->failed) return json_pack("{s:b, s:s}", "ok", 0, "error", rt->last_error);
    if (strcmp(cmd, "kick") == 0) {
        push_kick_tenant(rt);
        return json_pack("{s:b}", "ok", 1);
    }
    if (strcmp(cmd, "reconcile") == 0) {
        const char *ch = json_string_value(json_object_get(req, "channel"));
        for (size_t i = 0; ch && i < rt->n_inst; i++) {
            if (strcmp(rt->inst[i].cfg->name, ch) != 0) continue;
            int rc = task_reconcile_start(&rt->inst[i]);
            if (rc < 0) return json_pack("{s:b, s:s}", "ok", 0, "error", "channel cannot reconcile (not running or no capability)");
            return json_pack("{s:b, s:b}", "ok", 1, "already_running", rc == 1);
        }
        return json_pack("{s:b, s:s}", "ok", 0, "error", "no such channel");
    }
    return json_pack("{s:b, s:s}", "ok", 0, "error", "unknown command");
}

static void conn_closed(uv_handle_t *h)
{
    struct admin_conn *c = h->data;
    buf_free(&c->in);
    free(c);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *out)
{
    struct admin_conn *c = h->data;
    if (buf_reserve(&c->in, suggested) != 0) { out->base = NULL; out->len = 0; return; }
    out->base = c->in.data + c->in.len;
    out->len = c->in.cap - c->in.len - 1;
}

struct write_req {
    uv_write_t w;
    char *data;
};

static void write_done(uv_write_t *w, int status)
{
    struct write_req *r = (struct write_req *)w;
    (void)status;
    free(r->data);
    free(r);
}

static void reply(struct admin_conn *c, json_t *resp)
{
    struct write_req *r = xcalloc(1, sizeof *r);
    char *s = json_text(resp, 0);
    r->data = xasprintf("%s\n", s ? s : "{}");
    free(s);
    uv_buf_t b = uv_buf_init(r->data, (unsigned)strlen(r->data));
    if (uv_write(&r->w, (uv_stream_t *)&c->pipe, &b, 1, write_done) != 0) {
        free(r->data);
        free(r);
    }
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    struct admin_conn *c = s->data;
    (void)b;
    if (n < 0) {
        uv_close((uv_handle_t *)s, conn_closed);
        return;
    }
    c->in.len += (size_t)n;
    c->in.data[c->in.len] = '\0';
    char *nl;
    while ((nl = memchr(c->in.data, '\n', c->in.len))) {
        *nl = '\0';
        json_error_t jerr;
        json_t *req = json_loads(c->in.data, 0, &jerr);
        json_t *resp = req ? admin_handle(c->a->d, req)
                           : json_pack("{s:b, s:s}", "ok", 0, "error", "request is not JSON");
        reply(c, resp);
        json_decref(req);
        json_decref(resp);
        size_t used = (size_t)(nl - c->in.data) + 1;
        memmove(c->in.data, nl + 1, c->in.len - used + 1);
        c->in.len -= used;
    }
    if (c->in.len > ADMIN_MAX_LINE) uv_close((uv_handle_t *)s, conn_closed);
}

static void on_connect(uv_stream_t *server, int status)
{
    struct admin *a = server->data;
    if (status < 0) return;
    struct admin_conn *c = xcalloc(1, sizeof *c);
    c->a = a;
    uv_pipe_init(a->d->loop, &c->pipe, 0);
    c->pipe.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->pipe) != 0) {
        uv_close((uv_handle_t *)&c->pipe, conn_closed);
        return;
    }
    uv_read_start((uv_stream_t *)&c->pipe, alloc_cb, read_cb);
}

int admin_start(struct hubd *d, const char *path, char *err, size_t err_len)
{
    struct admin *a = xcalloc(1, sizeof *a);
    a->d = d;
    a->path = xstrdup(path);
    uv_pipe_init(d->loop, &a->server, 0);
    a->server.data = a;
    /* A socket left by a killed hubd is stale; a live hubd answers a connect. */
    uv_fs_t req;
    if (uv_fs_unlink(d->loop, &req, path, NULL) == 0) log_debug("admin", "removed stale socket %s", path);
    uv_fs_req_cleanup(&req);
    int rc = uv_pipe_bind(&a->server, path);
    if (rc == 0) rc = uv_listen((uv_stream_t *)&a->server, 16, on_connect);
    if (rc != 0) {
        snprintf(err, err_len, "admin socket %s: %s", path, uv_strerror(rc));
        uv_close((uv_handle_t *)&a->server, NULL);
        free(a->path);
        free(a);
        return -1;
    }
    chmod(path, 0600);
    d->admin = a;
    return 0;
}

static void server_closed(uv_handle_t *h)
{
    struct admin *a = h->data;
    free(a->path);
    free(a);
}

void admin_stop(struct hubd *d)
{
    struct admin *a = d->admin;
    if (!a) return;
    unlink(a->path);
    uv_close((uv_handle_t *)&a->server, server_closed);
    d->admin = NULL;
}
