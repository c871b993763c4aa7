/* crypto.h - HMAC, SHA-256, encoders, constant-time compare (libcrypto underneath). */
#ifndef HUB_COMMON_CRYPTO_H
#define HUB_COMMON_CRYPTO_H

#include <stddef.h>

void hub_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                     unsigned char out[32]);
void hub_sha256(const void *msg, size_t len, unsigned char out[32]);
int hub_secure_equal(const void *a, size_t a_len, const void *b, size_t b_len);
/* out: 4*((n+2)/3)+1 bytes; returns length written (without NUL). */
size_t hub_base64_encode(const void *in, size_t n, char *out);
/* out: at least 3*(strlen(in)/4)+3 bytes; returns decoded length or -1. */
long hub_base64_decode(const char *in, unsigned char *out);
/* out: 2n+1 bytes, lowercase. */
size_t hub_hex_encode(const void *in, size_t n, char *out);
/* Fill with cryptographically strong random bytes; 0 or -1. */
int hub_random_bytes(void *out, size_t n);
/* Overwrite memory in a way the compiler will not drop. */
void hub_wipe(void *p, size_t n);

#endif
