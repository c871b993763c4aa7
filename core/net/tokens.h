/* tokens.h - bearer tokens for the /admin HTTP API.
 *
 * `hubctl token create` makes a token ("hub_" + 64 hex characters), prints it
 * once, and stores only its SHA-256 with a name, scopes and tenants in
 * <data_dir>/admin-tokens.json (mode 0600, written atomically).  hubd re-reads
 * the file when it changes, so a revoke takes effect at the next request.
 *
 * Scopes: read, stock:write, catalog:write, admin (admin implies all). */
#ifndef HUB_NET_TOKENS_H
#define HUB_NET_TOKENS_H

#include <jansson.h>
#include <stddef.h>

#define TOKEN_SCOPES "read stock:write catalog:write admin"

/* Path of the token file for a data dir (caller frees). */
char *tokens_path(const char *data_dir);
/* Load the file; a missing file is an empty list.  NULL with err on a bad file. */
json_t *tokens_load(const char *path, char *err, size_t err_len);
int tokens_save(const char *path, json_t *list, char *err, size_t err_len);
/* 1 if every comma-separated scope is known. */
int tokens_scopes_valid(const char *csv);
/* Create: returns the secret token (caller frees and shows it once) and adds
 * {id, name, sha256, scopes[], tenants[], created_ms} to list. */
char *tokens_create(json_t *list, const char *name, const char *scopes_csv, const char *tenants_csv);

enum token_check { TOKEN_OK = 0, TOKEN_MISSING = 401, TOKEN_FORBIDDEN = 403 };
/* Check an Authorization header value against the list for a scope and an
 * optional tenant.  *who receives the token's name (borrowed) when known. */
enum token_check tokens_check(json_t *list, const char *authorization, const char *scope,
                              const char *tenant, const char **who);

#endif
