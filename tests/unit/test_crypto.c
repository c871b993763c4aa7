/* test_crypto.c - HMAC-SHA256 and SHA-256 (RFC 4231 vectors, and the same
 * answers as OpenSSL's one-shot functions for every key and message length). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/crypto.h"

static void hex(const unsigned char *in, size_t n, char *out)
{
    hub_hex_encode(in, n, out);
}

static void test_rfc4231_vectors(void **state)
{
    (void)state;
    unsigned char mac[32];
    char got[65];

    /* Test case 2: a short key. */
    const char *msg2 = "what do ya want for nothing?";
    hub_hmac_sha256("Jefe", 4, msg2, strlen(msg2), mac);
    hex(mac, 32, got);
    assert_string_equal(got, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

    /* Test case 6: a key longer than the block is hashed first. */
    unsigned char key[131];
    memset(key, 0xaa, sizeof key);
    const char *msg6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    hub_hmac_sha256(key, sizeof key, msg6, strlen(msg6), mac);
    hex(mac, 32, got);
    assert_string_equal(got, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");

    /* Test case 1: 20 bytes of 0x0b, "Hi There". */
    unsigned char key1[20];
    memset(key1, 0x0b, sizeof key1);
    hub_hmac_sha256(key1, sizeof key1, "Hi There", 8, mac);
    hex(mac, 32, got);
    assert_string_equal(got, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

static void test_sha256_vector(void **state)
{
    (void)state;
    unsigned char d[32];
    char got[65];
    hub_sha256("abc", 3, d);
    hex(d, 32, got);
    assert_string_equal(got, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hub_sha256("", 0, d);
    hex(d, 32, got);
    assert_string_equal(got, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* Every key length across the block boundary and message lengths across a
 * few blocks: the same MAC as OpenSSL's HMAC(). */
static void test_same_as_openssl(void **state)
{
    (void)state;
    unsigned char key[200], msg[300];
    srand(7);
    for (size_t i = 0; i < sizeof key; i++) key[i] = (unsigned char)rand();
    for (size_t i = 0; i < sizeof msg; i++) msg[i] = (unsigned char)rand();
    for (size_t kl = 0; kl <= 150; kl += 1) {
        size_t ml = (kl * 37) % sizeof msg;
        unsigned char a[32], b[32];
        unsigned int n = 32;
        hub_hmac_sha256(key, kl, msg, ml, a);
        HMAC(EVP_sha256(), key, (int)kl, msg, ml, b, &n);
        if (memcmp(a, b, 32) != 0) fail_msg("key length %zu, message length %zu differ", kl, ml);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4231_vectors),
        cmocka_unit_test(test_sha256_vector),
        cmocka_unit_test(test_same_as_openssl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
