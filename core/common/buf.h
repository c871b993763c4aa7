/* buf.h - a growable byte buffer, always NUL-terminated. */
#ifndef HUB_COMMON_BUF_H
#define HUB_COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
    char *data; /* NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

/* All return 0, or -1 on allocation failure (the buffer is left valid). */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Big-endian fixed-width integers (for LMDB keys: byte order = numeric order). */
int buf_put_u32be(struct buf *b, uint32_t v);
int buf_put_u64be(struct buf *b, uint64_t v);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
/* Hand over the data (caller frees); the buffer becomes empty. Never NULL on success. */
char *buf_steal(struct buf *b);

#endif
