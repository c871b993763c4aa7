/* http.h - hubd's HTTP listener: /healthz, /metrics and the plugins' routes
 * under /t/<tenant>/<channel>/. */
#ifndef HUB_HUBD_HTTP_H
#define HUB_HUBD_HTTP_H

#include "sync/runtime.h"

int hubd_http_start(struct hubd *d, const char *listen, char *err, size_t err_len);
void hubd_http_stop(struct hubd *d);
int hubd_http_port(struct hubd *d);

#endif
