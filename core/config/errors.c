/* errors.c - the list of "file:line: reason" messages a load collects. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/buf.h"
#include "common/util.h"
#include "config/config.h"

void config_errors_add(struct config_errors *e, const char *file, int line, const char *fmt, ...)
{
    struct buf b = BUF_INIT;
    int rc = 0;
    if (file && line > 0) rc |= buf_printf(&b, "%s:%d: ", file, line);
    else if (file) rc |= buf_printf(&b, "%s: ", file);
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0) msg = NULL;
    rc |= buf_puts(&b, msg ? msg : "(out of memory)");
    free(msg);
    char *item = rc == 0 ? buf_steal(&b) : NULL;
    buf_free(&b);
    if (!item) item = xstrdup("(out of memory formatting a configuration error)");
    char **items = realloc(e->items, (e->n + 1) * sizeof *items);
    if (!items) {
        free(item);
        fputs("hub: out of memory\n", stderr);
        abort();
    }
    e->items = items;
    e->items[e->n++] = item;
}

void config_errors_free(struct config_errors *e)
{
    if (!e) return;
    for (size_t i = 0; i < e->n; i++) free(e->items[i]);
    free(e->items);
    e->items = NULL;
    e->n = 0;
}
