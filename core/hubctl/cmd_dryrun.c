/* hubctl dry-run - what a dry-run channel would have sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "hubctl/hubctl.h"
#include "sync/dryrun.h"

static int run(struct hubctl *ctl, int argc, char **argv)
{
    if (argc < 3) return 2;
    int64_t last = 20;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--last") == 0 && i + 1 < argc && parse_i64(argv[i + 1], &last) == 0 && last > 0) i++;
        else if (strcmp(argv[i], "--all") == 0) last = INT64_MAX;
        else return 2;
    }
    struct hub_config *cfg = hubctl_config(ctl);
    if (!cfg) return 1;
    const struct tenant_config *tc = config_tenant(cfg, argv[1]);
    if (!tc) return hubctl_fail(ctl, "no tenant '%s'", argv[1]);
    if (!config_channel(tc, argv[2])) return hubctl_fail(ctl, "tenant '%s' has no channel '%s'", argv[1], argv[2]);
    char *path = dryrun_path(tc->data_dir, argv[2]);
    size_t len = 0;
    char *data = read_file(path, &len);
    if (!data) {
        if (ctl->json) hubctl_print_json(json_pack("{s:s, s:[]}", "file", path, "requests"));
        else printf("no recorded requests (%s)\n", path);
        free(path);
        return 0;
    }
    /* Keep the last N lines. */
    json_t *reqs = json_array();
    for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *r = json_loads(line, 0, NULL);
        if (r) json_array_append_new(reqs, r);
    }
    while ((int64_t)json_array_size(reqs) > last) json_array_remove(reqs, 0);
    if (ctl->json) hubctl_print_json(json_pack("{s:s, s:o}", "file", path, "requests", reqs));
    else {
        size_t i;
        json_t *r;
        json_array_foreach(reqs, i, r) {
            printf("%s %s\n", json_string_value(json_object_get(r, "method")), json_string_value(json_object_get(r, "url")));
            json_t *body = json_object_get(r, "body");
            if (body) {
                char *s = json_dumps(body, JSON_INDENT(2) | JSON_ENCODE_ANY);
                printf("%s\n", s);
                free(s);
            }
        }
        json_decref(reqs);
    }
    free(path);
    free(data);
    return 0;
}

const struct hubctl_cmd cmd_dryrun = {
    .name = "dry-run",
    .usage = "dry-run <tenant> <channel> [--last N | --all]",
    .summary = "show the requests a dry-run channel would have sent (nothing left the machine)",
    .help = "Reads <data_dir>/<tenant>/dry-run/<channel>.jsonl, written by hubd for channels in\n"
            "mode = dry-run.  Credentials in headers are masked.  Default: the last 20.\n",
    .run = run,
};
