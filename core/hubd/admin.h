/* admin.h - the local admin socket hubctl talks to (a Unix socket, so file
 * permissions are the access control).  One JSON request per line, one JSON
 * answer per line:
 *   {"cmd":"status"}                      -> hubd_status()
 *   {"cmd":"kick","tenant":"demo"}        -> drain that tenant's outboxes now
 *   {"cmd":"reload","tenant":"demo"?}     -> hubd_reload()
 *   {"cmd":"reconcile","tenant":..,"channel":..}
 *   {"cmd":"ping"}                        -> {"ok":true}
 */
#ifndef HUB_HUBD_ADMIN_H
#define HUB_HUBD_ADMIN_H

#include "sync/runtime.h"

int admin_start(struct hubd *d, const char *path, char *err, size_t err_len);
void admin_stop(struct hubd *d);
/* Handle one request (also used by the HTTP /admin endpoints). New reference. */
json_t *admin_handle(struct hubd *d, json_t *req);

/* admin_http.c: the /admin HTTP API (bearer tokens, scopes). */
struct http_router;
int admin_http_add_routes(struct hubd *d, struct http_router *r);
void admin_http_free(void);

#endif
