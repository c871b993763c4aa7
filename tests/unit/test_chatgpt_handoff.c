/* test_chatgpt_handoff.c - the storefront handoff token of the chatgpt plugin:
 * base64url, signing, verification (tampering, expiry, tenant, malformed input).
 * The plugin's pure token code is compiled into this test directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/chatgpt/handoff_token.c"

static const char KEY[] = "tenant-secret-0123456789";

static struct handoff_claims claims(void)
{
    struct handoff_claims c;
    memset(&c, 0, sizeof c);
    snprintf(c.tenant, sizeof c.tenant, "demo");
    snprintf(c.cart_id, sizeof c.cart_id, "cart_8f3a");
    snprintf(c.cart_hash, sizeof c.cart_hash, "9b1de0c2");
    c.exp_s = 1800000600;
    assert_int_equal(handoff_new_nonce(&c), 0);
    return c;
}

static void test_b64url_roundtrip(void **state)
{
    (void)state;
    unsigned char in[64], back[64];
    char enc[100];
    for (size_t n = 0; n < sizeof in; n++) {
        for (size_t i = 0; i < n; i++) in[i] = (unsigned char)(i * 37 + n * 11 + 0xf8);
        size_t el = handoff_b64url_encode(in, n, enc);
        assert_int_equal(el, strlen(enc));
        assert_null(strpbrk(enc, "+/="));
        long dl = handoff_b64url_decode(enc, el, back, sizeof back);
        assert_int_equal(dl, (long)n);
        assert_memory_equal(in, back, n);
    }
    /* RFC 4648 vectors, url alphabet, no padding */
    assert_int_equal(handoff_b64url_encode("foob", 4, enc), 6);
    assert_string_equal(enc, "Zm9vYg");
    unsigned char hi[2] = {0xfb, 0xff};
    handoff_b64url_encode(hi, 2, enc);
    assert_string_equal(enc, "-_8");
    /* refused: bad characters, impossible lengths, non-canonical tail bits, overflow */
    assert_int_equal(handoff_b64url_decode("Zm9v+g", 6, back, sizeof back), -1);
    assert_int_equal(handoff_b64url_decode("Zm9vY", 5, back, sizeof back), -1);
    assert_int_equal(handoff_b64url_decode("Zh", 2, back, sizeof back), -1);
    assert_int_equal(handoff_b64url_decode("Zm9vYg", 6, back, 3), -1);
}

static void test_sign_verify(void **state)
{
    (void)state;
    struct handoff_claims c = claims(), got;
    char tok[HANDOFF_TOKEN_MAX];
    int n = handoff_token_sign(KEY, strlen(KEY), &c, tok, sizeof tok);
    assert_true(n > 0);
    assert_int_equal((size_t)n, strlen(tok));
    assert_int_equal(handoff_token_verify(KEY, strlen(KEY), tok, c.exp_s - 1, "demo", &got), HANDOFF_VALID);
    assert_string_equal(got.tenant, "demo");
    assert_string_equal(got.cart_id, "cart_8f3a");
    assert_string_equal(got.cart_hash, "9b1de0c2");
    assert_string_equal(got.nonce, c.nonce);
    assert_int_equal(got.exp_s, c.exp_s);

    /* the payload is JSON, no personal data: exactly the six claims */
    unsigned char js[512];
    long jl = handoff_b64url_decode(tok, (size_t)(strchr(tok, '.') - tok), js, sizeof js - 1);
    assert_true(jl > 0);
    js[jl] = '\0';
    json_t *p = json_loads((const char *)js, 0, NULL);
    assert_non_null(p);
    assert_int_equal(json_object_size(p), 6);
    json_decref(p);

    /* the signature is HMAC-SHA256 over "hub-handoff-v1." + payload, computed independently */
    char msg[600];
    int ml = snprintf(msg, sizeof msg, "hub-handoff-v1.%.*s", (int)(strchr(tok, '.') - tok), tok);
    unsigned char mac[32];
    unsigned int mac_len = 32;
    HMAC(EVP_sha256(), KEY, (int)strlen(KEY), (unsigned char *)msg, (size_t)ml, mac, &mac_len);
    char want[48];
    handoff_b64url_encode(mac, 32, want);
    assert_string_equal(strchr(tok, '.') + 1, want);

    /* two tokens of the same cart differ by their nonce */
    struct handoff_claims c2 = claims();
    char tok2[HANDOFF_TOKEN_MAX];
    assert_true(handoff_token_sign(KEY, strlen(KEY), &c2, tok2, sizeof tok2) > 0);
    assert_string_not_equal(c.nonce, c2.nonce);
    assert_string_not_equal(tok, tok2);
}

static void test_tampered_expired_tenant(void **state)
{
    (void)state;
    struct handoff_claims c = claims(), got;
    char tok[HANDOFF_TOKEN_MAX];
    assert_true(handoff_token_sign(KEY, strlen(KEY), &c, tok, sizeof tok) > 0);
    int64_t now = c.exp_s - 10;

    /* another key */
    assert_int_equal(handoff_token_verify("other", 5, tok, now, "demo", &got), HANDOFF_TAMPERED);

    /* every single character of the payload or signature changed */
    size_t n = strlen(tok);
    for (size_t i = 0; i < n; i++) {
        if (tok[i] == '.') continue;
        char bad[HANDOFF_TOKEN_MAX];
        memcpy(bad, tok, n + 1);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        enum handoff_verdict v = handoff_token_verify(KEY, strlen(KEY), bad, now, "demo", &got);
        assert_true(v == HANDOFF_TAMPERED || v == HANDOFF_MALFORMED);
    }

    /* a re-signed payload with another cart under a wrong key does not pass */
    struct handoff_claims forged = c;
    snprintf(forged.cart_id, sizeof forged.cart_id, "cart_other");
    char ftok[HANDOFF_TOKEN_MAX];
    assert_true(handoff_token_sign("guess", 5, &forged, ftok, sizeof ftok) > 0);
    assert_int_equal(handoff_token_verify(KEY, strlen(KEY), ftok, now, "demo", &got), HANDOFF_TAMPERED);

    /* expiry: valid up to exp - 1, expired at exp and after */
    assert_int_equal(handoff_token_verify(KEY, strlen(KEY), tok, c.exp_s - 1, "demo", &got), HANDOFF_VALID);
    assert_int_equal(handoff_token_verify(KEY, strlen(KEY), tok, c.exp_s, "demo", &got), HANDOFF_EXPIRED);
    assert_string_equal(got.cart_id, "cart_8f3a");
    assert_int_equal(handoff_token_verify(KEY, strlen(KEY), tok, c.exp_s + 3600, "demo", &got),
                     HANDOFF_EXPIRED);

    /* signed for demo, presented to another tenant */
    assert_int_equal(handoff_token_verify(KEY, strlen(KEY), tok, now, "acme", &got), HANDOFF_WRONG_TENANT);
    assert_string_equal(handoff_verdict_code(HANDOFF_WRONG_TENANT), "wrong_tenant");
}

static void test_malformed(void **state)
{
    (void)state;
    struct handoff_claims got;
    const char *bad[] = {"", "abc", "abc.def.ghi", ".", "a.", ".a", "Zm9v.Zm9v", "!!!.###"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(handoff_token_verify(KEY, strlen(KEY), bad[i], 1, NULL, &got), HANDOFF_MALFORMED);
    assert_int_equal(handoff_token_verify(KEY, strlen(KEY), NULL, 1, NULL, &got), HANDOFF_MALFORMED);
    char huge[HANDOFF_TOKEN_MAX + 10];
    memset(huge, 'A', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    assert_int_equal(handoff_token_verify(KEY, strlen(KEY), huge, 1, NULL, &got), HANDOFF_MALFORMED);

    /* correctly signed but not our claims: still malformed, nothing filled */
    const char *payload = "{\"v\":2,\"x\":1}";
    char p64[64], msg[128], sig64[48], tok[200];
    size_t pl = handoff_b64url_encode(payload, strlen(payload), p64);
    int ml = snprintf(msg, sizeof msg, "hub-handoff-v1.%s", p64);
    unsigned char mac[32];
    unsigned int mac_len = 32;
    HMAC(EVP_sha256(), KEY, (int)strlen(KEY), (unsigned char *)msg, (size_t)ml, mac, &mac_len);
    handoff_b64url_encode(mac, 32, sig64);
    snprintf(tok, sizeof tok, "%.*s.%s", (int)pl, p64, sig64);
    assert_int_equal(handoff_token_verify(KEY, strlen(KEY), tok, 1, NULL, &got), HANDOFF_MALFORMED);
    assert_string_equal(got.cart_id, "");

    /* signing refuses empty or oversized claims */
    struct handoff_claims c = claims();
    char out[HANDOFF_TOKEN_MAX];
    c.cart_id[0] = '\0';
    assert_int_equal(handoff_token_sign(KEY, strlen(KEY), &c, out, sizeof out), -1);
    c = claims();
    assert_int_equal(handoff_token_sign(KEY, strlen(KEY), &c, out, 20), -1);
    assert_int_equal(handoff_token_sign(KEY, 0, &c, out, sizeof out), -1);
    c.nonce[3] = '\0';
    assert_int_equal(handoff_token_sign(KEY, strlen(KEY), &c, out, sizeof out), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64url_roundtrip),
        cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_tampered_expired_tenant),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
