/* acp_validate.c - ACP 2026-04-17 request bodies checked against the JSON Schema
 * (schema.agentic_checkout.json: CheckoutSessionCreateRequest, ...UpdateRequest,
 * ...CompleteRequest, CancelSessionRequest).  The first problem found is
 * answered as an Error {type: invalid_request, code, message, param: JSONPath}:
 *   missing          a required field is absent
 *   invalid_type     a field has the wrong JSON type (or is empty)
 *   invalid_value    a value outside what the schema allows
 *   unknown_field    a field the schema does not define (additionalProperties: false) */
#include "acp.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MAX_LINE_ITEMS 100

struct v {
    json_t *err; /* the first error, or NULL */
};

static int failed(struct v *v) { return v->err != NULL; }

static void fail(struct v *v, const char *code, const char *path, const char *fmt, const char *a)
{
    if (v->err) return;
    char msg[300];
    snprintf(msg, sizeof msg, fmt, a);
    v->err = acp_error("invalid_request", code, path, "%s: %s", path, msg);
}

static void child(char *out, size_t n, const char *path, const char *key) { snprintf(out, n, "%s.%s", path, key); }

static void known_keys(struct v *v, const json_t *obj, const char *path, const char *const *allowed)
{
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)obj, key, val) {
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++)
            if (strcmp(allowed[i], key) == 0) ok = 1;
        if (!ok) {
            char p[200];
            child(p, sizeof p, path, key);
            fail(v, "unknown_field", p, "'%s' is not a field of this object", key);
            return;
        }
    }
}

/* field must be a string (non-empty when required); returns it or NULL */
static const char *str_field(struct v *v, const json_t *obj, const char *path, const char *key, int required,
                             size_t max_len)
{
    char p[200];
    child(p, sizeof p, path, key);
    json_t *x = json_object_get(obj, key);
    if (!x) {
        if (required) fail(v, "missing", p, "'%s' is required", key);
        return NULL;
    }
    if (!json_is_string(x)) {
        fail(v, "invalid_type", p, "'%s' must be a string", key);
        return NULL;
    }
    if (required && json_string_length(x) == 0) {
        fail(v, "invalid_value", p, "'%s' must not be empty", key);
        return NULL;
    }
    if (max_len && json_string_length(x) > max_len) {
        fail(v, "invalid_value", p, "'%s' is too long", key);
        return NULL;
    }
    return json_string_value(x);
}

static const json_t *typed(struct v *v, const json_t *obj, const char *path, const char *key, int required,
                           json_type type)
{
    char p[200];
    child(p, sizeof p, path, key);
    json_t *x = json_object_get(obj, key);
    if (!x) {
        if (required) fail(v, "missing", p, "'%s' is required", key);
        return NULL;
    }
    if (json_typeof(x) != type && !(type == JSON_TRUE && json_is_boolean(x))) {
        static const char *const names[] = {"an object", "an array", "a string", "an integer", "a number",
                                            "a boolean", "a boolean", "null"};
        fail(v, "invalid_type", p, "must be %s", names[type]);
        return NULL;
    }
    return x;
}

static void string_array(struct v *v, const json_t *obj, const char *path, const char *key)
{
    const json_t *a = typed(v, obj, path, key, 0, JSON_ARRAY);
    size_t i;
    json_t *x;
    json_array_foreach((json_t *)a, i, x) {
        if (!json_is_string(x)) {
            char p[200];
            snprintf(p, sizeof p, "%s.%s[%zu]", path, key, i);
            fail(v, "invalid_type", p, "%s must be a string", "each entry");
            return;
        }
    }
}

static void address(struct v *v, const json_t *a, const char *path)
{
    static const char *const keys[] = {"name", "line_one", "line_two", "city", "state", "country",
                                       "postal_code", "company", NULL};
    known_keys(v, a, path, keys);
    static const char *const req[] = {"name", "line_one", "city", "state", "country", "postal_code"};
    for (size_t i = 0; i < sizeof req / sizeof *req; i++) str_field(v, a, path, req[i], 1, 500);
    str_field(v, a, path, "line_two", 0, 500);
    str_field(v, a, path, "company", 0, 500);
    const char *country = json_string_value(json_object_get(a, "country"));
    if (!failed(v) && country &&
        (strlen(country) != 2 || !isalpha((unsigned char)country[0]) || !isalpha((unsigned char)country[1]))) {
        char p[200];
        child(p, sizeof p, path, "country");
        fail(v, "invalid_value", p, "'%s' is not an ISO 3166-1 alpha-2 country code", country);
    }
}

static void email(struct v *v, const json_t *obj, const char *path, int required)
{
    const char *e = str_field(v, obj, path, "email", required, 320);
    if (e && (!strchr(e, '@') || strchr(e, '@') == e || !strchr(strchr(e, '@'), '.') || strchr(e, ' '))) {
        char p[200];
        child(p, sizeof p, path, "email");
        fail(v, "invalid_value", p, "'%s' is not an email address", e);
    }
}

static void buyer(struct v *v, const json_t *body)
{
    const json_t *b = typed(v, body, "$", "buyer", 0, JSON_OBJECT);
    if (!b) return;
    static const char *const keys[] = {"first_name", "last_name", "full_name", "email", "phone_number",
                                       "customer_id", "account_type", "authentication_status", "company",
                                       "loyalty", "tax_exemption", NULL};
    known_keys(v, b, "$.buyer", keys);
    email(v, b, "$.buyer", 1);
    static const char *const strs[] = {"first_name", "last_name", "full_name", "phone_number", "customer_id"};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) str_field(v, b, "$.buyer", strs[i], 0, 500);
}

static void fulfillment_details(struct v *v, const json_t *body)
{
    const json_t *f = typed(v, body, "$", "fulfillment_details", 0, JSON_OBJECT);
    if (!f) return;
    static const char *const keys[] = {"name", "phone_number", "email", "address", NULL};
    known_keys(v, f, "$.fulfillment_details", keys);
    str_field(v, f, "$.fulfillment_details", "name", 0, 500);
    str_field(v, f, "$.fulfillment_details", "phone_number", 0, 64);
    email(v, f, "$.fulfillment_details", 0);
    const json_t *a = typed(v, f, "$.fulfillment_details", "address", 0, JSON_OBJECT);
    if (a) address(v, a, "$.fulfillment_details.address");
}

static void line_items(struct v *v, const json_t *body, int required)
{
    const json_t *a = typed(v, body, "$", "line_items", required, JSON_ARRAY);
    if (!a) return;
    if (required && json_array_size(a) == 0) {
        fail(v, "invalid_value", "$.line_items", "%s", "at least one item is required");
        return;
    }
    if (json_array_size(a) > MAX_LINE_ITEMS) {
        fail(v, "invalid_value", "$.line_items", "%s", "more than 100 items");
        return;
    }
    size_t i;
    json_t *it;
    json_array_foreach((json_t *)a, i, it) {
        char p[64];
        snprintf(p, sizeof p, "$.line_items[%zu]", i);
        if (!json_is_object(it)) {
            fail(v, "invalid_type", p, "%s", "each item must be an object {id}");
            return;
        }
        static const char *const keys[] = {"id", "name", "unit_amount", NULL};
        known_keys(v, it, p, keys);
        str_field(v, it, p, "id", 1, 200);
        str_field(v, it, p, "name", 0, 500);
        typed(v, it, p, "unit_amount", 0, JSON_INTEGER);
        if (failed(v)) return;
    }
}

static void discounts(struct v *v, const json_t *body)
{
    string_array(v, body, "$", "coupons");
    const json_t *d = typed(v, body, "$", "discounts", 0, JSON_OBJECT);
    if (!d) return;
    static const char *const keys[] = {"codes", NULL};
    known_keys(v, d, "$.discounts", keys);
    string_array(v, d, "$.discounts", "codes");
}

static json_t *done(struct v *v) { return v->err; }

json_t *acp_validate_create(const json_t *body)
{
    struct v v = {0};
    static const char *const keys[] = {"buyer", "line_items", "currency", "fulfillment_details", "capabilities",
                                       "fulfillment_groups", "affiliate_attribution", "coupons", "discounts",
                                       "locale", "timezone", "quote_id", "metadata", "order_notes", NULL};
    known_keys(&v, body, "$", keys);
    line_items(&v, body, 1);
    const char *cur = str_field(&v, body, "$", "currency", 1, 3);
    if (cur && (strlen(cur) != 3 || !isalpha((unsigned char)cur[0]) || !isalpha((unsigned char)cur[1]) ||
                !isalpha((unsigned char)cur[2])))
        fail(&v, "invalid_value", "$.currency", "'%s' is not an ISO 4217 currency code", cur);
    typed(&v, body, "$", "capabilities", 1, JSON_OBJECT);
    buyer(&v, body);
    fulfillment_details(&v, body);
    typed(&v, body, "$", "fulfillment_groups", 0, JSON_ARRAY);
    typed(&v, body, "$", "affiliate_attribution", 0, JSON_OBJECT);
    typed(&v, body, "$", "metadata", 0, JSON_OBJECT);
    discounts(&v, body);
    str_field(&v, body, "$", "locale", 0, 64);
    str_field(&v, body, "$", "timezone", 0, 64);
    str_field(&v, body, "$", "quote_id", 0, 200);
    str_field(&v, body, "$", "order_notes", 0, 5000);
    return done(&v);
}

static void selected_options(struct v *v, const json_t *body)
{
    const json_t *a = typed(v, body, "$", "selected_fulfillment_options", 0, JSON_ARRAY);
    size_t i;
    json_t *o;
    json_array_foreach((json_t *)a, i, o) {
        char p[80];
        snprintf(p, sizeof p, "$.selected_fulfillment_options[%zu]", i);
        if (!json_is_object(o)) {
            fail(v, "invalid_type", p, "%s", "must be an object {type, option_id, item_ids}");
            return;
        }
        static const char *const keys[] = {"type", "option_id", "item_ids", NULL};
        known_keys(v, o, p, keys);
        const char *type = str_field(v, o, p, "type", 1, 32);
        if (type && strcmp(type, "shipping") && strcmp(type, "digital") && strcmp(type, "pickup") &&
            strcmp(type, "local_delivery")) {
            char q[100];
            child(q, sizeof q, p, "type");
            fail(v, "invalid_value", q, "'%s' is not shipping, digital, pickup or local_delivery", type);
        }
        str_field(v, o, p, "option_id", 1, 200);
        if (!typed(v, o, p, "item_ids", 1, JSON_ARRAY)) return;
        string_array(v, o, p, "item_ids");
        if (failed(v)) return;
    }
}

json_t *acp_validate_update(const json_t *body)
{
    struct v v = {0};
    static const char *const keys[] = {"buyer", "line_items", "fulfillment_details", "fulfillment_groups",
                                       "selected_fulfillment_options", "coupons", "discounts", "order_notes", NULL};
    known_keys(&v, body, "$", keys);
    line_items(&v, body, 0);
    buyer(&v, body);
    fulfillment_details(&v, body);
    typed(&v, body, "$", "fulfillment_groups", 0, JSON_ARRAY);
    selected_options(&v, body);
    discounts(&v, body);
    str_field(&v, body, "$", "order_notes", 0, 5000);
    return done(&v);
}

static void payment_data(struct v *v, const json_t *body)
{
    const json_t *p = typed(v, body, "$", "payment_data", 1, JSON_OBJECT);
    if (!p) return;
    static const char *const keys[] = {"handler_id", "instrument", "billing_address", "purchase_order_number",
                                       "payment_terms", "due_date", "approval_required", NULL};
    known_keys(v, p, "$.payment_data", keys);
    int has_handler = json_object_get(p, "handler_id") != NULL || json_object_get(p, "instrument") != NULL;
    if (has_handler || !json_object_get(p, "purchase_order_number")) {
        str_field(v, p, "$.payment_data", "handler_id", 1, 200);
        const json_t *in = typed(v, p, "$.payment_data", "instrument", 1, JSON_OBJECT);
        if (in) {
            str_field(v, in, "$.payment_data.instrument", "type", 1, 100);
            const json_t *c = typed(v, in, "$.payment_data.instrument", "credential", 1, JSON_OBJECT);
            if (c) {
                str_field(v, c, "$.payment_data.instrument.credential", "type", 1, 100);
                str_field(v, c, "$.payment_data.instrument.credential", "token", 1, 2048);
            }
        }
    } else {
        str_field(v, p, "$.payment_data", "purchase_order_number", 1, 200);
    }
    const json_t *a = typed(v, p, "$.payment_data", "billing_address", 0, JSON_OBJECT);
    if (a) address(v, a, "$.payment_data.billing_address");
}

json_t *acp_validate_complete(const json_t *body)
{
    struct v v = {0};
    static const char *const keys[] = {"buyer", "payment_data", "authentication_result", "affiliate_attribution",
                                       "risk_signals", "marketing_consents", "order_notes", NULL};
    known_keys(&v, body, "$", keys);
    payment_data(&v, body);
    buyer(&v, body);
    typed(&v, body, "$", "authentication_result", 0, JSON_OBJECT);
    typed(&v, body, "$", "affiliate_attribution", 0, JSON_OBJECT);
    typed(&v, body, "$", "risk_signals", 0, JSON_OBJECT);
    const json_t *mc = typed(&v, body, "$", "marketing_consents", 0, JSON_ARRAY);
    size_t i;
    json_t *c;
    json_array_foreach((json_t *)mc, i, c) {
        char p[64];
        snprintf(p, sizeof p, "$.marketing_consents[%zu]", i);
        if (!json_is_object(c)) {
            fail(&v, "invalid_type", p, "%s", "must be an object {channel, opted_in}");
            break;
        }
        str_field(&v, c, p, "channel", 1, 64);
        typed(&v, c, p, "opted_in", 1, JSON_TRUE);
    }
    str_field(&v, body, "$", "order_notes", 0, 5000);
    return done(&v);
}

json_t *acp_validate_cancel(const json_t *body)
{
    /* CancelSessionRequest and IntentTrace allow additional properties */
    struct v v = {0};
    const json_t *t = typed(&v, body, "$", "intent_trace", 0, JSON_OBJECT);
    if (t) {
        str_field(&v, t, "$.intent_trace", "reason_code", 1, 100); /* extensible enum: any value */
        str_field(&v, t, "$.intent_trace", "trace_summary", 0, 500);
        typed(&v, t, "$.intent_trace", "metadata", 0, JSON_OBJECT);
    }
    return done(&v);
}
