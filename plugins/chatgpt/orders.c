/* orders.c - order records in host->state (orders.h). */
#include "orders.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORDERS_PER_CLIENT 200

static int order_id_valid(const char *id)
{
    if (!id || strlen(id) != 24 || strncmp(id, "ord_", 4) != 0) return 0;
    for (const char *p = id + 4; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return 0;
    return 1;
}

static json_t *state_json(struct chatgpt *g, const char *name)
{
    char *txt = g->host->state_get(g->inst, name);
    json_t *v = txt ? json_loads(txt, 0, NULL) : NULL;
    g->host->free(txt);
    return v;
}

static int state_put(struct chatgpt *g, const char *name, const json_t *v)
{
    char *txt = chatgpt_dump(v);
    int rc = txt ? g->host->state_set(g->inst, name, txt) : -1;
    free(txt);
    return rc;
}

json_t *order_get(struct chatgpt *g, const char *order_id, const char *owner)
{
    if (!order_id_valid(order_id)) return NULL;
    char name[64];
    snprintf(name, sizeof name, "order:%s", order_id);
    json_t *o = state_json(g, name);
    if (!json_is_object(o)) {
        json_decref(o);
        return NULL;
    }
    const char *oo = json_string_value(json_object_get(o, "owner"));
    if (owner && *owner && oo && *oo && strcmp(oo, owner) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int order_save(struct chatgpt *g, const json_t *order)
{
    const char *id = json_string_value(json_object_get(order, "id"));
    const char *account = json_string_value(json_object_get(order, "account"));
    if (!order_id_valid(id)) return -1;
    char name[64];
    snprintf(name, sizeof name, "order:%s", id);
    int fresh = 0;
    json_t *old = state_json(g, name);
    fresh = old == NULL;
    json_decref(old);
    if (state_put(g, name, order) != 0) return -1;
    if (!fresh || !account) return 0;
    char lname[300];
    snprintf(lname, sizeof lname, "orders:%s", account);
    json_t *list = state_json(g, lname);
    if (!json_is_array(list)) {
        json_decref(list);
        list = json_array();
    }
    json_array_append_new(list, json_string(id));
    while (json_array_size(list) > ORDERS_PER_CLIENT) json_array_remove(list, 0);
    int rc = state_put(g, lname, list);
    json_decref(list);
    return rc;
}

json_t *orders_list(struct chatgpt *g, const char *account, const char *owner, size_t limit)
{
    json_t *out = json_array();
    if (!account || !*account) return out;
    char lname[300];
    snprintf(lname, sizeof lname, "orders:%s", account);
    json_t *list = state_json(g, lname);
    for (size_t i = json_array_size(list); i-- > 0 && json_array_size(out) < limit;) {
        json_t *o = order_get(g, json_string_value(json_array_get(list, i)), owner);
        if (o) json_array_append_new(out, o);
    }
    json_decref(list);
    return out;
}

int order_shipped(struct chatgpt *g, const char *order_id, const char *payload_json)
{
    json_t *o = order_get(g, order_id, NULL);
    if (!o) {
        g->host->log(g->inst, HUB_LOG_WARN, "chatgpt: shipment for unknown order %s ignored", order_id);
        return 0;
    }
    json_t *p = payload_json ? json_loads(payload_json, 0, NULL) : NULL;
    json_t *ships = json_object_get(o, "shipments");
    if (!json_is_array(ships)) {
        ships = json_array();
        json_object_set_new(o, "shipments", ships);
    }
    json_array_append_new(ships, json_pack("{s:O?, s:O?, s:I}", "tracking", json_object_get(p, "tracking"), "carrier",
                                           json_object_get(p, "carrier"), "ts_ms",
                                           (json_int_t)g->host->now_ms(g->inst)));
    json_object_set_new(o, "status", json_string("shipped"));
    int rc = order_save(g, o);
    json_decref(p);
    json_decref(o);
    return rc;
}

json_t *order_public(const json_t *order)
{
    json_t *v = json_deep_copy(order);
    json_object_del(v, "client");
    json_object_del(v, "account");
    json_object_del(v, "owner");
    json_object_del(v, "request_key");
    return v;
}
