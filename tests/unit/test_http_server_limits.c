/* test_http_server_limits.c - every limit of the HTTP server over real
 * sockets: the status, the JSON body naming the limit, the closed connection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/log.h"
#include "test_http_server_harness.h"

static char hv[256];

/* Asserts a refusal: status, Connection: close, body naming the limit, EOF. */
static void assert_refused(const struct hx *h, int i, int status, const char *limit_text)
{
    const struct hx_resp *r = &h->resp[i];
    assert_int_equal(r->status, status);
    assert_string_equal(hx_header(r, "Connection", hv, sizeof hv), "close");
    assert_string_equal(hx_header(r, "Content-Type", hv, sizeof hv), "application/json");
    assert_non_null(r->body.data);
    assert_non_null(strstr(r->body.data, limit_text));
    assert_int_equal(strncmp(r->body.data, "{\"error\":\"", 10), 0);
}

/* ------------------------------------------------------------ 413 */

static void client_413(struct hx *h)
{
    struct buf rx = BUF_INIT;
    /* Content-Length over the cap: refused from the headers alone */
    int fd = hx_roundtrip(h, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000000\r\n\r\n",
                          &rx);
    hx_record_eof(h, fd, &rx);
    close(fd);
    buf_reset(&rx);
    /* chunked, over the cap after a few chunks */
    fd = hx_connect(h->port);
    hx_send(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    char chunk[600];
    memset(chunk, 'x', sizeof chunk);
    for (int i = 0; i < 3; i++) {
        char size[16];
        snprintf(size, sizeof size, "%zx\r\n", sizeof chunk - 2 - 1);
        if (hx_send(fd, size) || hx_send_n(fd, chunk, sizeof chunk - 3) || hx_send(fd, "\r\n"))
            break;
    }
    hx_read_response(fd, &rx, hx_next(h));
    hx_record_eof(h, fd, &rx);
    close(fd);
    buf_reset(&rx);
    /* exactly the cap is fine */
    fd = hx_connect(h->port);
    hx_send(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n");
    hx_send_n(fd, chunk, 600);
    hx_send_n(fd, chunk, 400);
    hx_read_response(fd, &rx, hx_next(h));
    close(fd);
    buf_free(&rx);
}

static void test_413_content_length_and_chunked(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    h.lim.max_body_bytes = 1000;
    assert_int_equal(hx_run(&h, client_413), 0);
    assert_refused(&h, 0, 413, "limit max_body");
    assert_string_equal(h.resp[0].body.data,
                        "{\"error\":\"body exceeds 1000 bytes (limit max_body)\"}");
    assert_int_equal(h.eof[0], 1);
    assert_refused(&h, 1, 413, "limit max_body");
    assert_int_equal(h.eof[1], 1);
    assert_int_equal(h.resp[2].status, 200);
    assert_int_equal(h.resp[2].body.len, 1000);
    assert_int_equal(atomic_load(&h.n_dispatched), 1);
    hx_free(&h);
}

/* ------------------------------------------------------------ 431 */

static void client_431(struct hx *h)
{
    struct buf rx = BUF_INIT;
    struct buf req = BUF_INIT;
    buf_puts(&req, "GET /echo HTTP/1.1\r\nHost: t\r\n");
    for (int i = 0; i < 40; i++) {
        buf_printf(&req, "X-Filler-%d: ", i);
        for (int k = 0; k < 100; k++) buf_putc(&req, 'a');
        buf_puts(&req, "\r\n");
    }
    buf_puts(&req, "\r\n");
    int fd = hx_roundtrip(h, req.data, &rx); /* ~4.5 KB of headers over a 2 KiB cap */
    hx_record_eof(h, fd, &rx);
    close(fd);
    buf_reset(&rx);
    /* a long URL counts too */
    buf_reset(&req);
    buf_puts(&req, "GET /echo?");
    for (int k = 0; k < 3000; k++) buf_putc(&req, 'q');
    buf_puts(&req, " HTTP/1.1\r\nHost: t\r\n\r\n");
    fd = hx_roundtrip(h, req.data, &rx);
    close(fd);
    buf_reset(&rx);
    fd = hx_roundtrip(h, "GET /echo HTTP/1.1\r\nHost: t\r\nX-Small: 1\r\n\r\n", &rx);
    close(fd);
    buf_free(&req);
    buf_free(&rx);
}

static void test_431_oversize_headers(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    h.lim.max_header_bytes = 2048;
    assert_int_equal(hx_run(&h, client_431), 0);
    assert_refused(&h, 0, 431, "header block exceeds 2048 bytes (limit max_header)");
    assert_int_equal(h.eof[0], 1);
    assert_refused(&h, 1, 431, "limit max_header");
    assert_int_equal(h.resp[2].status, 200);
    hx_free(&h);
}

/* ------------------------------------------------------------ 400 */

static void client_garbage(struct hx *h)
{
    struct buf rx = BUF_INIT;
    int fd = hx_roundtrip(h, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n", &rx);
    hx_record_eof(h, fd, &rx);
    close(fd);
    buf_reset(&rx);
    fd = hx_roundtrip(h, "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", &rx);
    hx_record_eof(h, fd, &rx);
    close(fd);
    buf_reset(&rx);
    fd = hx_roundtrip(h, "GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n", &rx);
    close(fd);
    buf_reset(&rx);
    /* request smuggling shape: both Content-Length and chunked */
    fd = hx_roundtrip(h,
                      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                      &rx);
    close(fd);
    buf_free(&rx);
}

static void test_400_garbage(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    assert_int_equal(hx_run(&h, client_garbage), 0);
    assert_refused(&h, 0, 400, "malformed request: ");
    assert_int_equal(h.eof[0], 1);
    assert_refused(&h, 1, 400, "malformed request: invalid header name");
    assert_int_equal(h.eof[1], 1);
    assert_refused(&h, 2, 400, "malformed request: Invalid header value char (HPE_INVALID_HEADER_TOKEN)");
    assert_refused(&h, 3, 400, "malformed request");
    assert_int_equal(atomic_load(&h.n_dispatched), 0);
    hx_free(&h);
}

/* ------------------------------------------------------------ 408, idle */

static void client_slow(struct hx *h)
{
    struct buf rx = BUF_INIT;
    /* slow loris: a byte every 40 ms keeps arriving, the deadline does not move */
    int fd = hx_connect(h->port);
    const char *req = "GET /echo HTTP/1.1\r\nHost: t\r\nX-A: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n";
    for (const char *p = req; *p; p++) {
        if (hx_send_n(fd, p, 1)) break;
        hx_sleep_ms(40);
    }
    hx_read_response(fd, &rx, hx_next(h));
    hx_record_eof(h, fd, &rx);
    close(fd);
    buf_reset(&rx);
    /* body too slow */
    fd = hx_connect(h->port);
    hx_send(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
    hx_read_response(fd, &rx, hx_next(h));
    hx_record_eof(h, fd, &rx);
    close(fd);
    buf_reset(&rx);
    /* idle keep-alive: closed silently after one answer */
    fd = hx_roundtrip(h, "GET /get-only HTTP/1.1\r\nHost: t\r\n\r\n", &rx);
    hx_record_eof(h, fd, &rx);
    close(fd);
    buf_free(&rx);
}

static void test_408_slow_client_and_idle_close(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    h.lim.header_timeout_ms = 200;
    h.lim.body_timeout_ms = 200;
    h.lim.idle_timeout_ms = 200;
    assert_int_equal(hx_run(&h, client_slow), 0);
    assert_refused(&h, 0, 408, "request headers not received within 200 ms (limit header_timeout)");
    assert_int_equal(h.eof[0], 1);
    assert_refused(&h, 1, 408, "limit body_timeout");
    assert_int_equal(h.eof[1], 1);
    assert_int_equal(h.resp[2].status, 200);
    assert_int_equal(h.eof[2], 1); /* no bytes, just closed */
    assert_int_equal(atomic_load(&h.n_dispatched), 0);
    hx_free(&h);
}

/* ------------------------------------------------------------ 503 */

static void client_503(struct hx *h)
{
    struct buf rx1 = BUF_INIT, rx2 = BUF_INIT, rx3 = BUF_INIT;
    int a = hx_roundtrip(h, "GET /get-only HTTP/1.1\r\nHost: t\r\n\r\n", &rx1);
    int b = hx_roundtrip(h, "GET /get-only HTTP/1.1\r\nHost: t\r\n\r\n", &rx2);
    int c = hx_roundtrip(h, "GET /get-only HTTP/1.1\r\nHost: t\r\n\r\n", &rx3);
    hx_record_eof(h, c, &rx3);
    close(c);
    /* a slot frees up: the next one is served */
    close(a);
    int d = -1;
    struct hx_resp *last = hx_next(h);
    for (int i = 0; i < 50; i++) { /* until the server has seen the close */
        hx_sleep_ms(20);
        buf_reset(&rx3);
        d = hx_connect(h->port);
        hx_send(d, "GET /get-only HTTP/1.1\r\nHost: t\r\n\r\n");
        if (hx_read_response(d, &rx3, last) == 200) break;
        close(d);
        d = -1;
    }
    close(b);
    if (d >= 0) close(d);
    buf_free(&rx1);
    buf_free(&rx2);
    buf_free(&rx3);
}

static void test_503_over_max_connections(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    h.lim.max_connections = 2;
    assert_int_equal(hx_run(&h, client_503), 0);
    assert_int_equal(h.resp[0].status, 200);
    assert_int_equal(h.resp[1].status, 200);
    assert_refused(&h, 2, 503, "too many connections: 2 open (limit max_connections)");
    assert_int_equal(h.eof[0], 1);
    assert_int_equal(h.resp[3].status, 200);
    hx_free(&h);
}

/* ------------------------------------------------------------ 429 */

static void client_429(struct hx *h)
{
    struct buf rx = BUF_INIT;
    int fd = hx_connect(h->port);
    for (int i = 0; i < 3; i++) {
        hx_send(fd, "GET /get-only HTTP/1.1\r\nHost: t\r\n\r\n");
        hx_read_response(fd, &rx, hx_next(h));
    }
    hx_record_eof(h, fd, &rx);
    close(fd);
    buf_free(&rx);
}

static void test_429_rate_per_ip(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    h.lim.rate_per_sec = 0.1; /* one token per 10 s: no refill during the test */
    h.lim.rate_burst = 2;
    assert_int_equal(hx_run(&h, client_429), 0);
    assert_int_equal(h.resp[0].status, 200);
    assert_int_equal(h.resp[1].status, 200);
    assert_refused(&h, 2, 429, "(limit rate_per_sec)");
    assert_non_null(strstr(h.resp[2].body.data, "127.0.0.1"));
    assert_non_null(hx_header(&h.resp[2], "Retry-After", hv, sizeof hv));
    long ra = atol(hv);
    assert_true(ra >= 1 && ra <= 10);
    assert_int_equal(h.eof[0], 1);
    hx_free(&h);
}

static void client_429_xff(struct hx *h)
{
    struct buf rx = BUF_INIT;
    int fd = hx_connect(h->port);
    const char *ips[] = {"10.0.0.1", "10.0.0.2", "10.0.0.1"};
    for (int i = 0; i < 3; i++) {
        char req[256];
        snprintf(req, sizeof req,
                 "GET /echo HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 6.6.6.6, %s\r\n\r\n", ips[i]);
        hx_send(fd, req);
        hx_read_response(fd, &rx, hx_next(h));
    }
    close(fd);
    buf_free(&rx);
}

static void test_429_behind_proxy_uses_forwarded_for(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    h.lim.rate_per_sec = 0.1;
    h.lim.rate_burst = 1;
    h.lim.trust_forwarded_for = 1;
    assert_int_equal(hx_run(&h, client_429_xff), 0);
    assert_int_equal(h.resp[0].status, 200);
    assert_int_equal(h.resp[1].status, 200); /* another client behind the same proxy */
    assert_refused(&h, 2, 429, "from 10.0.0.1");
    hx_free(&h);
}

/* ------------------------------------------------------------ per-connection cap, 504, 100-continue */

static void client_max_requests(struct hx *h)
{
    struct buf rx = BUF_INIT;
    int fd = hx_connect(h->port);
    for (int i = 0; i < 2; i++) {
        hx_send(fd, "GET /get-only HTTP/1.1\r\nHost: t\r\n\r\n");
        hx_read_response(fd, &rx, hx_next(h));
    }
    hx_record_eof(h, fd, &rx);
    close(fd);
    buf_free(&rx);
}

static void test_max_requests_per_connection(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    h.lim.max_requests_per_conn = 2;
    assert_int_equal(hx_run(&h, client_max_requests), 0);
    assert_int_equal(h.resp[0].status, 200);
    assert_null(hx_header(&h.resp[0], "Connection", hv, sizeof hv));
    assert_int_equal(h.resp[1].status, 200);
    assert_string_equal(hx_header(&h.resp[1], "Connection", hv, sizeof hv), "close");
    assert_int_equal(h.eof[0], 1);
    hx_free(&h);
}

static void client_504(struct hx *h)
{
    struct buf rx = BUF_INIT;
    int fd = hx_roundtrip(h, "GET /async?ms=500 HTTP/1.1\r\nHost: t\r\n\r\n", &rx);
    hx_record_eof(h, fd, &rx);
    hx_wait_answers(h, 1); /* the late answer is dropped, harmlessly */
    close(fd);
    buf_free(&rx);
}

static void test_504_handler_timeout(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    h.lim.handler_timeout_ms = 100;
    assert_int_equal(hx_run(&h, client_504), 0);
    assert_refused(&h, 0, 504, "no answer within 100 ms (limit handler_timeout)");
    assert_int_equal(h.eof[0], 1);
    assert_int_equal(atomic_load(&h.n_answered), 1);
    assert_int_equal(atomic_load(&h.n_orphan_answers), 1);
    hx_free(&h);
}

static void client_expect(struct hx *h)
{
    struct buf rx = BUF_INIT;
    int fd = hx_connect(h->port);
    hx_send(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    hx_read_response(fd, &rx, hx_next(h)); /* 100 Continue before the body is sent */
    hx_send(fd, "body");
    hx_read_response(fd, &rx, hx_next(h));
    close(fd);
    buf_free(&rx);
}

static void test_expect_100_continue(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    assert_int_equal(hx_run(&h, client_expect), 0);
    assert_int_equal(h.resp[0].status, 100);
    assert_int_equal(h.resp[1].status, 200);
    assert_string_equal(h.resp[1].body.data, "body");
    hx_free(&h);
}

/* Many pipelined requests from a client that reads nothing until it has
 * sent them all: answers stay in order, nothing is lost. */
static void client_flood(struct hx *h)
{
    struct buf rx = BUF_INIT, all = BUF_INIT;
    int fd = hx_connect(h->port);
    for (int i = 0; i < 200; i++)
        buf_printf(&all, "GET /echo?n=%d HTTP/1.1\r\nHost: t\r\n\r\n", i);
    hx_send_n(fd, all.data, all.len);
    struct hx_resp r = {0};
    int in_order = 1;
    for (int i = 0; i < 200; i++) {
        if (hx_read_response(fd, &rx, &r) != 200) {
            in_order = 0;
            break;
        }
        char want[32], got[32];
        snprintf(want, sizeof want, "n=%d", i);
        if (!hx_header(&r, "X-Query", got, sizeof got) || strcmp(got, want) != 0) in_order = 0;
    }
    h->flags[0] = in_order;
    buf_free(&r.body);
    close(fd);
    buf_free(&rx);
    buf_free(&all);
}

static void test_pipelined_flood_in_order(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    assert_int_equal(hx_run(&h, client_flood), 0);
    assert_int_equal(h.flags[0], 1);
    assert_int_equal(atomic_load(&h.n_dispatched), 200);
    hx_free(&h);
}

int main(void)
{
    log_set_level(LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_413_content_length_and_chunked),
        cmocka_unit_test(test_431_oversize_headers),
        cmocka_unit_test(test_400_garbage),
        cmocka_unit_test(test_408_slow_client_and_idle_close),
        cmocka_unit_test(test_503_over_max_connections),
        cmocka_unit_test(test_429_rate_per_ip),
        cmocka_unit_test(test_429_behind_proxy_uses_forwarded_for),
        cmocka_unit_test(test_max_requests_per_connection),
        cmocka_unit_test(test_504_handler_timeout),
        cmocka_unit_test(test_expect_100_continue),
        cmocka_unit_test(test_pipelined_flood_in_order),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    metrics_default_free();
    return rc;
}
