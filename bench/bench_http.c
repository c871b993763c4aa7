/* bench_http.c - the inbound HTTP server and the metrics registry.
 *
 *   http_keepalive_rps       GET answered/s, 4 client threads, keep-alive, one at a time
 *   http_pipelined_rps       GET answered/s, 1 connection, 16 requests in flight
 *   http_post4k_rps          POST of a 4 KiB body (a webhook) answered/s, 4 threads
 *   http_latency_p50_us      one connection, request -> answer, median
 *   http_latency_p99_us      the same, 99th percentile
 *   metrics_inc_ns           metric_inc on a kept pointer
 *   metrics_lookup_ns        metrics_counter() lookup of an existing labelled series
 *   metrics_render_10k_ms    metrics_render of 10,000 series
 *
 * The server runs on a libuv loop in the main thread, clients are blocking
 * POSIX sockets in other threads (so the numbers include the kernel's
 * loopback and the client's own work).  BENCH_RUNS=n (default 5) runs per
 * measurement; the median is printed as metric<TAB>median<TAB>unit<TAB>aim<TAB>ratio. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/util.h"
#include "net/http_router.h"
#include "net/http_server.h"
#include "net/metrics.h"
#include "bench_util.h"

static int runs = 5;


static void report(const char *metric, double value, const char *unit, double aim, int higher_better)
{
    double ratio = higher_better ? value / aim : aim / value;
    printf("%s\t%.2f\t%s\t%.0f\t%.2f\n", metric, value, unit, aim, ratio);
    fflush(stdout);
}

/* ------------------------------------------------------------ server side */

static void h_get(void *arg, struct http_request *req)
{
    (void)arg;
    static const struct hub_header h[] = {{"Content-Type", "application/json"}};
    http_respond(req, 200, h, 1, "{\"ok\":true}", 11);
}

static void h_post(void *arg, struct http_request *req)
{
    (void)arg;
    size_t len;
    http_request_body(req, &len);
    char out[32];
    int n = snprintf(out, sizeof out, "{\"got\":%zu}", len);
    http_respond(req, 200, NULL, 0, out, (size_t)n);
}

struct bench {
    uv_loop_t loop;
    uv_async_t done;
    struct http_server *srv;
    struct http_router *router;
    int port;
    int threads;
    long per_thread;
    int depth;  /* requests in flight per connection */
    int post;   /* POST 4 KiB instead of GET */
    double *lat; /* per-request latencies (us) when threads == 1 and depth == 1 */
    _Atomic int finished;
    _Atomic long failures;
};

static void on_done(uv_async_t *a)
{
    struct bench *b = a->data;
    if (atomic_load(&b->finished) < b->threads) return;
    http_server_stop(b->srv, NULL, NULL);
    uv_close((uv_handle_t *)&b->done, NULL);
}

/* ------------------------------------------------------------ client side */

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Read `n` complete answers (Content-Length framed); 0 or -1. */
static int read_answers(int fd, struct buf *rx, int n)
{
    char tmp[65536];
    while (n > 0) {
        char *end = rx->data ? strstr(rx->data, "\r\n\r\n") : NULL;
        if (end) {
            char *cl = strcasestr(rx->data, "Content-Length:");
            size_t len = cl && cl < end ? strtoul(cl + 15, NULL, 10) : 0;
            size_t total = (size_t)(end - rx->data) + 4 + len;
            if (rx->len >= total) {
                if (strncmp(rx->data, "HTTP/1.1 200", 12) != 0) return -1;
                memmove(rx->data, rx->data + total, rx->len - total);
                rx->len -= total;
                rx->data[rx->len] = '\0';
                n--;
                continue;
            }
        }
        ssize_t got = recv(fd, tmp, sizeof tmp, 0);
        if (got <= 0) return -1;
        buf_append(rx, tmp, (size_t)got);
    }
    return 0;
}

static void *client(void *arg)
{
    struct bench *b = arg;
    struct buf rx = BUF_INIT, req = BUF_INIT, batch = BUF_INIT;
    if (b->post) {
        buf_puts(&req, "POST /hook HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
                       "Content-Length: 4096\r\n\r\n");
        for (int i = 0; i < 4096; i++) buf_putc(&req, (char)('a' + i % 26));
    } else {
        buf_puts(&req, "GET /x HTTP/1.1\r\nHost: b\r\nUser-Agent: bench\r\n\r\n");
    }
    for (int i = 0; i < b->depth; i++) buf_append(&batch, req.data, req.len);
    int fd = connect_to(b->port);
    long done = 0;
    while (fd >= 0 && done < b->per_thread) {
        uint64_t t0 = mono_ns();
        if (send(fd, batch.data, batch.len, MSG_NOSIGNAL) != (ssize_t)batch.len ||
            read_answers(fd, &rx, b->depth) != 0) {
            atomic_fetch_add(&b->failures, 1);
            break;
        }
        if (b->lat) b->lat[done] = (double)(mono_ns() - t0) / 1000.0;
        done += b->depth;
    }
    if (fd >= 0) close(fd);
    buf_free(&rx);
    buf_free(&req);
    buf_free(&batch);
    atomic_fetch_add(&b->finished, 1);
    uv_async_send(&b->done);
    return NULL;
}

/* One measurement: requests per second. */
static double run_once(int threads, long per_thread, int depth, int post, double *lat)
{
    struct bench b;
    memset(&b, 0, sizeof b);
    b.threads = threads;
    b.per_thread = per_thread;
    b.depth = depth;
    b.post = post;
    b.lat = lat;
    uv_loop_init(&b.loop);
    b.router = http_router_new();
    http_router_add(b.router, "GET", "/x", h_get, NULL);
    http_router_add(b.router, "POST", "/hook", h_post, NULL);
    struct http_limits lim;
    http_limits_default(&lim);
    lim.max_requests_per_conn = 0;
    char err[256];
    if (http_server_start(&b.loop, "127.0.0.1:0", &lim, http_router_dispatch, b.router, &b.srv,
                          err, sizeof err) != 0) {
        fprintf(stderr, "bench_http: %s\n", err);
        exit(1);
    }
    b.port = http_server_port(b.srv);
    uv_async_init(&b.loop, &b.done, on_done);
    b.done.data = &b;
    pthread_t th[16];
    uint64_t t0 = mono_ns();
    for (int i = 0; i < threads; i++) pthread_create(&th[i], NULL, client, &b);
    uv_run(&b.loop, UV_RUN_DEFAULT);
    uint64_t t1 = mono_ns();
    for (int i = 0; i < threads; i++) pthread_join(th[i], NULL);
    uv_loop_close(&b.loop);
    http_router_free(b.router);
    if (atomic_load(&b.failures)) {
        fprintf(stderr, "bench_http: %ld client failures\n", (long)atomic_load(&b.failures));
        exit(1);
    }
    return (double)threads * (double)per_thread / ((double)(t1 - t0) / 1e9);
}

static void bench_rps(const char *metric, int threads, long per_thread, int depth, int post,
                      double aim)
{
    double v[32];
    for (int r = 0; r < runs; r++) v[r] = run_once(threads, per_thread, depth, post, NULL);
    report(metric, median(v, runs), "req/s", aim, 1);
}

static void bench_latency(void)
{
    long n = 20000;
    double *lat = xcalloc((size_t)n, sizeof *lat);
    double p50[32], p99[32];
    for (int r = 0; r < runs; r++) {
        run_once(1, n, 1, 0, lat);
        qsort(lat, (size_t)n, sizeof *lat, bench_cmp_double);
        p50[r] = lat[n / 2];
        p99[r] = lat[n * 99 / 100];
    }
    report("http_latency_p50_us", median(p50, runs), "us", 200, 0);
    report("http_latency_p99_us", median(p99, runs), "us", 1000, 0);
    free(lat);
}

/* ------------------------------------------------------------ metrics */

static void bench_metrics(void)
{
    double inc[32], look[32], render[32];
    for (int r = 0; r < runs; r++) {
        struct metrics_registry *reg = metrics_registry_new();
        struct metric_label l[] = {{"tenant", "demo"}, {"channel", "shopify"}};
        struct metric *m = metrics_counter(reg, "bench_total", "B.", l, 2);
        long n = 10000000;
        uint64_t t0 = mono_ns();
        for (long i = 0; i < n; i++) metric_inc(m);
        inc[r] = (double)(mono_ns() - t0) / (double)n;
        n = 1000000;
        t0 = mono_ns();
        for (long i = 0; i < n; i++) metrics_counter(reg, "bench_total", NULL, l, 2);
        look[r] = (double)(mono_ns() - t0) / (double)n;
        char v[16];
        for (int i = 0; i < 10000; i++) {
            snprintf(v, sizeof v, "t%d", i);
            struct metric_label ll[] = {{"tenant", v}, {"channel", "shopify"}};
            metric_inc(metrics_counter(reg, "bench_series_total", "S.", ll, 2));
        }
        struct buf out = BUF_INIT;
        t0 = mono_ns();
        metrics_registry_render(reg, &out);
        render[r] = (double)(mono_ns() - t0) / 1e6;
        buf_free(&out);
        metrics_registry_free(reg);
    }
    report("metrics_inc_ns", median(inc, runs), "ns", 20, 0);
    report("metrics_lookup_ns", median(look, runs), "ns", 1000, 0);
    report("metrics_render_10k_ms", median(render, runs), "ms", 20, 0);
}

int main(void)
{
    const char *e = getenv("BENCH_RUNS");
    if (e && atoi(e) > 0) runs = atoi(e) > 31 ? 31 : atoi(e);
    log_set_level(LOG_ERROR);
    bench_rps("http_keepalive_rps", 4, 25000, 1, 0, 30000);
    bench_rps("http_pipelined_rps", 1, 160000, 16, 0, 100000);
    bench_rps("http_post4k_rps", 4, 10000, 1, 1, 20000);
    bench_latency();
    bench_metrics();
    metrics_default_free();
    return 0;
}
