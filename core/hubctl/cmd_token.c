/* hubctl token - bearer tokens for hubd's /admin HTTP API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/crypto.h"
#include "common/util.h"
#include "hubctl/hubctl.h"
#include "net/tokens.h"

static int save(struct hubctl *ctl, const char *path, json_t *list)
{
    char err[512];
    if (tokens_save(path, list, err, sizeof err) != 0) return hubctl_fail(ctl, "%s", err);
    return 0;
}

static int create(struct hubctl *ctl, const char *path, int argc, char **argv)
{
    const char *name = argv[2], *scopes = NULL, *tenants = NULL;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--scope") == 0 && i + 1 < argc) scopes = argv[++i];
        else if (strcmp(argv[i], "--tenant") == 0 && i + 1 < argc) tenants = argv[++i];
        else return 2;
    }
    if (!scopes) return hubctl_fail(ctl, "token create needs --scope (comma list of: %s)", TOKEN_SCOPES);
    if (!tokens_scopes_valid(scopes)) return hubctl_fail(ctl, "unknown scope in '%s' (known: %s)", scopes, TOKEN_SCOPES);
    char err[512];
    json_t *list = tokens_load(path, err, sizeof err);
    if (!list) return hubctl_fail(ctl, "%s", err);
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t)
        if (strcmp(json_string_value(json_object_get(t, "name")), name) == 0) {
            json_decref(list);
            return hubctl_fail(ctl, "a token named '%s' exists (revoke it first)", name);
        }
    char *token = tokens_create(list, name, scopes, tenants);
    int rc = token ? save(ctl, path, list) : hubctl_fail(ctl, "no randomness available");
    if (rc == 0) {
        json_t *rec = json_array_get(list, json_array_size(list) - 1);
        if (ctl->json)
            hubctl_print_json(json_pack("{s:s, s:O, s:O, s:O, s:s}", "token", token, "id", json_object_get(rec, "id"),
                                        "scopes", json_object_get(rec, "scopes"), "tenants",
                                        json_object_get(rec, "tenants"), "note", "shown once; only its hash is stored"));
        else
            printf("%s\n(token '%s', id %s: shown once, only its SHA-256 is stored; use it as\n"
                   " Authorization: Bearer <token>)\n",
                   token, name, json_string_value(json_object_get(rec, "id")));
    }
    if (token) hub_wipe(token, strlen(token));
    free(token);
    json_decref(list);
    return rc;
}

static int list_tokens(struct hubctl *ctl, const char *path)
{
    char err[512];
    json_t *list = tokens_load(path, err, sizeof err);
    if (!list) return hubctl_fail(ctl, "%s", err);
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t) json_object_del(t, "sha256"); /* nothing secret-ish on screen */
    if (ctl->json) {
        hubctl_print_json(json_pack("{s:o}", "tokens", list));
        return 0;
    }
    json_array_foreach(list, i, t) {
        char *sc = json_dumps(json_object_get(t, "scopes"), JSON_COMPACT);
        char *te = json_dumps(json_object_get(t, "tenants"), JSON_COMPACT);
        printf("%-10s %-20s scopes %-40s tenants %s\n", json_string_value(json_object_get(t, "id")),
               json_string_value(json_object_get(t, "name")), sc, te);
        free(sc);
        free(te);
    }
    if (!json_array_size(list)) printf("no tokens\n");
    json_decref(list);
    return 0;
}

static int revoke(struct hubctl *ctl, const char *path, const char *which)
{
    char err[512];
    json_t *list = tokens_load(path, err, sizeof err);
    if (!list) return hubctl_fail(ctl, "%s", err);
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t) {
        if (strcmp(json_string_value(json_object_get(t, "id")), which) == 0 ||
            strcmp(json_string_value(json_object_get(t, "name")), which) == 0) {
            json_array_remove(list, i);
            int rc = save(ctl, path, list);
            json_decref(list);
            if (rc == 0 && !ctl->json) printf("token %s revoked\n", which);
            if (rc == 0 && ctl->json) hubctl_print_json(json_pack("{s:s}", "revoked", which));
            return rc;
        }
    }
    json_decref(list);
    return hubctl_fail(ctl, "no token '%s'", which);
}

static int run(struct hubctl *ctl, int argc, char **argv)
{
    struct hub_config *cfg = hubctl_config(ctl);
    if (!cfg) return 1;
    mkdir_p(cfg->data_dir, 0700);
    char *path = tokens_path(cfg->data_dir);
    int rc = 2;
    if (argc >= 3 && strcmp(argv[1], "create") == 0) rc = create(ctl, path, argc, argv);
    else if (argc == 2 && strcmp(argv[1], "list") == 0) rc = list_tokens(ctl, path);
    else if (argc == 3 && strcmp(argv[1], "revoke") == 0) rc = revoke(ctl, path, argv[2]);
    free(path);
    return rc;
}

const struct hubctl_cmd cmd_token = {
    .name = "token",
    .usage = "token create <name> --scope read,stock:write,catalog:write,admin [--tenant a,b]\n"
             "       hubctl token list\n       hubctl token revoke <id|name>",
    .summary = "bearer tokens for the /admin HTTP API (stored hashed, scoped, per tenant)",
    .help = "The token is printed once; only its SHA-256 is kept in <data_dir>/admin-tokens.json.\n"
            "Scopes: read, stock:write, catalog:write, admin (admin implies all).  Without\n"
            "--tenant a token covers every tenant.  hubd picks changes up at the next request.\n",
    .run = run,
};
