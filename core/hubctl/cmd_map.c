/* hubctl map - what would be pushed for one SKU to one channel, without pushing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubctl/hubctl.h"

static int run(struct hubctl *ctl, int argc, char **argv)
{
    if (argc != 4) return 2;
    struct tenant *t = hubctl_tenant(ctl, argv[1], 0);
    if (!t) return 1;
    char err[1024];
    json_t *p = engine_preview(t, argv[2], argv[3], err, sizeof err);
    tenant_close(t);
    if (!p) return hubctl_fail(ctl, "%s", err);
    if (ctl->json) {
        hubctl_print_json(p);
        return 0;
    }
    json_t *diff = json_object_get(p, "diff");
    printf("%s on %s: quantity %lld\n", argv[3], argv[2],
           (long long)json_integer_value(json_object_get(p, "quantity")));
    char *payload = json_dumps(json_object_get(p, "payload"), JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    printf("mapped payload:\n%s\n", payload ? payload : "null");
    free(payload);
    if (json_object_size(diff) == 0) printf("diff against the shadow: none (nothing would be pushed)\n");
    else {
        char *d = json_dumps(diff, JSON_INDENT(2) | JSON_SORT_KEYS);
        printf("diff against the shadow (would be pushed):\n%s\n", d);
        free(d);
    }
    json_decref(p);
    return 0;
}

const struct hubctl_cmd cmd_map = {
    .name = "map",
    .usage = "map <tenant> <channel> <sku>",
    .summary = "show the mapped payload for a SKU and the diff against the channel's shadow",
    .help = "Runs the channel's to_channel mapping and the allocation rule on the SKU as it\n"
            "is now, and compares with what the channel last acknowledged.  Pushes nothing.\n",
    .run = run,
};
