/* loadgen.c - a small HTTP/1.1 load generator for the benchmarks.
 *
 *   loadgen PORT CONNS FILE
 *
 * FILE holds ready-made requests, each as "<length>\n<bytes>" (the bench
 * scripts write it: signed webhooks and the like).  CONNS keep-alive
 * connections to 127.0.0.1:PORT each keep one request in flight; every
 * answer must carry Content-Length.  Prints "ok bad seconds" (answers 200,
 * other answers, wall time from the first send to the last answer).
 *
 * Written in C so that on a small machine the load costs a fraction of what
 * the server under test spends: a Python client saturated a core at ~9k
 * requests/s and the benchmark measured the client.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct req {
    const char *p;
    size_t len;
};

struct conn {
    int fd;
    const struct req *cur; /* in flight, or NULL */
    size_t sent;
    int want_out; /* registered for EPOLLOUT */
    char *rx;
    size_t rx_len, rx_cap;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    perror(what);
    exit(2);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) die(path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) die("read");
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

/* Split "<len>\n<bytes>" records. */
static struct req *parse_reqs(char *buf, size_t len, size_t *count)
{
    size_t cap = 1024, n = 0;
    struct req *r = malloc(cap * sizeof *r);
    char *p = buf, *end = buf + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) break;
        size_t l = strtoul(p, NULL, 10);
        p = nl + 1;
        if (l > (size_t)(end - p)) {
            fprintf(stderr, "loadgen: truncated request file\n");
            exit(2);
        }
        if (n == cap) r = realloc(r, (cap *= 2) * sizeof *r);
        r[n].p = p;
        r[n].len = l;
        n++;
        p += l;
    }
    *count = n;
    return r;
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) die("connect");
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

static int ep;

/* Write what is left of the request in flight, and wait for writability
 * only while something is left; 0 or -1 (connection lost). */
static int flush(struct conn *c)
{
    int blocked = 0;
    while (c->cur && c->sent < c->cur->len) {
        ssize_t w = send(c->fd, c->cur->p + c->sent, c->cur->len - c->sent, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno != EAGAIN) return -1;
            blocked = 1;
            break;
        }
        c->sent += (size_t)w;
    }
    if (blocked != c->want_out) {
        struct epoll_event ev = {.events = EPOLLIN | (blocked ? EPOLLOUT : 0), .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        c->want_out = blocked;
    }
    return 0;
}

/* One complete answer at the start of rx: its status, and its size in *used. */
static int answer(struct conn *c, size_t *used)
{
    char *hdr_end = memmem(c->rx, c->rx_len, "\r\n\r\n", 4);
    if (!hdr_end) return 0;
    size_t head = (size_t)(hdr_end - c->rx) + 4;
    size_t clen = 0;
    char *cl = memmem(c->rx, head, "ontent-Length:", 14);
    if (!cl) cl = memmem(c->rx, head, "ontent-length:", 14);
    if (cl) clen = strtoul(cl + 14, NULL, 10);
    if (c->rx_len < head + clen) return 0;
    *used = head + clen;
    return atoi(c->rx + 9); /* "HTTP/1.1 200" */
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: loadgen PORT CONNS FILE\n");
        return 2;
    }
    int port = atoi(argv[1]), conns = atoi(argv[2]);
    size_t len, n;
    char *buf = slurp(argv[3], &len);
    struct req *reqs = parse_reqs(buf, len, &n);
    if (conns < 1) conns = 1;
    if ((size_t)conns > n) conns = (int)n;

    ep = epoll_create1(0);
    struct conn *cs = calloc((size_t)conns, sizeof *cs);
    size_t next = 0, done = 0;
    long ok = 0, bad = 0;
    double t0 = now_s();
    for (int i = 0; i < conns; i++) {
        cs[i].fd = connect_to(port);
        cs[i].cur = &reqs[next++];
        cs[i].rx_cap = 4096;
        cs[i].rx = malloc(cs[i].rx_cap);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cs[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
    }
    for (int i = 0; i < conns; i++)
        if (flush(&cs[i]) != 0) die("send");
    struct epoll_event evs[256];
    while (done < n) {
        int k = epoll_wait(ep, evs, 256, 30000);
        if (k == 0) {
            fprintf(stderr, "loadgen: no answer for 30 s (%zu of %zu done)\n", done, n);
            return 2;
        }
        for (int e = 0; e < k; e++) {
            struct conn *c = evs[e].data.ptr;
            if ((evs[e].events & EPOLLOUT) && flush(c) != 0) die("send");
            if (!(evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
            for (;;) {
                if (c->rx_cap - c->rx_len < 4096) c->rx = realloc(c->rx, c->rx_cap *= 2);
                ssize_t r = recv(c->fd, c->rx + c->rx_len, c->rx_cap - c->rx_len, 0);
                if (r == 0) {
                    fprintf(stderr, "loadgen: the server closed a connection\n");
                    return 2;
                }
                if (r < 0) {
                    if (errno == EAGAIN) break;
                    die("recv");
                }
                c->rx_len += (size_t)r;
            }
            size_t used;
            int status;
            while ((status = answer(c, &used)) > 0) {
                memmove(c->rx, c->rx + used, c->rx_len - used);
                c->rx_len -= used;
                if (status == 200) ok++;
                else bad++;
                done++;
                c->cur = next < n ? &reqs[next++] : NULL;
                c->sent = 0;
                if (flush(c) != 0) die("send");
            }
        }
    }
    printf("%ld %ld %.6f\n", ok, bad, now_s() - t0);
    return 0;
}
