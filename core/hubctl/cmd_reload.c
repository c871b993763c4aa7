/* hubctl reload - ask hubd to reload mapping scripts now. */
#include <stdio.h>
#include <string.h>

#include "hubctl/hubctl.h"

static int run(struct hubctl *ctl, int argc, char **argv)
{
    if (argc > 2) return 2;
    json_t *req = json_pack("{s:s}", "cmd", "reload");
    if (argc == 2) json_object_set_new(req, "tenant", json_string(argv[1]));
    json_t *resp = hubctl_ask(ctl, req);
    json_decref(req);
    if (!resp) return hubctl_fail(ctl, "hubd is not running (scripts are loaded when it starts)");
    int ok = json_is_true(json_object_get(resp, "ok"));
    if (ctl->json) {
        hubctl_print_json(resp);
        return ok ? 0 : 1;
    }
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(resp, "results"), i, r) {
        const char *err = json_string_value(json_object_get(r, "error"));
        printf("%-8s %-10s %-28s %s%s\n", json_string_value(json_object_get(r, "tenant")),
               json_string_value(json_object_get(r, "channel")), json_string_value(json_object_get(r, "path")),
               err ? "FAILED (previous version kept): " : "reloaded, version ",
               err ? err : "");
        if (!err) printf("\b%lld\n", (long long)json_integer_value(json_object_get(r, "version")));
    }
    if (json_object_get(resp, "error")) fprintf(stderr, "hubctl: %s\n", json_string_value(json_object_get(resp, "error")));
    json_decref(resp);
    return ok ? 0 : 1;
}

const struct hubctl_cmd cmd_reload = {
    .name = "reload",
    .usage = "reload [tenant]",
    .summary = "reload mapping scripts in the running hubd (a broken one keeps the old version)",
    .help = "hubd also reloads a script by itself when it is saved.  A script that does not\n"
            "compile or fails its smoke test is refused and the previous version keeps running.\n",
    .run = run,
};
