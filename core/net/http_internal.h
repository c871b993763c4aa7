/*
 * http_internal.h - structures shared by http_server.c, http_conn.c and
 * http_request.c.  Not for use outside core/net/http_*.c.
 *
 * Ownership of a request:
 *   - while it is being parsed, or after the server answered it itself
 *     (refusal), the connection owns it and frees it;
 *   - from dispatch until http_respond(), the handler owns it.  The
 *     connection points to it (conn->req) and it points back (req->conn);
 *     if the connection goes away first, req->conn becomes NULL (orphan) and
 *     http_respond() just frees it.
 */
#ifndef HUB_NET_HTTP_INTERNAL_H
#define HUB_NET_HTTP_INTERNAL_H

#include <llhttp.h>
#include <uv.h>

#include "common/buf.h"
#include "net/http_ratelimit.h"
#include "net/http_server.h"
#include "net/metrics.h"

#define HTTP_IP_LEN 64
/* Bytes read ahead of the parser while a request is with its handler. */
#define HTTP_READ_AHEAD (64 * 1024)
/* Bytes of queued response not yet taken by the client before the next
 * pipelined request is parsed. */
#define HTTP_WRITE_BACKLOG (256 * 1024)
/* How long a closing connection keeps reading (and discarding) after its
 * last answer, so the client sees the answer rather than a reset. */
#define HTTP_LINGER_MS 2000
/* Answers corked during one read's processing are flushed at this size. */
#define HTTP_CORK_MAX (64 * 1024)

struct http_header_kv {
    char *name;
    char *value;
};

struct http_conn;

struct http_request {
    struct http_conn *conn; /* NULL once orphaned */
    uint64_t id;
    const char *method;     /* static string from llhttp */
    struct buf target;      /* raw request target */
    char *raw_path;
    char *path;             /* percent-decoded */
    char *query;            /* raw, "" if none */
    size_t route_prefix;    /* bytes of path consumed by a prefix route */
    struct http_header_kv *headers;
    size_t n_headers, cap_headers;
    struct buf body;
    char peer[HTTP_IP_LEN];
    int peer_port;
    char client_ip[HTTP_IP_LEN];
    uint64_t received_ms;
    uint64_t start_ns;      /* monotonic, for the duration metric */
    int http_major, http_minor;
    int keep_alive;
    int head;               /* HEAD: no body in the answer */
    int dispatched;
    int responded;
    void *data;
    void (*data_free)(void *);
};

enum http_conn_state {
    HTTP_CS_IDLE = 0, /* between requests */
    HTTP_CS_HEADERS,  /* request line and headers arriving */
    HTTP_CS_BODY,     /* body arriving */
    HTTP_CS_HANDLER,  /* request with the handler */
    HTTP_CS_LINGER,   /* last answer queued; shutting down */
};

struct http_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    struct http_server *srv;
    llhttp_t parser;
    enum http_conn_state state;
    struct http_request *req;
    struct buf pending;     /* bytes read, not yet parsed */
    struct buf corked;      /* answers not yet handed to uv_write */
    size_t pending_off;
    struct buf field, value; /* header being parsed */
    size_t header_bytes;
    size_t body_expected;   /* Content-Length, 0 for chunked/none */
    uint32_t n_requests;
    int handles_open;
    int closing;            /* uv_close called */
    int reading;
    int eof;                /* client finished sending */
    int accepted;           /* counted in srv->n_conns */
    int refusing;           /* refused at accept (503), counted in srv->n_refusing */
    int in_process;
    int write_blocked;      /* waiting for the write backlog to drain */
    size_t writes_pending;
    /* a refusal decided inside a parser callback */
    int refusal_status;
    const char *refusal_limit;
    char refusal_msg[200];
    uint64_t retry_after_s;
    char peer[HTTP_IP_LEN];
    int peer_port;
    struct http_conn *prev, *next;
};

struct http_server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    uv_timer_t grace_timer;
    struct http_limits lim;
    http_dispatch_fn dispatch;
    void *arg;
    struct http_conn *conns;  /* every live connection, refused ones too */
    size_t n_conns;           /* accepted, not refused */
    size_t n_live;            /* structs not yet freed */
    size_t n_refusing;        /* refused at accept, still closing */
    int port;
    uint64_t next_id;
    int stopping;
    int listener_closed;
    int finishing;
    void (*on_closed)(void *arg);
    void *closed_arg;
    struct http_ratelimit *rl;
    char readbuf[64 * 1024];
    /* metrics (default registry) */
    struct metric *m_conns;
    struct metric *m_duration;
    struct metric *m_by_code[600];
};

/* http_request.c */
struct http_request *http_request_new(struct http_conn *c);
void http_request_free(struct http_request *r);
int http_request_add_header(struct http_request *r, const char *name, size_t nlen,
                            const char *value, size_t vlen);
/* Split the target into raw path, decoded path and query.  0, or -1 with a
 * message for a 400. */
int http_request_parse_target(struct http_request *r, const char **why);
/* Serialize an answer.  `close` adds Connection: close; keep_alive_10 adds
 * Connection: keep-alive (HTTP/1.0 clients that asked for it). */
void http_build_response(struct buf *out, int status, const struct hub_header *headers,
                         size_t n_headers, const void *body, size_t len, int head, int close,
                         int keep_alive_10);
/* 1 if the headers ask to close (Connection: close). */
int http_headers_say_close(const struct hub_header *headers, size_t n);

/* http_conn.c */
/* Accept one connection from the listener (or refuse it with 503). */
void http_conn_accept(struct http_server *s);
/* Graceful: answers already queued are flushed, then shutdown and close. */
void http_conn_finish(struct http_conn *c);
/* Immediate close; a request with its handler becomes an orphan. */
void http_conn_close(struct http_conn *c);
/* The handler answered the connection's current request. */
void http_conn_respond(struct http_conn *c, struct http_request *req, int status,
                       const struct hub_header *headers, size_t n, const void *body, size_t len);

/* http_server.c */
void http_server_conn_freed(struct http_server *s, struct http_conn *c);
void http_server_count_refusal(struct http_server *s, const char *limit);
void http_server_count_response(struct http_server *s, int status, uint64_t start_ns);

#endif
