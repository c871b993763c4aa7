/*
 * shopify_fulfil.c - shipments (HUB_OP_FULFILLMENT) and withdrawn listings
 * (HUB_OP_DELETE).
 *
 * A shipment item's sku is the order id (the numeric tail of Shopify's
 * gid://shopify/Order/<id>) and its payload the canonical shipment event
 * {channel, order_id, tracking, carrier, lines?[{sku, quantity}]}:
 *   1. order(id:) { fulfillmentOrders { id status lineItems { id sku remainingQuantity } } }
 *   2. fulfillmentCreate(fulfillment: {lineItemsByFulfillmentOrder: [...],
 *      trackingInfo: {company: carrier, number: tracking}, notifyCustomer})
 *      over the OPEN / IN_PROGRESS fulfillment orders: whole ones when the
 *      shipment names no lines, else the named SKUs' quantities.
 * Nothing left open (already shipped, a repeat after a lost answer) is
 * success.  An order Shopify does not have, or a userError, is refused with
 * Shopify's message (dead letter).
 */
#include "shopify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char FO_QUERY[] =
    "query FulfillmentOrders($id: ID!) { order(id: $id) { id fulfillmentOrders(first: 10) { nodes { id status "
    "lineItems(first: 40) { nodes { id remainingQuantity lineItem { sku } } } } } } }";

static const char FULFIL[] =
    "mutation Ship($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) "
    "{ fulfillment { id status } userErrors { field message } } }";

static const char DELETE[] =
    "mutation Withdraw($p: ID!, $v: [ID!]!) { productVariantsBulkDelete(productId: $p, variantsIds: $v) "
    "{ product { id } userErrors { field message code } } }";

struct ship {
    struct push *p;
    size_t i;
    json_t *shipment;
};

static void ship_free(struct ship *sh)
{
    struct push *p = sh->p;
    json_decref(sh->shipment);
    free(sh);
    push_step(p);
}

static void on_created(struct shopify *s, void *arg, const struct gql_result *r)
{
    struct ship *sh = arg;
    push_cost(sh->p, r);
    json_t *res = r->data ? json_object_get(r->data, "fulfillmentCreate") : NULL;
    json_t *errors = json_object_get(res, "userErrors");
    if (!r->ok) push_fail(sh->p, sh->i, r);
    else if (json_array_size(errors) > 0) {
        char *msg = gql_user_errors(errors);
        push_fatal(sh->p, sh->i, msg);
        free(msg);
    } else {
        push_ok(sh->p, sh->i, NULL);
        shopify_metric(s, "fulfillments", 1);
    }
    ship_free(sh);
}

/* Requested quantity per SKU from the shipment's lines (NULL: everything). */
static json_t *wanted_lines(json_t *shipment)
{
    json_t *lines = json_object_get(shipment, "lines");
    if (json_array_size(lines) == 0) return NULL;
    json_t *w = json_object();
    size_t i;
    json_t *l;
    json_array_foreach(lines, i, l) {
        const char *sku = json_string_value(json_object_get(l, "sku"));
        json_int_t q = json_integer_value(json_object_get(l, "quantity"));
        if (sku && q > 0) json_object_set_new(w, sku, json_integer(q + json_integer_value(json_object_get(w, sku))));
    }
    return w;
}

static void on_orders(struct shopify *s, void *arg, const struct gql_result *r)
{
    struct ship *sh = arg;
    push_cost(sh->p, r);
    if (!r->ok) {
        push_fail(sh->p, sh->i, r);
        ship_free(sh);
        return;
    }
    if (r->dry_run) { /* dry-run: the query is recorded; there is nothing to read */
        push_ok(sh->p, sh->i, NULL);
        ship_free(sh);
        return;
    }
    json_t *order = json_object_get(r->data, "order");
    if (!json_is_object(order)) {
        char msg[256];
        snprintf(msg, sizeof msg, "Shopify has no order %s", sh->p->st[sh->i].it->sku);
        push_fatal(sh->p, sh->i, msg);
        ship_free(sh);
        return;
    }
    json_t *want = wanted_lines(sh->shipment);
    json_t *by_fo = json_array();
    size_t i;
    json_t *fo;
    json_array_foreach(json_object_get(json_object_get(order, "fulfillmentOrders"), "nodes"), i, fo) {
        const char *status = json_string_value(json_object_get(fo, "status"));
        const char *id = json_string_value(json_object_get(fo, "id"));
        if (!id || !status || (strcmp(status, "OPEN") != 0 && strcmp(status, "IN_PROGRESS") != 0)) continue;
        if (!want) {
            json_array_append_new(by_fo, json_pack("{s:s}", "fulfillmentOrderId", id));
            continue;
        }
        json_t *items = json_array();
        size_t k;
        json_t *li;
        json_array_foreach(json_object_get(json_object_get(fo, "lineItems"), "nodes"), k, li) {
            const char *sku = json_string_value(json_object_get(json_object_get(li, "lineItem"), "sku"));
            json_int_t left = json_integer_value(json_object_get(li, "remainingQuantity"));
            json_int_t need = sku ? json_integer_value(json_object_get(want, sku)) : 0;
            json_int_t q = need < left ? need : left;
            if (q <= 0) continue;
            json_array_append_new(items, json_pack("{s:O, s:I}", "id", json_object_get(li, "id"), "quantity", q));
            json_object_set_new(want, sku, json_integer(need - q));
        }
        if (json_array_size(items) > 0)
            json_array_append_new(by_fo, json_pack("{s:s, s:o}", "fulfillmentOrderId", id, "fulfillmentOrderLineItems", items));
        else
            json_decref(items);
    }
    json_decref(want);
    if (json_array_size(by_fo) == 0) { /* nothing open: shipped already */
        json_decref(by_fo);
        push_ok(sh->p, sh->i, NULL);
        ship_free(sh);
        return;
    }
    json_t *tracking = json_pack("{s:O?, s:O?}", "number", json_object_get(sh->shipment, "tracking"), "company",
                                 json_object_get(sh->shipment, "carrier"));
    if (json_is_string(json_object_get(sh->shipment, "tracking_url")))
        json_object_set(tracking, "url", json_object_get(sh->shipment, "tracking_url"));
    json_t *f = json_pack("{s:o, s:o, s:b}", "lineItemsByFulfillmentOrder", by_fo, "trackingInfo", tracking,
                          "notifyCustomer", s->notify_customer);
    gql_call(s, OP_FULFIL, FULFIL, json_pack("{s:o}", "f", f), 10.0, on_created, sh);
}

static void ship(struct push *p, size_t i)
{
    struct shopify *s = p->s;
    const struct hub_push_item *it = p->st[i].it;
    json_t *shipment = it->payload ? json_loadb(it->payload, it->payload_len, 0, NULL) : NULL;
    if (!json_is_string(json_object_get(shipment, "tracking"))) {
        json_decref(shipment);
        push_fatal(p, i, "the shipment has no tracking number");
        return;
    }
    struct ship *sh = calloc(1, sizeof *sh);
    sh->p = p;
    sh->i = i;
    sh->shipment = shipment;
    char gid[160];
    gid_of("Order", it->sku, gid, sizeof gid);
    p->pending++;
    double cost = 1 + 2 + 10 * (1 + 2 + 40 * 2);
    gql_call(s, OP_FULFIL_READ, FO_QUERY, json_pack("{s:s}", "id", gid), cost, on_orders, sh);
}

/* ------------------------------------------------------------ deletes */
struct withdraw {
    struct push *p;
    size_t i;
};

static void on_deleted(struct shopify *s, void *arg, const struct gql_result *r)
{
    struct withdraw *w = arg;
    push_cost(w->p, r);
    json_t *res = r->data ? json_object_get(r->data, "productVariantsBulkDelete") : NULL;
    json_t *errors = json_object_get(res, "userErrors");
    if (!r->ok) push_fail(w->p, w->i, r);
    else if (json_array_size(errors) > 0) {
        char *msg = gql_user_errors(errors);
        push_fatal(w->p, w->i, msg);
        free(msg);
    } else {
        push_ok(w->p, w->i, NULL);
        ids_forget_observed(s, w->p->st[w->i].it->sku);
    }
    struct push *p = w->p;
    free(w);
    push_step(p);
}

static void withdraw(struct push *p, size_t i)
{
    struct shopify *s = p->s;
    const struct hub_push_item *it = p->st[i].it;
    json_t *ids = ids_get(s, it->sku, it->external);
    const char *pid = json_string_value(json_object_get(ids, "product_id"));
    const char *vid = json_string_value(json_object_get(ids, "variant_id"));
    if (!pid || !vid) { /* Shopify never had it from us: nothing to withdraw */
        push_ok(p, i, NULL);
        return;
    }
    struct withdraw *w = calloc(1, sizeof *w);
    w->p = p;
    w->i = i;
    p->pending++;
    gql_call(s, OP_DELETE, DELETE, json_pack("{s:s, s:[s]}", "p", pid, "v", vid), 10.0, on_deleted, w);
}

void fulfil_phase(struct push *p)
{
    p->phase++;
    for (size_t i = 0; i < p->n; i++) {
        if (p->st[i].done) continue;
        if (p->st[i].it->kind == HUB_OP_FULFILLMENT) ship(p, i);
        else if (p->st[i].it->kind == HUB_OP_DELETE) withdraw(p, i);
    }
}
