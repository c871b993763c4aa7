/* acp_ext.c - lifecycle of the plugin's other half (chatgpt.h hooks):
 * funnel, storefront handoff, ACP checkout, widgets.  The feed needs no state. */
#include <stdlib.h>

#include "acp.h"
#include "funnel.h"
#include "handoff.h"

static int ext_init(struct chatgpt *g)
{
    const struct hub_host *host = g->host;
    if (funnel_init(g) != 0 || handoff_init(g) != 0) {
        host->log(g->inst, HUB_LOG_ERROR, "chatgpt: out of memory");
        return -1;
    }
    if (host->config_int(g->inst, "acp")) {
        const char *key = host->config_str(g->inst, "acp_api_key");
        if (!key || !*key) {
            host->log(g->inst, HUB_LOG_ERROR,
                      "chatgpt: acp = true needs acp_api_key (a secret reference, env:NAME or file:/path): "
                      "the bearer token the agent sends");
            return -1;
        }
        struct acp_state *st = calloc(1, sizeof *st);
        if (!st) return -1;
        g->acp = st;
        if (acp_idem_init(g) != 0 || acp_session_init(g) != 0) {
            host->log(g->inst, HUB_LOG_ERROR, "chatgpt: out of memory");
            return -1;
        }
    }
    return 0;
}

int chatgpt_ext_init(struct chatgpt *g)
{
    if (ext_init(g) == 0) return 0;
    chatgpt_ext_destroy(g); /* chatgpt_init fails: nothing of this half stays behind */
    return -1;
}

void chatgpt_ext_stop(struct chatgpt *g)
{
    funnel_stop(g);
    acp_webhook_stop(g);
}

void chatgpt_ext_destroy(struct chatgpt *g)
{
    funnel_destroy(g);
    handoff_destroy(g);
    if (g->acp) {
        acp_webhook_destroy(g);
        acp_idem_destroy(g);
        acp_session_destroy(g);
        free(g->acp);
        g->acp = NULL;
    }
}
