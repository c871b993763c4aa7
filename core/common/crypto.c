#include "common/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>

void hub_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                     unsigned char out[32])
{
    unsigned int n = 32;
    HMAC(EVP_sha256(), key, (int)key_len, msg, msg_len, out, &n);
}

void hub_sha256(const void *msg, size_t len, unsigned char out[32])
{
    unsigned int n = 32;
    EVP_Digest(msg, len, out, &n, EVP_sha256(), NULL);
}

int hub_secure_equal(const void *a, size_t a_len, const void *b, size_t b_len)
{
    if (a_len != b_len) return 0;
    return CRYPTO_memcmp(a, b, a_len) == 0;
}

size_t hub_base64_encode(const void *in, size_t n, char *out)
{
    return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

long hub_base64_decode(const char *in, unsigned char *out)
{
    size_t len = strlen(in);
    if (len % 4) return -1;
    int n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
    if (n < 0) return -1;
    /* EVP_DecodeBlock counts padding as zero bytes. */
    if (len >= 1 && in[len - 1] == '=') n--;
    if (len >= 2 && in[len - 2] == '=') n--;
    return n;
}

size_t hub_hex_encode(const void *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = in;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
    out[2 * n] = '\0';
    return 2 * n;
}

int hub_random_bytes(void *out, size_t n) { return RAND_bytes(out, (int)n) == 1 ? 0 : -1; }

void hub_wipe(void *p, size_t n)
{
    if (p) OPENSSL_cleanse(p, n);
}
