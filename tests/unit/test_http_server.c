/* test_http_server.c - the HTTP server over real sockets: requests reaching
 * the dispatcher byte-exact, keep-alive, pipelining, chunked bodies,
 * asynchronous answers, disconnects, routing, Connection: close, stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/log.h"
#include "test_http_server_harness.h"

static char hv[256]; /* header value scratch, main thread only */

/* ------------------------------------------------------------ GET and POST */

static unsigned char post_body[300];

static void client_get_post(struct hx *h)
{
    struct buf rx = BUF_INIT;
    int fd = hx_roundtrip(h,
                          "GET /echo/a%20b%2Fc?x=1%202&y HTTP/1.1\r\nHost: t\r\n"
                          "x-TeSt: hello world  \r\nX-Dup: a\r\nX-Dup: b\r\n\r\n",
                          &rx);
    close(fd);
    buf_reset(&rx);
    fd = hx_connect(h->port);
    char head[256];
    snprintf(head, sizeof head,
             "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n\r\n", sizeof post_body);
    hx_send(fd, head);
    hx_send_n(fd, post_body, sizeof post_body);
    hx_read_response(fd, &rx, hx_next(h));
    close(fd);
    buf_free(&rx);
}

static void test_get_and_post_byte_exact(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof post_body; i++) post_body[i] = (unsigned char)(i * 7 + 3);
    post_body[10] = 0; /* a NUL and CR LF inside the body */
    post_body[11] = '\r';
    post_body[12] = '\n';
    struct hx h;
    hx_init(&h);
    assert_int_equal(hx_run(&h, client_get_post), 0);
    assert_int_equal(h.n_resp, 2);

    struct hx_resp *g = &h.resp[0];
    assert_int_equal(g->status, 200);
    assert_string_equal(hx_header(g, "X-Method", hv, sizeof hv), "GET");
    assert_string_equal(hx_header(g, "X-Raw-Path", hv, sizeof hv), "/echo/a%20b%2Fc");
    assert_string_equal(hx_header(g, "X-Query", hv, sizeof hv), "x=1%202&y");
    assert_string_equal(hx_header(g, "X-Rest", hv, sizeof hv), "a b/c");
    assert_non_null(hx_header(g, "Date", hv, sizeof hv));

    /* the POST went last: what the dispatcher saw */
    struct hx_resp *p = &h.resp[1];
    assert_int_equal(p->status, 200);
    assert_string_equal(h.last_method, "POST");
    assert_string_equal(h.last_path, "/echo");
    assert_string_equal(h.last_peer, "127.0.0.1");
    assert_int_equal(h.last_body.len, sizeof post_body);
    assert_memory_equal(h.last_body.data, post_body, sizeof post_body);
    assert_int_equal(p->body.len, sizeof post_body);
    assert_memory_equal(p->body.data, post_body, sizeof post_body);
    hx_free(&h);
}

/* headers: the request of interest goes last so last_* are its own */
static void client_headers(struct hx *h)
{
    struct buf rx = BUF_INIT;
    const char *auth[] = {"authorization: bearer  tok-123 \r\n", "Authorization: Basic Zm9v\r\n",
                          "Authorization: Bearer\r\n"};
    for (int i = 0; i < 3; i++) {
        char req[256];
        buf_reset(&rx);
        snprintf(req, sizeof req, "GET /echo/auth HTTP/1.1\r\nHost: t\r\n%s\r\n", auth[i]);
        close(hx_roundtrip(h, req, &rx));
    }
    buf_reset(&rx);
    int fd = hx_roundtrip(h,
                          "GET /echo?q=%C3%A9 HTTP/1.1\r\nHost: t\r\n"
                          "x-TeSt: hello world  \r\nX-Dup: a\r\nX-Dup: b\r\nX-Empty:\r\n\r\n",
                          &rx);
    close(fd);
    buf_free(&rx);
}

static void test_headers_case_insensitive_and_duplicates(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    assert_int_equal(hx_run(&h, client_headers), 0);
    assert_int_equal(h.resp[3].status, 200);
    assert_string_equal(h.last_test_header, "hello world"); /* trailing spaces cut */
    assert_int_equal(h.last_dup_count, 2);
    assert_int_equal(h.last_header_count, 5);
    assert_string_equal(h.last_query, "q=%C3%A9");
    assert_string_equal(hx_header(&h.resp[0], "X-Bearer", hv, sizeof hv), "tok-123");
    assert_string_equal(hx_header(&h.resp[1], "X-Bearer", hv, sizeof hv), "(none)");
    assert_string_equal(hx_header(&h.resp[2], "X-Bearer", hv, sizeof hv), "(none)");
    hx_free(&h);
}

/* ------------------------------------------------------------ keep-alive, pipelining */

static void client_keepalive(struct hx *h)
{
    struct buf rx = BUF_INIT;
    int fd = hx_connect(h->port);
    hx_send(fd, "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n");
    hx_read_response(fd, &rx, hx_next(h));
    hx_send(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
    hx_read_response(fd, &rx, hx_next(h));
    close(fd);
    buf_free(&rx);
}

static void test_keep_alive_two_requests(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    assert_int_equal(hx_run(&h, client_keepalive), 0);
    assert_int_equal(h.resp[0].status, 200);
    assert_int_equal(h.resp[1].status, 200);
    assert_memory_equal(h.resp[1].body.data, "hello", 5);
    char p1[32], p2[32];
    hx_header(&h.resp[0], "X-Peer-Port", p1, sizeof p1);
    hx_header(&h.resp[1], "X-Peer-Port", p2, sizeof p2);
    assert_string_equal(p1, p2); /* same connection */
    assert_null(hx_header(&h.resp[0], "Connection", hv, sizeof hv));
    hx_free(&h);
}

static void client_pipelined(struct hx *h)
{
    struct buf rx = BUF_INIT;
    int fd = hx_connect(h->port);
    /* three requests in one write; the first is answered last in time */
    hx_send(fd, "GET /async?ms=150 HTTP/1.1\r\nHost: t\r\n\r\n"
                "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\nsecond"
                "GET /async?ms=0 HTTP/1.1\r\nHost: t\r\n\r\n");
    for (int i = 0; i < 3; i++) hx_read_response(fd, &rx, hx_next(h));
    close(fd);
    buf_free(&rx);
}

static void client_half_close(struct hx *h)
{
    struct buf rx = BUF_INIT;
    int fd = hx_connect(h->port);
    hx_send(fd, "GET /async?ms=50 HTTP/1.1\r\nHost: t\r\n\r\n"
                "GET /echo?second HTTP/1.1\r\nHost: t\r\n\r\n");
    shutdown(fd, SHUT_WR); /* done sending; still reading */
    hx_read_response(fd, &rx, hx_next(h));
    hx_read_response(fd, &rx, hx_next(h));
    hx_record_eof(h, fd, &rx);
    close(fd);
    buf_free(&rx);
}

static void test_pipelined_then_half_close(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    assert_int_equal(hx_run(&h, client_half_close), 0);
    assert_int_equal(h.resp[0].status, 200);
    assert_string_equal(h.resp[0].body.data, "async 50");
    assert_int_equal(h.resp[1].status, 200);
    assert_string_equal(hx_header(&h.resp[1], "X-Query", hv, sizeof hv), "second");
    assert_string_equal(hx_header(&h.resp[1], "Connection", hv, sizeof hv), "close");
    assert_int_equal(h.eof[0], 1);
    hx_free(&h);
}

static void test_pipelined_in_order(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    assert_int_equal(hx_run(&h, client_pipelined), 0);
    assert_int_equal(h.n_resp, 3);
    for (int i = 0; i < 3; i++) assert_int_equal(h.resp[i].status, 200);
    assert_string_equal(h.resp[0].body.data, "async 150");
    assert_string_equal(h.resp[1].body.data, "second");
    assert_string_equal(h.resp[2].body.data, "async 0");
    hx_free(&h);
}

/* ------------------------------------------------------------ chunked */

static void client_chunked(struct hx *h)
{
    struct buf rx = BUF_INIT;
    int fd = hx_connect(h->port);
    hx_send(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    hx_send(fd, "3\r\nabc\r\n");
    hx_sleep_ms(20);
    hx_send(fd, "5;ext=1\r\nde");
    hx_sleep_ms(20);
    hx_send(fd, "fgh\r\n");
    hx_send(fd, "0\r\nX-Trailer: t\r\n\r\n");
    hx_read_response(fd, &rx, hx_next(h));
    close(fd);
    buf_free(&rx);
}

static void test_chunked_body(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    assert_int_equal(hx_run(&h, client_chunked), 0);
    assert_int_equal(h.resp[0].status, 200);
    assert_int_equal(h.last_body.len, 8);
    assert_memory_equal(h.last_body.data, "abcdefgh", 8);
    assert_string_equal(h.resp[0].body.data, "abcdefgh");
    hx_free(&h);
}

/* ------------------------------------------------------------ asynchronous answers */

static void client_async(struct hx *h)
{
    struct buf rx = BUF_INIT;
    int fd = hx_roundtrip(h, "GET /async?ms=100 HTTP/1.1\r\nHost: t\r\n\r\n", &rx);
    close(fd);
    buf_free(&rx);
}

static void test_async_answer_after_timer(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    assert_int_equal(hx_run(&h, client_async), 0);
    assert_int_equal(h.resp[0].status, 200);
    assert_string_equal(h.resp[0].body.data, "async 100");
    assert_int_equal(atomic_load(&h.n_answered), 1);
    assert_int_equal(atomic_load(&h.n_orphan_answers), 0);
    hx_free(&h);
}

static void client_disconnects(struct hx *h)
{
    /* 1: reset (SO_LINGER 0) right after sending */
    int fd = hx_connect(h->port);
    hx_send(fd, "GET /async?ms=200 HTTP/1.1\r\nHost: t\r\n\r\n");
    for (int i = 0; i < 500 && atomic_load(&h->n_dispatched) < 1; i++)
        hx_sleep_ms(10); /* let the request reach the handler */
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
    /* 2: an orderly close (FIN) while the handler works */
    fd = hx_connect(h->port);
    hx_send(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nab"); /* incomplete */
    close(fd);
    fd = hx_connect(h->port);
    hx_send(fd, "GET /async?ms=100 HTTP/1.1\r\nHost: t\r\n\r\n");
    close(fd);
    hx_wait_answers(h, 2);
}

static void test_client_disconnects_before_answer(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    assert_int_equal(hx_run(&h, client_disconnects), 0);
    assert_int_equal(atomic_load(&h.n_answered), 2);
    /* the reset one was orphaned: its answer was dropped, nothing crashed
     * or leaked (run under SAN=1) */
    assert_true(atomic_load(&h.n_orphan_answers) >= 1);
    assert_int_equal(atomic_load(&h.n_dispatched), 2); /* the incomplete POST never was */
    hx_free(&h);
}

/* ------------------------------------------------------------ routing through the server */

static void client_routes(struct hx *h)
{
    struct buf rx = BUF_INIT;
    int fd = hx_connect(h->port);
    hx_send(fd, "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n");
    hx_read_response(fd, &rx, hx_next(h));
    hx_send(fd, "POST /get-only HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
    hx_read_response(fd, &rx, hx_next(h));
    hx_send(fd, "HEAD /get-only HTTP/1.1\r\nHost: t\r\n\r\n");
    struct hx_resp *r = hx_next(h);
    r->no_body = 1;
    hx_read_response(fd, &rx, r);
    hx_send(fd, "GET /get-only HTTP/1.1\r\nHost: t\r\n\r\n"); /* still in step after HEAD */
    hx_read_response(fd, &rx, hx_next(h));
    hx_send(fd, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
    hx_read_response(fd, &rx, hx_next(h));
    close(fd);
    buf_free(&rx);
}

static void test_404_405_head_and_metrics(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    assert_int_equal(hx_run(&h, client_routes), 0);
    assert_int_equal(h.resp[0].status, 404);
    assert_string_equal(h.resp[0].body.data, "{\"error\":\"no route for /nope\"}");
    assert_int_equal(h.resp[1].status, 405);
    assert_string_equal(hx_header(&h.resp[1], "Allow", hv, sizeof hv), "GET, HEAD");
    assert_non_null(strstr(h.resp[1].body.data, "method POST not allowed"));
    assert_int_equal(h.resp[2].status, 200);
    assert_string_equal(hx_header(&h.resp[2], "Content-Length", hv, sizeof hv), "2");
    assert_int_equal(h.resp[3].status, 200);
    assert_string_equal(h.resp[3].body.data, "ok");
    assert_int_equal(h.resp[4].status, 200);
    assert_string_equal(hx_header(&h.resp[4], "Content-Type", hv, sizeof hv),
                        METRICS_CONTENT_TYPE);
    assert_non_null(strstr(h.resp[4].body.data, "hub_http_requests_total{code=\"404\"}"));
    assert_non_null(strstr(h.resp[4].body.data, "# TYPE hub_http_request_duration_ms histogram"));
    assert_non_null(strstr(h.resp[4].body.data, "hub_http_connections 1\n"));
    hx_free(&h);
}

/* ------------------------------------------------------------ paths */

static void client_paths(struct hx *h)
{
    struct buf rx = BUF_INIT;
    const char *reqs[] = {
        "GET /echo%zz HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET /echo/a%00b HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET /echo/%4 HTTP/1.1\r\nHost: t\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET echo HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET http://example.com/echo/x?k=v HTTP/1.1\r\nHost: t\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        int fd = hx_roundtrip(h, reqs[i], &rx);
        if (i < 5) hx_record_eof(h, fd, &rx);
        close(fd);
        buf_reset(&rx);
    }
    buf_free(&rx);
}

static void test_bad_paths_400(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    assert_int_equal(hx_run(&h, client_paths), 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(h.resp[i].status, 400);
        assert_string_equal(hx_header(&h.resp[i], "Connection", hv, sizeof hv), "close");
        assert_int_equal(h.eof[i], 1);
    }
    assert_non_null(strstr(h.resp[0].body.data, "percent"));
    assert_non_null(strstr(h.resp[3].body.data, "must start with '/'"));
    /* llhttp's own reason */
    assert_string_equal(h.resp[4].body.data,
                        "{\"error\":\"malformed request: Invalid characters in url "
                        "(HPE_INVALID_URL)\"}");
    assert_int_equal(h.resp[5].status, 200); /* absolute-form target */
    assert_string_equal(hx_header(&h.resp[5], "X-Rest", hv, sizeof hv), "x");
    assert_string_equal(hx_header(&h.resp[5], "X-Query", hv, sizeof hv), "k=v");
    hx_free(&h);
}

/* ------------------------------------------------------------ Connection: close, HTTP/1.0 */

static void client_close(struct hx *h)
{
    struct buf rx = BUF_INIT;
    int fd = hx_roundtrip(h, "GET /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", &rx);
    hx_record_eof(h, fd, &rx);
    close(fd);
    buf_reset(&rx);
    fd = hx_roundtrip(h, "GET /echo HTTP/1.0\r\n\r\n", &rx);
    hx_record_eof(h, fd, &rx);
    close(fd);
    buf_reset(&rx);
    fd = hx_roundtrip(h, "GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &rx);
    hx_send(fd, "GET /get-only HTTP/1.0\r\n\r\n");
    hx_read_response(fd, &rx, hx_next(h));
    hx_record_eof(h, fd, &rx);
    close(fd);
    buf_free(&rx);
}

static void test_connection_close_honoured(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    assert_int_equal(hx_run(&h, client_close), 0);
    assert_int_equal(h.n_resp, 4);
    assert_int_equal(h.resp[0].status, 200);
    assert_string_equal(hx_header(&h.resp[0], "Connection", hv, sizeof hv), "close");
    assert_int_equal(h.eof[0], 1);
    assert_int_equal(h.resp[1].status, 200);
    assert_string_equal(hx_header(&h.resp[1], "Connection", hv, sizeof hv), "close");
    assert_int_equal(h.eof[1], 1);
    assert_int_equal(h.resp[2].status, 200); /* 1.0 keep-alive: stays open */
    assert_string_equal(hx_header(&h.resp[2], "Connection", hv, sizeof hv), "keep-alive");
    assert_int_equal(h.resp[3].status, 200); /* the second, without keep-alive: closed */
    assert_int_equal(h.eof[2], 1);
    hx_free(&h);
}

/* ------------------------------------------------------------ stop */

static void client_stop(struct hx *h)
{
    struct buf rxa = BUF_INIT, rxb = BUF_INIT, rxc = BUF_INIT;
    int a = hx_connect(h->port); /* idle after one request */
    hx_send(a, "GET /get-only HTTP/1.1\r\nHost: t\r\n\r\n");
    hx_read_response(a, &rxa, hx_next(h));
    int b = hx_connect(h->port); /* half a request */
    hx_send(b, "GET /echo HTTP/1.1\r\nHo");
    int c = hx_connect(h->port); /* a request with its handler */
    hx_send(c, "GET /async?ms=300 HTTP/1.1\r\nHost: t\r\n\r\n");
    for (int i = 0; i < 500 && atomic_load(&h->n_dispatched) < 1; i++) hx_sleep_ms(10);
    hx_sleep_ms(30);
    hx_request_stop(h);
    hx_record_eof(h, a, &rxa);
    hx_record_eof(h, b, &rxb);
    hx_read_response(c, &rxc, hx_next(h)); /* still answered */
    hx_record_eof(h, c, &rxc);
    int d = hx_connect(h->port); /* the listener is gone */
    h->flags[0] = d < 0;
    if (d >= 0) close(d);
    close(a);
    close(b);
    close(c);
    buf_free(&rxa);
    buf_free(&rxb);
    buf_free(&rxc);
}

static void test_stop_with_open_connections(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    assert_int_equal(hx_run(&h, client_stop), 0);
    assert_int_equal(h.server_closed, 1);
    assert_int_equal(h.watchdog_fired, 0);
    assert_int_equal(h.resp[0].status, 200);
    assert_int_equal(h.eof[0], 1); /* idle: closed */
    assert_int_equal(h.eof[1], 1); /* half-read: dropped */
    assert_int_equal(h.resp[1].status, 200);
    assert_string_equal(h.resp[1].body.data, "async 300");
    assert_string_equal(hx_header(&h.resp[1], "Connection", hv, sizeof hv), "close");
    assert_int_equal(h.eof[2], 1);
    assert_int_equal(h.flags[0], 1);
    hx_free(&h);
}

/* Stop with no grace: a request still with its handler is orphaned and
 * answered later without harm. */
static void client_stop_now(struct hx *h)
{
    struct buf rx = BUF_INIT;
    int c = hx_connect(h->port);
    hx_send(c, "GET /async?ms=200 HTTP/1.1\r\nHost: t\r\n\r\n");
    for (int i = 0; i < 500 && atomic_load(&h->n_dispatched) < 1; i++) hx_sleep_ms(10);
    hx_request_stop(h);
    hx_record_eof(h, c, &rx);
    hx_wait_answers(h, 1);
    close(c);
    buf_free(&rx);
}

static void test_stop_without_grace_orphans(void **state)
{
    (void)state;
    struct hx h;
    hx_init(&h);
    h.lim.stop_grace_ms = 0;
    assert_int_equal(hx_run(&h, client_stop_now), 0);
    assert_int_equal(h.server_closed, 1);
    assert_int_equal(h.eof[0], 1);
    assert_int_equal(atomic_load(&h.n_answered), 1);
    assert_int_equal(atomic_load(&h.n_orphan_answers), 1);
    hx_free(&h);
}

/* ------------------------------------------------------------ dual stack */

static void client_v4(struct hx *h)
{
    struct buf rx = BUF_INIT;
    close(hx_roundtrip(h, "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n", &rx));
    buf_free(&rx);
}

static void test_dual_stack_peer_is_plain_ipv4(void **state)
{
    (void)state;
    int probe = socket(AF_INET6, SOCK_STREAM, 0);
    if (probe < 0) skip(); /* no IPv6 here */
    close(probe);
    struct hx h;
    hx_init(&h);
    h.listen = "[::]:0";
    int rc = hx_run(&h, client_v4);
    if (h.start_rc != 0) skip();
    assert_int_equal(rc, 0);
    assert_int_equal(h.resp[0].status, 200);
    assert_string_equal(h.last_peer, "127.0.0.1");
    hx_free(&h);
}

/* ------------------------------------------------------------ start errors */

static void test_start_errors(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct http_server *s;
    char err[256];
    assert_int_equal(http_server_start(&loop, "nonsense", NULL, http_router_dispatch, NULL, &s,
                                       err, sizeof err), -1);
    assert_non_null(strstr(err, "host:port"));
    assert_int_equal(http_server_start(&loop, "127.0.0.1:99999", NULL, http_router_dispatch,
                                       NULL, &s, err, sizeof err), -1);
    assert_int_equal(http_server_start(&loop, "example.com:80", NULL, http_router_dispatch, NULL,
                                       &s, err, sizeof err), -1);
    /* two servers on one port: the second fails cleanly */
    assert_int_equal(http_server_start(&loop, "127.0.0.1:0", NULL, http_router_dispatch, NULL, &s,
                                       err, sizeof err), 0);
    struct http_server *s2;
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", http_server_port(s));
    assert_true(http_server_port(s) > 0);
    assert_int_equal(http_server_start(&loop, addr, NULL, http_router_dispatch, NULL, &s2, err,
                                       sizeof err), -1);
    assert_non_null(strstr(err, "address already in use"));
    http_server_stop(s, NULL, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    log_set_level(LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_and_post_byte_exact),
        cmocka_unit_test(test_headers_case_insensitive_and_duplicates),
        cmocka_unit_test(test_keep_alive_two_requests),
        cmocka_unit_test(test_pipelined_in_order),
        cmocka_unit_test(test_pipelined_then_half_close),
        cmocka_unit_test(test_chunked_body),
        cmocka_unit_test(test_async_answer_after_timer),
        cmocka_unit_test(test_client_disconnects_before_answer),
        cmocka_unit_test(test_404_405_head_and_metrics),
        cmocka_unit_test(test_bad_paths_400),
        cmocka_unit_test(test_connection_close_honoured),
        cmocka_unit_test(test_stop_with_open_connections),
        cmocka_unit_test(test_stop_without_grace_orphans),
        cmocka_unit_test(test_dual_stack_peer_is_plain_ipv4),
        cmocka_unit_test(test_start_errors),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    metrics_default_free();
    return rc;
}
