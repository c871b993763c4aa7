/* holds.c - hold.* events on the tenant's durable inbox (holds.h). */
#include "holds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct emit_ctx {
    holds_done_fn done;
    void *arg;
};

/* Only COMMITTED and DUPLICATE (of a committed event) are a success.
 * REFUSED (ABI 1.1) is the store's verdict on the event ("SKU X: cannot
 * reserve 3, 2 available"): its text goes to the caller as is.  FAILED (not
 * recorded) and any status this build does not know are failures too. */
static void on_emitted(void *arg, enum hub_emit_status status, const char *message)
{
    struct emit_ctx *e = arg;
    int ok = status == HUB_EMIT_COMMITTED || status == HUB_EMIT_DUPLICATE;
    const char *why = message && *message ? message
                      : status == HUB_EMIT_REFUSED ? "refused by the store"
                                                   : "not recorded; try again";
    e->done(e->arg, ok, ok ? (message ? message : "") : why);
    free(e);
}

void holds_emit(struct chatgpt *g, const char *idem_key, json_t *events, holds_done_fn done, void *arg)
{
    char *txt = chatgpt_dump(events);
    json_decref(events);
    struct emit_ctx *e = calloc(1, sizeof *e);
    if (!txt || !e) abort();
    e->done = done;
    e->arg = arg;
    if (g->host->emit(g->inst, idem_key, txt, on_emitted, e) != 0) {
        free(e);
        done(arg, 0, "the store is not accepting events right now; try again");
    }
    free(txt);
}

json_t *hold_create_ev(const char *hold_id, const char *sku, int64_t qty)
{
    return json_pack("{s:s, s:s, s:s, s:I}", "type", "hold.create", "hold_id", hold_id, "sku", sku,
                     "quantity", (json_int_t)qty);
}

json_t *hold_extend_ev(const char *hold_id)
{
    return json_pack("{s:s, s:s}", "type", "hold.extend", "hold_id", hold_id);
}

json_t *hold_release_ev(const char *hold_id, const char *reason)
{
    return json_pack("{s:s, s:s, s:s}", "type", "hold.release", "hold_id", hold_id, "reason",
                     reason ? reason : "released");
}

int hold_id_make(char *out, size_t out_len, const char *cart_id, const char *sku, int64_t n)
{
    int k = snprintf(out, out_len, "%s:%s:%lld", cart_id, sku, (long long)n);
    return k < 0 || (size_t)k >= out_len ? -1 : 0;
}
