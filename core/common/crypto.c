#include "common/crypto.h"

#include <pthread.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>

/* SHA-256 is fetched from the provider once: OpenSSL 3 looks an algorithm up
 * by name on every implicit use (EVP_sha256() in a one-shot call), which cost
 * more than hashing a webhook body.  HMAC is then built on the digest per
 * RFC 2104, on one reused context per thread. */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;
static _Thread_local EVP_MD_CTX *sha256_ctx;

static void sha256_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static EVP_MD_CTX *sha256_begin(void)
{
    pthread_once(&sha256_once, sha256_fetch);
    if (!sha256_ctx) sha256_ctx = EVP_MD_CTX_new();
    if (!sha256_md || !sha256_ctx || !EVP_DigestInit_ex(sha256_ctx, sha256_md, NULL)) return NULL;
    return sha256_ctx;
}

void hub_sha256(const void *msg, size_t len, unsigned char out[32])
{
    EVP_MD_CTX *c = sha256_begin();
    unsigned int n = 32;
    if (!c || !EVP_DigestUpdate(c, msg, len) || !EVP_DigestFinal_ex(c, out, &n)) {
        EVP_Digest(msg, len, out, &n, EVP_sha256(), NULL); /* provider trouble: the slow path */
    }
}

void hub_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                     unsigned char out[32])
{
    enum { BLOCK = 64 };
    unsigned char k[BLOCK] = {0}, pad[BLOCK], inner[32];
    if (key_len > BLOCK) hub_sha256(key, key_len, k);
    else if (key_len) memcpy(k, key, key_len);
    for (int i = 0; i < BLOCK; i++) pad[i] = k[i] ^ 0x36;
    EVP_MD_CTX *c = sha256_begin();
    unsigned int n = 32;
    int ok = c && EVP_DigestUpdate(c, pad, BLOCK) && EVP_DigestUpdate(c, msg, msg_len) &&
             EVP_DigestFinal_ex(c, inner, &n);
    if (ok) {
        for (int i = 0; i < BLOCK; i++) pad[i] = k[i] ^ 0x5c;
        c = sha256_begin();
        ok = c && EVP_DigestUpdate(c, pad, BLOCK) && EVP_DigestUpdate(c, inner, sizeof inner) &&
             EVP_DigestFinal_ex(c, out, &n);
    }
    if (!ok) HMAC(EVP_sha256(), key, (int)key_len, msg, msg_len, out, &n); /* the slow path */
    hub_wipe(k, sizeof k);
    hub_wipe(pad, sizeof pad);
    hub_wipe(inner, sizeof inner);
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
