/* hubctl plugins - the installed channel plugins, and each one's settings. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubctl/hubctl.h"
#include "plugin/loader.h"

static json_t *describe(struct plugin_handle *p)
{
    const struct hub_plugin *d = plugin_descriptor(p);
    const struct hub_limits *l = plugin_limits(p);
    unsigned major, minor;
    plugin_abi(p, &major, &minor);
    json_t *caps = json_array();
    for (uint32_t bit = 1; bit; bit <<= 1)
        if (plugin_capabilities(p) & bit) json_array_append_new(caps, json_string(plugin_cap_name(bit)));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:{s:f, s:i, s:i, s:i, s:i}}", "name", plugin_name(p), "version",
                     plugin_version(p), "abi", major == 1 ? (minor == 0 ? "1.0" : "1.x") : "?", "path", plugin_path(p),
                     "description", d->description ? d->description : "", "capabilities", caps, "limits",
                     "rate_per_sec", l->rate_per_sec, "burst", (int)l->burst, "batch_max", (int)l->batch_max,
                     "in_flight", (int)l->in_flight, "timeout_ms", (int)l->timeout_ms);
}

static int run(struct hubctl *ctl, int argc, char **argv)
{
    const char *only = NULL;
    if (argc == 2) only = argv[1];
    else if (argc != 1) return 2;
    struct hub_config *cfg = hubctl_config(ctl);
    if (!cfg) return 1;
    DIR *dir = opendir(cfg->plugin_dir);
    if (!dir) return hubctl_fail(ctl, "cannot read the plugin directory %s", cfg->plugin_dir);
    json_t *list = json_array();
    struct dirent *e;
    int found = 0, rc = 0;
    while ((e = readdir(dir))) {
        if (e->d_name[0] == '.' || (only && strcmp(e->d_name, only) != 0)) continue;
        struct plugin_handle *p = NULL;
        char err[1024];
        if (plugin_load(cfg->plugin_dir, e->d_name, &p, err, sizeof err) != 0) {
            if (only) rc = hubctl_fail(ctl, "%s", err);
            else if (!strstr(err, "no file")) json_array_append_new(list, json_pack("{s:s, s:s}", "name", e->d_name, "error", err));
            continue;
        }
        found = 1;
        json_t *j = describe(p);
        if (only && !ctl->json) {
            printf("%s %s (ABI %s) - %s\ncapabilities:", plugin_name(p), plugin_version(p),
                   json_string_value(json_object_get(j, "abi")), json_string_value(json_object_get(j, "description")));
            size_t i;
            json_t *c;
            json_array_foreach(json_object_get(j, "capabilities"), i, c) printf(" %s", json_string_value(c));
            printf("\nsettings for its [channel] section:\n");
            config_map_print(plugin_config_map(p), 0);
        }
        if (only && ctl->json) {
            config_map_print(plugin_config_map(p), 1);
        }
        json_array_append_new(list, j);
        plugin_unload(p);
    }
    closedir(dir);
    if (rc) {
        json_decref(list);
        return rc;
    }
    if (only && !found) {
        json_decref(list);
        return hubctl_fail(ctl, "no plugin '%s' in %s", only, cfg->plugin_dir);
    }
    if (!only) {
        if (ctl->json) hubctl_print_json(json_pack("{s:s, s:o}", "plugin_dir", cfg->plugin_dir, "plugins", list));
        else {
            size_t i;
            json_t *p;
            json_array_foreach(list, i, p) {
                if (json_object_get(p, "error")) printf("%-10s ERROR %s\n", json_string_value(json_object_get(p, "name")),
                                                        json_string_value(json_object_get(p, "error")));
                else printf("%-10s %-8s %s\n", json_string_value(json_object_get(p, "name")),
                            json_string_value(json_object_get(p, "version")),
                            json_string_value(json_object_get(p, "description")));
            }
            json_decref(list);
        }
    } else json_decref(list);
    return 0;
}

const struct hubctl_cmd cmd_plugins = {
    .name = "plugins",
    .usage = "plugins [name]",
    .summary = "installed channel plugins; with a name, its capabilities and every setting it takes",
    .help = "Without arguments: each plugin in plugin_dir with its version and description.\n"
            "`hubctl plugins shopify` prints the settings a [channel] section may\n"
            "use for that plugin: key, type, default, description (from the plugin's config map).\n",
    .run = run,
};
