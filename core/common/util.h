/* util.h - small helpers shared by every part of the core. */
#ifndef HUB_COMMON_UTIL_H
#define HUB_COMMON_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

uint64_t now_ms(void);       /* wall clock, ms since the epoch */
uint64_t mono_ms(void);      /* monotonic clock, ms */
uint64_t mono_ns(void);      /* monotonic clock, ns */

/* Copies at most dst_size-1 bytes and NUL-terminates; returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t dst_size);
char *xstrdup(const char *s);           /* aborts on OOM */
void *xmalloc(size_t n);                /* aborts on OOM */
void *xcalloc(size_t n, size_t size);   /* aborts on OOM */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Strict integer parse of the whole string (leading/trailing space refused). 0 or -1. */
int parse_i64(const char *s, int64_t *out);
/* "250ms" "30s" "5m" "2h" "1d" or a bare number of seconds -> milliseconds. 0 or -1. */
int parse_duration_ms(const char *s, int64_t *out);
/* true/false/yes/no/on/off/1/0 -> 1/0; -1 if none. */
int parse_bool(const char *s);

/* Read a whole file (NUL-terminated). NULL with errno set on failure. */
char *read_file(const char *path, size_t *len);
/* Write atomically: tmp file, fsync, rename. 0 or -1 with errno. */
int write_file_atomic(const char *path, const void *data, size_t len);
/* mkdir -p */
int mkdir_p(const char *path, unsigned mode);

/* A name usable as tenant/channel/location: [a-z0-9_-], 1..63, starting alnum. */
int valid_name(const char *s);

#endif
