#include "sync/dryrun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/util.h"
#include "sync/runtime.h"

struct dry_answer {
    uv_timer_t timer;
    hub_http_done_fn done;
    void *arg;
};

char *dryrun_path(const char *dir, const char *channel)
{
    return xasprintf("%s/dry-run/%s.jsonl", dir, channel);
}

int dryrun_header_secret(const char *name)
{
    static const char *const secret[] = {"authorization", "x-shopify-access-token", "x-tts-access-token",
                                         "x-amz-access-token", "cookie", "x-api-key", "proxy-authorization"};
    for (size_t i = 0; i < ARRAY_LEN(secret); i++)
        if (strcasecmp(name, secret[i]) == 0) return 1;
    return 0;
}

static void answer_closed(uv_handle_t *h) { free(h->data); }

static void answer(uv_timer_t *t)
{
    struct dry_answer *a = t->data;
    struct hub_http_response r = {.status = 200, .body = "", .body_len = 0, .dry_run = 1};
    a->done(a->arg, &r);
    uv_close((uv_handle_t *)&a->timer, answer_closed);
}

int dryrun_record(struct hub_instance *inst, const struct hub_http_request *req, hub_http_done_fn done,
                  void *arg)
{
    json_t *headers = json_object();
    for (size_t i = 0; i < req->n_headers; i++)
        json_object_set_new(headers, req->headers[i].name,
                            json_string(dryrun_header_secret(req->headers[i].name) ? "***" : req->headers[i].value));
    json_t *rec = json_pack("{s:I, s:s, s:s, s:o}", "ts_ms", (json_int_t)now_ms(), "method", req->method,
                            "url", req->url, "headers", headers);
    if (req->body && req->body_len) {
        json_t *body = json_loadb(req->body, req->body_len, JSON_DECODE_ANY, NULL);
        json_object_set_new(rec, "body", body ? body : json_stringn(req->body, req->body_len));
    }
    char *dir = xasprintf("%s/dry-run", inst->rt->cfg->data_dir);
    mkdir_p(dir, 0700);
    free(dir);
    char *path = dryrun_path(inst->rt->cfg->data_dir, inst->cfg->name);
    struct stat st;
    if (stat(path, &st) == 0 && (size_t)st.st_size > DRYRUN_MAX_BYTES) {
        char *old = xasprintf("%s.1", path);
        rename(path, old);
        free(old);
    }
    FILE *f = fopen(path, "a");
    free(path);
    char *line = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(rec);
    if (f) {
        fprintf(f, "%s\n", line);
        fclose(f);
    }
    free(line);
    if (!f) return -1;
    struct dry_answer *a = xcalloc(1, sizeof *a);
    a->done = done;
    a->arg = arg;
    uv_timer_init(inst->rt->hubd->loop, &a->timer);
    a->timer.data = a;
    uv_timer_start(&a->timer, answer, 0, 0);
    return 0;
}
