/* json_text.h - compact JSON text from jansson values (byte-identical to
 * json_dumps with JSON_COMPACT | JSON_ENCODE_ANY, optionally JSON_SORT_KEYS). */
#ifndef HUB_COMMON_JSON_TEXT_H
#define HUB_COMMON_JSON_TEXT_H

#include <jansson.h>

struct buf;

#define JSON_TEXT_SORT_KEYS 1

/* A new NUL-terminated string (caller frees), or NULL (allocation failure,
 * NULL value, nesting deeper than 2048). */
char *json_text(const json_t *v, int flags);
/* Append to b; 0, or -1 with b as it was. */
int json_text_append(struct buf *b, const json_t *v, int flags);

#endif
