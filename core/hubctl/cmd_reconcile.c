/* hubctl reconcile - ask hubd to read back what a channel shows, now. */
#include <stdio.h>

#include "hubctl/hubctl.h"

static int run(struct hubctl *ctl, int argc, char **argv)
{
    if (argc != 3) return 2;
    json_t *req = json_pack("{s:s, s:s, s:s}", "cmd", "reconcile", "tenant", argv[1], "channel", argv[2]);
    json_t *resp = hubctl_ask(ctl, req);
    json_decref(req);
    if (!resp) return hubctl_fail(ctl, "hubd is not running (reconcile reads the channel through its plugin)");
    int ok = json_is_true(json_object_get(resp, "ok"));
    if (ctl->json) {
        hubctl_print_json(resp);
        return ok ? 0 : 1;
    }
    if (!ok) {
        int rc = hubctl_fail(ctl, "%s", json_string_value(json_object_get(resp, "error")));
        json_decref(resp);
        return rc;
    }
    printf("reconcile of %s/%s %s; drift shows in `hubctl status` and `hubctl exceptions %s`\n", argv[1], argv[2],
           json_is_true(json_object_get(resp, "already_running")) ? "already running" : "started", argv[1]);
    json_decref(resp);
    return 0;
}

const struct hubctl_cmd cmd_reconcile = {
    .name = "reconcile",
    .usage = "reconcile <tenant> <channel>",
    .summary = "read back what a channel shows; drift is reported and repaired by a push",
    .help = "The plugin reads the channel's quantities; each one that differs from what the\n"
            "channel last acknowledged is recorded as drift (an exception) and the canonical\n"
            "number is pushed again.  Runs in hubd; also scheduled by reconcile_interval.\n",
    .run = run,
};
