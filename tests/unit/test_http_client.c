/* test_http_client.c - the libcurl-multi-on-libuv client against a real local
 * HTTP/1.1 server (tests/sim/http_echo.py, started once for the whole file). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "net/http_client.h"

extern char **environ;

/* ------------------------------------------------------------ the server */
static pid_t g_srv_pid = -1;
static int g_srv_stdin = -1; /* EOF on it stops the server if we die */
static int g_port;

static int server_start(void **state)
{
    const char *src = getenv("HUB_SRC_DIR");
    char *script = xasprintf("%s/tests/sim/http_echo.py", src ? src : ".");
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    char *argv[] = {(char *)"/usr/bin/python3", script, NULL};
    int rc = posix_spawn(&g_srv_pid, "/usr/bin/python3", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    free(script);
    close(in[0]);
    close(out[1]);
    if (rc != 0) {
        fprintf(stderr, "posix_spawn python3: %s\n", strerror(rc));
        return -1;
    }
    g_srv_stdin = in[1];
    FILE *f = fdopen(out[0], "r");
    if (!f || fscanf(f, "%d", &g_port) != 1 || g_port <= 0) {
        fprintf(stderr, "http_echo.py did not report a port\n");
        return -1;
    }
    fclose(f);
    return 0;
}

static int server_stop(void **state)
{
    if (g_srv_pid > 0) {
        kill(g_srv_pid, SIGTERM);
        waitpid(g_srv_pid, NULL, 0);
        g_srv_pid = -1;
    }
    if (g_srv_stdin >= 0) close(g_srv_stdin);
    g_srv_stdin = -1;
    return 0;
}

static char *url_for(const char *path) { return xasprintf("http://127.0.0.1:%d%s", g_port, path); }

/* ------------------------------------------------------------ loop fixture */
struct ctx {
    uv_loop_t loop;
    uv_timer_t tick; /* wakes uv_run(ONCE) so deadlines are checked */
    struct http_client *c;
};

static void on_tick(uv_timer_t *t) {}

static void ctx_init(struct ctx *x, const struct http_client_opts *opts)
{
    assert_int_equal(uv_loop_init(&x->loop), 0);
    uv_timer_init(&x->loop, &x->tick);
    uv_timer_start(&x->tick, on_tick, 20, 20);
    x->c = http_client_new(&x->loop, opts);
    assert_non_null(x->c);
}

/* Run until *count >= target or timeout_ms pass (then the caller's assert fails). */
static void run_until(struct ctx *x, const int *count, int target, uint64_t timeout_ms)
{
    uint64_t deadline = mono_ms() + timeout_ms;
    while (*count < target && mono_ms() < deadline) uv_run(&x->loop, UV_RUN_ONCE);
}

static void run_for(struct ctx *x, uint64_t ms)
{
    uint64_t deadline = mono_ms() + ms;
    while (mono_ms() < deadline) uv_run(&x->loop, UV_RUN_ONCE);
}

/* Free the client, let every handle close, and prove the loop is empty. */
static void ctx_finish(struct ctx *x)
{
    http_client_free(x->c);
    x->c = NULL;
    uv_close((uv_handle_t *)&x->tick, NULL);
    uv_run(&x->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&x->loop), 0);
}

/* ------------------------------------------------------------ captured responses */
struct result {
    int calls;
    int status;
    char *error;
    char *body;
    size_t body_len;
    int body_terminated;
    uint32_t elapsed_ms;
    size_t n_headers;
    char **names, **values;
    int *counter; /* optional: shared completion count */
};

static void on_done(void *arg, const struct hub_http_response *resp)
{
    struct result *r = arg;
    r->calls++;
    if (r->counter) (*r->counter)++;
    if (r->calls > 1) return; /* the test asserts calls == 1 */
    r->status = resp->status;
    r->error = resp->error ? xstrdup(resp->error) : NULL;
    r->body = xmalloc(resp->body_len + 1);
    memcpy(r->body, resp->body, resp->body_len);
    r->body[resp->body_len] = '\0';
    r->body_len = resp->body_len;
    r->body_terminated = resp->body[resp->body_len] == '\0';
    r->elapsed_ms = resp->elapsed_ms;
    r->n_headers = resp->n_headers;
    r->names = xcalloc(resp->n_headers + 1, sizeof(char *));
    r->values = xcalloc(resp->n_headers + 1, sizeof(char *));
    for (size_t i = 0; i < resp->n_headers; i++) {
        r->names[i] = xstrdup(resp->headers[i].name);
        r->values[i] = xstrdup(resp->headers[i].value);
    }
}

static const char *hdr(const struct result *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcmp(r->names[i], name) == 0) return r->values[i];
    return NULL;
}

static void result_free(struct result *r)
{
    for (size_t i = 0; i < r->n_headers; i++) {
        free(r->names[i]);
        free(r->values[i]);
    }
    free(r->names);
    free(r->values);
    free(r->error);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

static uint64_t send_req(struct ctx *x, const char *method, const char *path, const char *body,
                         size_t body_len, uint32_t timeout_ms, struct result *res)
{
    char *url = url_for(path);
    struct hub_http_request req = {
        .method = method, .url = url, .body = body, .body_len = body_len, .timeout_ms = timeout_ms};
    uint64_t id = 0;
    assert_int_equal(http_client_request(x->c, &req, on_done, res, &id), 0);
    assert_true(id > 0);
    free(url);
    return id;
}

/* Expected counters (-1: any), and the invariant that ties them together. */
static void assert_stats(struct http_client *c, long req, long resp, long fail, long canc, long infl)
{
    struct http_client_stats s;
    http_client_get_stats(c, &s);
    assert_int_equal(s.requests, s.responses + s.failures + s.cancelled + s.in_flight);
    const long want[] = {req, resp, fail, canc, infl};
    const uint64_t got[] = {s.requests, s.responses, s.failures, s.cancelled, s.in_flight};
    for (size_t i = 0; i < ARRAY_LEN(want); i++)
        if (want[i] >= 0) assert_int_equal(got[i], (uint64_t)want[i]);
}

/* Run until r's done ran, which must be exactly once by then. */
static void wait_one(struct ctx *x, struct result *r)
{
    run_until(x, &r->calls, 1, 20000);
    assert_int_equal(r->calls, 1);
}

static unsigned char pattern_byte(size_t i) { return (unsigned char)(i % 251); }

/* ------------------------------------------------------------ tests */
static void test_get_status_headers_body(void **state)
{
    struct ctx x;
    ctx_init(&x, NULL);
    struct result r = {0};
    send_req(&x, "GET", "/status?code=200", NULL, 0, 0, &r);
    wait_one(&x, &r);
    assert_int_equal(r.status, 200);
    assert_null(r.error);
    assert_int_equal(r.body_len, 10);
    assert_string_equal(r.body, "status 200");
    assert_true(r.body_terminated);
    /* names lower-cased, values trimmed, duplicates kept in order */
    for (size_t i = 0; i < r.n_headers; i++)
        for (const char *p = r.names[i]; *p; p++) assert_false(*p >= 'A' && *p <= 'Z');
    assert_string_equal(hdr(&r, "x-mixed-case"), "Some Value");
    assert_string_equal(hdr(&r, "content-length"), "10");
    const char *cookies[2];
    size_t nc = 0;
    for (size_t i = 0; i < r.n_headers; i++)
        if (strcmp(r.names[i], "set-cookie") == 0 && nc < 2) cookies[nc++] = r.values[i];
    assert_int_equal(nc, 2);
    assert_string_equal(cookies[0], "a=1");
    assert_string_equal(cookies[1], "b=2");

    assert_stats(x.c, 1, 1, 0, 0, 0);
    result_free(&r);
    ctx_finish(&x);
}

static void test_post_binary_body_and_headers(void **state)
{
    struct ctx x;
    ctx_init(&x, NULL);
    const size_t n = 1100000; /* > 1 MiB: curl would add Expect: 100-continue */
    unsigned char *expect = xmalloc(n);
    for (size_t i = 0; i < n; i++) expect[i] = (unsigned char)((i * 7 + 3) & 0xff);

    /* Everything the request points to is on the heap and destroyed right
     * after the call: the client must have copied it. */
    char *body = xmalloc(n);
    memcpy(body, expect, n);
    char *method = xstrdup("POST"), *url = url_for("/echo");
    static const char *const hv[3][2] = {
        {"X-Custom", "hello world"}, {"X-Empty", ""}, {"Content-Type", "application/octet-stream"}};
    struct hub_header *h = xcalloc(3, sizeof(*h));
    for (int i = 0; i < 3; i++) h[i] = (struct hub_header){xstrdup(hv[i][0]), xstrdup(hv[i][1])};
    struct hub_http_request req = {.method = method, .url = url, .headers = h, .n_headers = 3,
                                   .body = body, .body_len = n, .timeout_ms = 10000};
    struct result r = {0};
    assert_int_equal(http_client_request(x.c, &req, on_done, &r, NULL), 0);
    memset(body, 'Z', n);
    free(body);
    memset(url, 'Z', strlen(url));
    free(url);
    free(method);
    for (int i = 0; i < 3; i++) {
        memset((char *)h[i].value, 'Z', strlen(h[i].value));
        free((char *)h[i].name);
        free((char *)h[i].value);
    }
    free(h);

    wait_one(&x, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(hdr(&r, "x-method"), "POST");
    assert_string_equal(hdr(&r, "x-body-len"), "1100000");
    assert_int_equal(r.body_len, n);
    assert_memory_equal(r.body, expect, n);
    assert_string_equal(hdr(&r, "x-req-x-custom"), "hello world");
    assert_string_equal(hdr(&r, "x-req-x-empty"), ""); /* sent, empty */
    assert_string_equal(hdr(&r, "x-req-content-type"), "application/octet-stream");
    assert_string_equal(hdr(&r, "x-req-user-agent"), "hub/1.0");
    assert_null(hdr(&r, "x-req-expect"));
    assert_null(hdr(&r, "x-req-accept-encoding"));
    result_free(&r);
    free(expect);
    ctx_finish(&x);
}

static void test_methods_and_bodies(void **state)
{
    static const struct {
        const char *method, *body;
        size_t len;
        const char *content_length; /* as the server saw it; NULL: none sent */
    } cases[] = {
        {"PUT", "put\0body", 8, "8"},   {"PATCH", "patch-body", 10, "10"},
        {"DELETE", "del-body", 8, "8"},  {"PURGE", NULL, 0, NULL},
        {"POST", NULL, 0, "0"},          {"GET", NULL, 0, NULL},
        {"HEAD", NULL, 0, NULL},
    };
    enum { N = ARRAY_LEN(cases) };
    struct ctx x;
    ctx_init(&x, NULL);
    int done = 0;
    struct result r[N];
    memset(r, 0, sizeof(r));
    for (size_t i = 0; i < N; i++) {
        r[i].counter = &done;
        send_req(&x, cases[i].method, "/echo", cases[i].body, cases[i].len, 0, &r[i]);
    }
    run_until(&x, &done, N, 10000);
    assert_int_equal(done, N);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(r[i].calls, 1);
        assert_int_equal(r[i].status, 200);
        assert_string_equal(hdr(&r[i], "x-method"), cases[i].method);
        if (cases[i].content_length)
            assert_string_equal(hdr(&r[i], "x-req-content-length"), cases[i].content_length);
        else
            assert_null(hdr(&r[i], "x-req-content-length"));
        assert_null(hdr(&r[i], "x-req-content-type")); /* no default form type */
        size_t want = strcmp(cases[i].method, "HEAD") == 0 ? 0 : cases[i].len;
        assert_int_equal(r[i].body_len, want); /* echoed byte for byte */
        if (want) assert_memory_equal(r[i].body, cases[i].body, want);
        result_free(&r[i]);
    }
    ctx_finish(&x);
}

static void test_100_concurrent(void **state)
{
    struct ctx x;
    ctx_init(&x, NULL);
    enum { N = 100 };
    struct result *r = xcalloc(N, sizeof(*r));
    int done = 0;
    for (int i = 0; i < N; i++) {
        char body[32];
        int len = snprintf(body, sizeof(body), "request %d", i);
        r[i].counter = &done;
        send_req(&x, "POST", "/echo", body, (size_t)len, 20000, &r[i]);
    }
    assert_stats(x.c, N, 0, 0, 0, N);
    run_until(&x, &done, N, 30000);
    run_for(&x, 100); /* nothing may arrive twice */
    assert_int_equal(done, N);
    for (int i = 0; i < N; i++) {
        char body[32];
        snprintf(body, sizeof(body), "request %d", i);
        assert_int_equal(r[i].calls, 1);
        assert_int_equal(r[i].status, 200);
        assert_string_equal(r[i].body, body);
        result_free(&r[i]);
    }
    free(r);
    assert_stats(x.c, N, N, 0, 0, 0);
    ctx_finish(&x);
}

/* Sequential requests, each sent from the previous one's done. */
struct chain {
    struct ctx *x;
    int remaining, finished, ok;
    char first_conn[32];
    int conn_changes;
};

static void chain_next(struct chain *ch);

static void chain_done(void *arg, const struct hub_http_response *resp)
{
    struct chain *ch = arg;
    const char *conn = NULL;
    for (size_t i = 0; i < resp->n_headers; i++)
        if (strcmp(resp->headers[i].name, "x-conn") == 0) conn = resp->headers[i].value;
    if (resp->status == 200 && conn) {
        ch->ok++;
        if (!ch->first_conn[0]) str_copy(ch->first_conn, conn, sizeof(ch->first_conn));
        else if (strcmp(ch->first_conn, conn) != 0) ch->conn_changes++;
    }
    if (--ch->remaining > 0) chain_next(ch);
    else ch->finished = 1;
}

static void chain_next(struct chain *ch)
{
    char *url = url_for("/echo");
    struct hub_http_request req = {.method = "POST", .url = url, .body = "x", .body_len = 1};
    if (http_client_request(ch->x->c, &req, chain_done, ch, NULL) != 0) ch->finished = 1;
    free(url);
}

static long count_connections(struct ctx *x)
{
    struct result r = {0};
    send_req(x, "GET", "/count-connections", NULL, 0, 0, &r);
    run_until(x, &r.calls, 1, 10000);
    assert_int_equal(r.status, 200);
    long n = atol(r.body);
    result_free(&r);
    return n;
}

static void test_connection_reuse(void **state)
{
    struct ctx x;
    ctx_init(&x, NULL);
    long before = count_connections(&x); /* includes the connection it came on */
    struct chain ch = {.x = &x, .remaining = 20};
    chain_next(&ch);
    run_until(&x, &ch.finished, 1, 20000);
    assert_int_equal(ch.ok, 20);
    assert_int_equal(ch.conn_changes, 0);
    long after = count_connections(&x);
    assert_int_equal(after, before);
    ctx_finish(&x);
}

static void test_timeout(void **state)
{
    struct ctx x;
    ctx_init(&x, NULL);
    struct result r = {0};
    send_req(&x, "GET", "/delay?ms=3000", NULL, 0, 300, &r);
    wait_one(&x, &r);
    assert_int_equal(r.status, 0);
    assert_non_null(r.error);
    assert_non_null(strstr(r.error, "timeout after 300 ms"));
    assert_int_equal(r.body_len, 0);
    assert_true(r.elapsed_ms < 3000); /* gave up before the server answered */
    run_for(&x, 300);
    assert_int_equal(r.calls, 1);
    result_free(&r);

    /* timeout_ms 0: the client's default applies */
    assert_stats(x.c, 1, 0, 1, 0, 0);
    ctx_finish(&x);

    struct http_client_opts o = {.timeout_ms = 250};
    ctx_init(&x, &o);
    send_req(&x, "GET", "/delay?ms=3000", NULL, 0, 0, &r);
    wait_one(&x, &r);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.error, "timeout after 250 ms"));
    result_free(&r);
    ctx_finish(&x);
}

static void test_connection_refused(void **state)
{
    /* A bound socket that never listens: connecting is refused, and nobody
     * else can take the port meanwhile. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    socklen_t sl = sizeof(sa);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);

    struct ctx x;
    ctx_init(&x, NULL);
    char *url = xasprintf("http://127.0.0.1:%d/", ntohs(sa.sin_port));
    struct hub_http_request req = {.method = "GET", .url = url};
    struct result r = {0};
    assert_int_equal(http_client_request(x.c, &req, on_done, &r, NULL), 0);
    free(url);
    wait_one(&x, &r);
    close(fd);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.status, 0);
    assert_non_null(r.error);
    assert_non_null(strstr(r.error, "connection refused"));
    assert_stats(x.c, 1, 0, 1, 0, 0);
    result_free(&r);
    ctx_finish(&x);
}

static void test_error_statuses_delivered_as_is(void **state)
{
    struct ctx x;
    ctx_init(&x, NULL);
    int done = 0;
    struct result r500 = {.counter = &done}, r429 = {.counter = &done};
    send_req(&x, "GET", "/status?code=500", NULL, 0, 0, &r500);
    send_req(&x, "POST", "/status?code=429&retry_after=7", "{}", 2, 0, &r429);
    run_until(&x, &done, 2, 10000);
    assert_int_equal(r500.calls, 1);
    assert_int_equal(r500.status, 500);
    assert_null(r500.error);
    assert_string_equal(r500.body, "status 500");
    assert_int_equal(r429.calls, 1);
    assert_int_equal(r429.status, 429);
    assert_null(r429.error);
    assert_string_equal(hdr(&r429, "retry-after"), "7");
    assert_string_equal(r429.body, "status 429");
    assert_stats(x.c, 2, 2, 0, 0, 0);
    result_free(&r500);
    result_free(&r429);
    ctx_finish(&x);
}

static void test_cancel(void **state)
{
    struct ctx x;
    ctx_init(&x, NULL);
    struct result r1 = {0}, r2 = {0}, r3 = {0}, fresh = {0};
    uint64_t id1 = send_req(&x, "GET", "/delay?ms=5000", NULL, 0, 20000, &r1);
    uint64_t id2 = send_req(&x, "GET", "/delay?ms=5000", NULL, 0, 20000, &r2);
    assert_true(id1 != id2);
    run_for(&x, 200); /* both on the wire */
    assert_int_equal(r1.calls, 0);

    assert_int_equal(http_client_cancel(x.c, id1), 0);
    assert_int_equal(r1.calls, 1); /* synchronously */
    assert_int_equal(r1.status, 0);
    assert_string_equal(r1.error, "cancelled");
    assert_int_equal(http_client_cancel(x.c, id1), -1);
    assert_int_equal(http_client_cancel(x.c, 0), -1);
    assert_int_equal(http_client_cancel(x.c, 424242), -1);

    /* cancelled before the loop ever ran it */
    uint64_t id3 = send_req(&x, "GET", "/delay?ms=5000", NULL, 0, 20000, &r3);
    assert_int_equal(http_client_cancel(x.c, id3), 0);
    assert_int_equal(r3.calls, 1);
    assert_string_equal(r3.error, "cancelled");

    /* the client keeps working, with r2 still outstanding */
    send_req(&x, "GET", "/status?code=200", NULL, 0, 0, &fresh);
    wait_one(&x, &fresh);
    assert_int_equal(fresh.status, 200);
    assert_int_equal(r2.calls, 0);
    assert_int_equal(http_client_cancel(x.c, id2), 0);
    assert_int_equal(r2.calls, 1);

    run_for(&x, 200);
    assert_int_equal(r1.calls, 1);
    assert_int_equal(r3.calls, 1);
    assert_stats(x.c, 4, 1, 0, 3, 0);
    result_free(&r1);
    result_free(&r2);
    result_free(&r3);
    result_free(&fresh);
    ctx_finish(&x);
}

/* Counts done calls.  Every request carries heap state freed in done: a
 * skipped done leaks (ASan), a second one double-frees. */
struct probe {
    struct ctx *x;
    int calls, cancelled;
    int free_client; /* the first done frees the client */
};

struct owned {
    struct probe *p;
    char *scratch;
};

static void owned_done(void *arg, const struct hub_http_response *resp)
{
    struct owned *o = arg;
    struct probe *p = o->p;
    p->calls++;
    if (resp->status == 0 && resp->error && strcmp(resp->error, "cancelled") == 0) p->cancelled++;
    free(o->scratch);
    free(o);
    if (p->free_client && p->x->c) {
        struct http_client *c = p->x->c;
        p->x->c = NULL;
        http_client_free(c);
    }
}

static uint64_t send_owned(struct probe *p, const char *path)
{
    struct owned *o = xcalloc(1, sizeof(*o));
    o->p = p;
    o->scratch = xmalloc(100);
    char *url = url_for(path);
    struct hub_http_request req = {.method = "GET", .url = url, .timeout_ms = 20000};
    uint64_t id = 0;
    assert_int_equal(http_client_request(p->x->c, &req, owned_done, o, &id), 0);
    free(url);
    return id;
}

static void test_free_with_requests_in_flight(void **state)
{
    struct ctx x;
    ctx_init(&x, NULL);
    struct probe p = {.x = &x};
    for (int i = 0; i < 10; i++) send_owned(&p, "/delay?ms=5000");
    run_for(&x, 200); /* on the wire (8 per host) and queued (2) */
    assert_int_equal(p.calls, 0);
    http_client_free(x.c);
    x.c = NULL;
    assert_int_equal(p.calls, 10);
    assert_int_equal(p.cancelled, 10);
    ctx_finish(&x); /* loop runs empty, uv_loop_close succeeds */
    assert_int_equal(p.calls, 10);

    /* freed before the loop ever ran */
    ctx_init(&x, NULL);
    p = (struct probe){.x = &x};
    for (int i = 0; i < 3; i++) send_owned(&p, "/echo");
    ctx_finish(&x);
    assert_int_equal(p.calls, 3);
    assert_int_equal(p.cancelled, 3);
}

static void test_free_from_done_callback(void **state)
{
    struct ctx x;
    ctx_init(&x, NULL);
    struct probe p = {.x = &x, .free_client = 1};
    send_owned(&p, "/delay?ms=5000");
    send_owned(&p, "/delay?ms=5000");
    send_owned(&p, "/status?code=204"); /* its done frees the client */
    send_owned(&p, "/delay?ms=5000");
    run_until(&x, &p.calls, 4, 10000);
    assert_null(x.c);
    assert_int_equal(p.calls, 4);
    assert_int_equal(p.cancelled, 3);
    ctx_finish(&x);
    assert_int_equal(p.calls, 4);
}

static void test_free_from_cancel_callback(void **state)
{
    struct ctx x;
    ctx_init(&x, NULL);
    struct probe p = {.x = &x, .free_client = 1};
    uint64_t ids[3];
    for (int i = 0; i < 3; i++) ids[i] = send_owned(&p, "/delay?ms=5000");
    run_for(&x, 100);
    assert_int_equal(http_client_cancel(x.c, ids[1]), 0); /* its done frees the client */
    assert_null(x.c);
    assert_int_equal(p.calls, 3);
    assert_int_equal(p.cancelled, 3);
    ctx_finish(&x);
    assert_int_equal(p.calls, 3);
}

static void test_body_size_cap(void **state)
{
    struct ctx x;
    struct http_client_opts o = {.max_body_bytes = 1000};
    ctx_init(&x, &o);
    int done = 0;
    struct result at = {.counter = &done}, over = {.counter = &done},
                  chunked = {.counter = &done};
    send_req(&x, "GET", "/bytes?n=1000", NULL, 0, 0, &at);
    send_req(&x, "GET", "/bytes?n=1001", NULL, 0, 0, &over);
    send_req(&x, "GET", "/bytes?n=5000&chunked=1", NULL, 0, 0, &chunked);
    run_until(&x, &done, 3, 10000);
    assert_int_equal(at.calls, 1);
    assert_int_equal(at.status, 200);
    assert_int_equal(at.body_len, 1000);
    for (size_t i = 0; i < at.body_len; i++) assert_int_equal((unsigned char)at.body[i], pattern_byte(i));
    assert_int_equal(over.calls, 1);
    assert_int_equal(over.status, 0);
    assert_non_null(strstr(over.error, "response body exceeds 1000 bytes"));
    assert_int_equal(over.body_len, 0);
    assert_int_equal(chunked.calls, 1); /* no Content-Length: caught while reading */
    assert_int_equal(chunked.status, 0);
    assert_non_null(strstr(chunked.error, "response body exceeds 1000 bytes"));
    result_free(&at);
    result_free(&over);
    result_free(&chunked);
    ctx_finish(&x);

    /* the default cap lets a large binary body through intact */
    ctx_init(&x, NULL);
    struct result big = {0};
    send_req(&x, "GET", "/bytes?n=3000000&chunked=1", NULL, 0, 0, &big);
    wait_one(&x, &big);
    assert_int_equal(big.status, 200);
    assert_int_equal(big.body_len, 3000000);
    size_t bad = 0;
    for (size_t i = 0; i < big.body_len; i++) bad += (unsigned char)big.body[i] != pattern_byte(i);
    assert_int_equal(bad, 0);
    result_free(&big);
    ctx_finish(&x);
}

static void test_redirects(void **state)
{
    struct ctx x;
    ctx_init(&x, NULL);
    struct result r = {0};
    send_req(&x, "GET", "/redirect", NULL, 0, 0, &r);
    wait_one(&x, &r);
    assert_int_equal(r.status, 302);
    assert_string_equal(hdr(&r, "location"), "/status?code=200");
    result_free(&r);
    ctx_finish(&x);

    struct http_client_opts o = {.follow_redirects = 1};
    ctx_init(&x, &o);
    send_req(&x, "GET", "/redirect", NULL, 0, 0, &r);
    wait_one(&x, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "status 200");
    assert_null(hdr(&r, "location")); /* headers are the final response's */
    result_free(&r);
    ctx_finish(&x);
}

static void test_refused_requests(void **state)
{
    struct ctx x;
    ctx_init(&x, NULL);
    struct result r = {0};
    char *url = url_for("/echo");
    struct hub_header crlf = {"X-Evil", "a\r\nInjected: 1"};
    struct hub_header colon = {"X:Bad", "v"};
    struct hub_header nullv = {"X-Null", NULL};
    struct hub_http_request bad[] = {
        {.method = "GET", .url = NULL},
        {.method = "GET", .url = ""},
        {.method = NULL, .url = url},
        {.method = "GE T", .url = url},
        {.method = "GET", .url = url, .headers = &crlf, .n_headers = 1},
        {.method = "GET", .url = url, .headers = &colon, .n_headers = 1},
        {.method = "GET", .url = url, .headers = &nullv, .n_headers = 1},
        {.method = "POST", .url = url, .body = NULL, .body_len = 5},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        assert_int_equal(http_client_request(x.c, &bad[i], on_done, &r, NULL), -1);
    assert_int_equal(http_client_request(x.c, NULL, on_done, &r, NULL), -1);
    assert_int_equal(http_client_request(x.c, &bad[2], NULL, &r, NULL), -1);

    /* a scheme other than http/https fails as a transport error */
    struct hub_http_request file = {.method = "GET", .url = "file:///etc/hostname"};
    assert_int_equal(http_client_request(x.c, &file, on_done, &r, NULL), 0);
    wait_one(&x, &r);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.error, "Unsupported protocol"));
    assert_int_equal(r.body_len, 0);
    assert_stats(x.c, 1, 0, 1, 0, 0);
    free(url);
    result_free(&r);
    ctx_finish(&x);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_status_headers_body),
        cmocka_unit_test(test_post_binary_body_and_headers),
        cmocka_unit_test(test_methods_and_bodies),
        cmocka_unit_test(test_100_concurrent),
        cmocka_unit_test(test_connection_reuse),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_connection_refused),
        cmocka_unit_test(test_error_statuses_delivered_as_is),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_free_with_requests_in_flight),
        cmocka_unit_test(test_free_from_done_callback),
        cmocka_unit_test(test_free_from_cancel_callback),
        cmocka_unit_test(test_body_size_cap),
        cmocka_unit_test(test_redirects),
        cmocka_unit_test(test_refused_requests),
    };
    return cmocka_run_group_tests(tests, server_start, server_stop);
}
