/* mcp_session.c - legacy-era sessions: an unguessable Mcp-Session-Id minted
 * at initialize, kept in memory (a restart forgets them: clients get 404 and
 * initialize again, as the transport specifies; carts live on in LMDB). */
#include <stdlib.h>
#include <string.h>

#include "mcp.h"

#define SESSIONS_MAX 20000

struct session {
    char id[72];
    char version[16];
    uint64_t last_ms;
};

struct mcp_state {
    struct session *s;
    size_t n, cap;
};

int mcp_init(struct chatgpt *g)
{
    g->mcp = calloc(1, sizeof *g->mcp);
    return g->mcp ? 0 : -1;
}

void mcp_sessions_free(struct chatgpt *g)
{
    if (!g->mcp) return;
    free(g->mcp->s);
    free(g->mcp);
    g->mcp = NULL;
}

void mcp_destroy(struct chatgpt *g) { mcp_sessions_free(g); }

static void expire(struct chatgpt *g, uint64_t now)
{
    struct mcp_state *m = g->mcp;
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++)
        if (now - m->s[i].last_ms < (uint64_t)g->session_ttl_ms) m->s[k++] = m->s[i];
    m->n = k;
}

int mcp_session_new(struct chatgpt *g, const char *version, char *out, size_t out_len)
{
    struct mcp_state *m = g->mcp;
    uint64_t now = g->host->now_ms(g->inst);
    expire(g, now);
    if (m->n == SESSIONS_MAX) { /* drop the least recently used */
        size_t old = 0;
        for (size_t i = 1; i < m->n; i++)
            if (m->s[i].last_ms < m->s[old].last_ms) old = i;
        m->s[old] = m->s[--m->n];
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        struct session *ns = realloc(m->s, cap * sizeof *ns);
        if (!ns) return -1;
        m->s = ns;
        m->cap = cap;
    }
    struct session *s = &m->s[m->n];
    memset(s, 0, sizeof *s);
    memcpy(s->id, "mcp-", 4);
    if (chatgpt_random_hex(s->id + 4, 24) != 0) return -1;
    strncpy(s->version, version, sizeof s->version - 1);
    s->last_ms = now;
    m->n++;
    if (strlen(s->id) + 1 > out_len) return -1;
    strcpy(out, s->id);
    return 0;
}

static struct session *find(struct chatgpt *g, const char *id)
{
    struct mcp_state *m = g->mcp;
    uint64_t now = g->host->now_ms(g->inst);
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->s[i].id, id) != 0) continue;
        if (now - m->s[i].last_ms >= (uint64_t)g->session_ttl_ms) {
            m->s[i] = m->s[--m->n];
            return NULL;
        }
        m->s[i].last_ms = now;
        return &m->s[i];
    }
    return NULL;
}

const char *mcp_session_get(struct chatgpt *g, const char *id)
{
    struct session *s = id ? find(g, id) : NULL;
    return s ? s->version : NULL;
}

int mcp_session_end(struct chatgpt *g, const char *id)
{
    struct session *s = id ? find(g, id) : NULL;
    if (!s) return -1;
    *s = g->mcp->s[--g->mcp->n];
    return 0;
}
