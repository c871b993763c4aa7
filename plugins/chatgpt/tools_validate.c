/* tools_validate.c - check tool arguments against the tool's inputSchema (tools.h). */
#include <stdio.h>
#include <string.h>

#include "tools.h"

static int type_is(const json_t *v, const char *t)
{
    if (strcmp(t, "object") == 0) return json_is_object(v);
    if (strcmp(t, "array") == 0) return json_is_array(v);
    if (strcmp(t, "string") == 0) return json_is_string(v);
    if (strcmp(t, "integer") == 0) return json_is_integer(v);
    if (strcmp(t, "number") == 0) return json_is_number(v);
    if (strcmp(t, "boolean") == 0) return json_is_boolean(v);
    if (strcmp(t, "null") == 0) return json_is_null(v);
    return 0;
}

static const char *type_of(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* UTF-8 code points */
static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80) n++;
    return n;
}

int schema_validate(const json_t *schema, const json_t *v, const char *path, char *err, size_t err_len)
{
    const json_t *type = json_object_get(schema, "type");
    if (json_is_string(type)) {
        if (!type_is(v, json_string_value(type))) {
            snprintf(err, err_len, "%s must be %s %s, not %s", path,
                     strchr("aeiou", json_string_value(type)[0]) ? "an" : "a", json_string_value(type), type_of(v));
            return -1;
        }
    } else if (json_is_array(type)) {
        size_t i;
        const json_t *t;
        int ok = 0;
        json_array_foreach(type, i, t) if (type_is(v, json_string_value(t))) ok = 1;
        if (!ok) {
            snprintf(err, err_len, "%s has the wrong type (%s)", path, type_of(v));
            return -1;
        }
    }
    const json_t *en = json_object_get(schema, "enum");
    if (json_is_array(en)) {
        size_t i;
        const json_t *e;
        int ok = 0;
        json_array_foreach(en, i, e) if (json_equal(e, v)) ok = 1;
        if (!ok) {
            char *allowed = json_dumps(en, JSON_COMPACT);
            snprintf(err, err_len, "%s must be one of %s", path, allowed ? allowed : "the listed values");
            free(allowed);
            return -1;
        }
    }
    if (json_is_integer(v) || json_is_real(v)) {
        double d = json_number_value(v);
        const json_t *mn = json_object_get(schema, "minimum"), *mx = json_object_get(schema, "maximum");
        if (mn && d < json_number_value(mn)) {
            snprintf(err, err_len, "%s must be at least %g", path, json_number_value(mn));
            return -1;
        }
        if (mx && d > json_number_value(mx)) {
            snprintf(err, err_len, "%s must be at most %g", path, json_number_value(mx));
            return -1;
        }
    }
    if (json_is_string(v)) {
        size_t len = utf8_len(json_string_value(v));
        const json_t *mn = json_object_get(schema, "minLength"), *mx = json_object_get(schema, "maxLength");
        if (mn && len < (size_t)json_integer_value(mn)) {
            snprintf(err, err_len, "%s must have at least %lld characters", path, (long long)json_integer_value(mn));
            return -1;
        }
        if (mx && len > (size_t)json_integer_value(mx)) {
            snprintf(err, err_len, "%s must have at most %lld characters", path, (long long)json_integer_value(mx));
            return -1;
        }
    }
    if (json_is_object(v)) {
        const json_t *props = json_object_get(schema, "properties");
        size_t i;
        const json_t *r;
        json_array_foreach(json_object_get(schema, "required"), i, r) {
            if (!json_object_get(v, json_string_value(r))) {
                snprintf(err, err_len, "missing required argument %s%s%s", path[0] == '$' ? "" : path,
                         path[0] == '$' ? "" : ".", json_string_value(r));
                return -1;
            }
        }
        const char *k;
        const json_t *pv;
        json_object_foreach((json_t *)v, k, pv) {
            const json_t *ps = json_object_get(props, k);
            char sub[200];
            snprintf(sub, sizeof sub, "%s%s%s", path[0] == '$' ? "" : path, path[0] == '$' ? "" : ".", k);
            if (!ps) {
                if (json_is_false(json_object_get(schema, "additionalProperties"))) {
                    snprintf(err, err_len, "unknown argument %s", sub);
                    return -1;
                }
                continue;
            }
            if (schema_validate(ps, pv, sub, err, err_len) != 0) return -1;
        }
    }
    if (json_is_array(v) && json_object_get(schema, "items")) {
        size_t i;
        const json_t *it;
        json_array_foreach(v, i, it) {
            char sub[200];
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            if (schema_validate(json_object_get(schema, "items"), it, sub, err, err_len) != 0) return -1;
        }
    }
    return 0;
}
