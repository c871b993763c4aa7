/* acp_session.c - the ACP session record (host->state "acp:cs:<id>") and its
 * CheckoutSession view: line items, totals, fulfillment options, messages, links. */
#include "acp.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cart.h"
#include "catalog_index.h"
#include "orders.h"
#include "payment.h"
#include "totals.h"

#define SHIPPING_OPTION "standard"

void acp_rfc3339(uint64_t ms, char out[32])
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void acp_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

static char *name_of(const char *id, char *buf, size_t n)
{
    snprintf(buf, n, "acp:cs:%s", id);
    return buf;
}

json_t *acp_session_load(struct chatgpt *g, const char *id)
{
    char name[128];
    char *text = g->host->state_get(g->inst, name_of(id, name, sizeof name));
    json_t *s = text && *text ? json_loads(text, 0, NULL) : NULL;
    g->host->free(text);
    if (s && !json_is_object(s)) {
        json_decref(s);
        s = NULL;
    }
    return s;
}

int acp_session_save(struct chatgpt *g, json_t *s)
{
    json_object_set_new(s, "updated_ms", json_integer((json_int_t)g->host->now_ms(g->inst)));
    char name[128];
    char *text = chatgpt_dump(s);
    int rc = text ? g->host->state_set(g->inst, name_of(json_string_value(json_object_get(s, "id")), name,
                                                        sizeof name), text)
                  : -1;
    free(text);
    return rc;
}

int acp_session_new_id(char out[40])
{
    char hex[33];
    if (chatgpt_random_hex(hex, 16) != 0) return -1;
    snprintf(out, 40, "cs_%s", hex);
    return 0;
}

int acp_session_lock(struct chatgpt *g, const char *id)
{
    struct acp_state *st = g->acp;
    if (json_object_get(st->locks, id)) return 0;
    json_object_set_new(st->locks, id, json_true());
    return 1;
}

int acp_session_in_use(struct chatgpt *g, const char *id)
{
    struct acp_state *st = g->acp;
    return st && json_object_get(st->locks, id) != NULL;
}

void acp_session_unlock(struct chatgpt *g, const char *id)
{
    struct acp_state *st = g->acp;
    if (st) json_object_del(st->locks, id);
}

int acp_session_init(struct chatgpt *g)
{
    struct acp_state *st = g->acp;
    st->locks = json_object();
    return st->locks ? 0 : -1;
}

void acp_session_destroy(struct chatgpt *g)
{
    struct acp_state *st = g->acp;
    if (!st) return;
    json_decref(st->locks);
    st->locks = NULL;
}

const char *acp_currency(struct chatgpt *g)
{
    if (g->pricing.currency[0]) return g->pricing.currency;
    const char *c = catalog_index_currency(g->index);
    return c && *c ? c : NULL;
}

json_t *acp_payment_handler(struct chatgpt *g)
{
    const char *psp = g->payment && g->payment->name ? g->payment->name : "demo";
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:s, s:s, s:[s], s:{s:s, s:s}}", "id", "card_tokenized",
                     "name", "dev.acp.tokenized.card", "display_name", "Card", "version", "2026-01-22", "spec",
                     "https://acp.dev/handlers/tokenized.card", "requires_delegate_payment", 1,
                     "requires_pci_compliance", 0, "psp", psp, "config_schema",
                     "https://acp.dev/schemas/handlers/tokenized.card/config.json", "instrument_schemas",
                     "https://acp.dev/schemas/handlers/tokenized.card/instrument.json", "config", "merchant_id",
                     g->tenant, "psp", psp);
}

static json_t *total(const char *type, const char *text, json_int_t amount)
{
    return json_pack("{s:s, s:s, s:I}", "type", type, "display_text", text, "amount", amount);
}

static json_int_t jint(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

static int64_t cart_qty(const json_t *cart, const char *sku)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(cart, "lines"), i, l)
        if (strcmp(json_string_value(json_object_get(l, "sku")) ?: "", sku) == 0) return jint(l, "quantity");
    return 0;
}

static const json_t *cart_line(const json_t *cart, const char *sku)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(cart, "lines"), i, l)
        if (strcmp(json_string_value(json_object_get(l, "sku")) ?: "", sku) == 0) return l;
    return NULL;
}

/* The cart as the buyer asked for it: the stored cart with the session's lines. */
static json_t *virtual_cart(struct chatgpt *g, const json_t *s, const json_t *cart)
{
    json_t *v = cart ? json_deep_copy(cart) : json_object();
    json_t *lines = json_array();
    size_t i;
    json_t *rq;
    json_array_foreach(json_object_get(s, "requested"), i, rq) {
        const char *sku = json_string_value(json_object_get(rq, "sku"));
        const json_t *var = catalog_index_variant(g->index, sku);
        const json_t *cl = cart_line(cart, sku);
        json_int_t unit = var ? jint(json_object_get(var, "price"), "amount") : jint(cl, "unit_amount");
        json_t *line = cl ? json_deep_copy(cl) : json_object();
        json_object_set_new(line, "sku", json_string(sku));
        json_object_set_new(line, "quantity", json_integer(jint(rq, "quantity")));
        json_object_set_new(line, "unit_amount", json_integer(unit));
        if (var && !json_object_get(line, "product_id"))
            json_object_set(line, "product_id", json_object_get(var, "product_id"));
        json_array_append_new(lines, line);
    }
    json_object_set_new(v, "lines", lines);
    json_object_set_new(v, "currency", json_string(json_string_value(json_object_get(s, "currency"))));
    return v;
}

static const json_t *totals_line(const json_t *totals, const char *sku)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(totals, "lines"), i, l)
        if (strcmp(json_string_value(json_object_get(l, "sku")) ?: "", sku) == 0) return l;
    return NULL;
}

static void lower(char *s)
{
    for (; *s; s++) *s = (char)tolower((unsigned char)*s);
}

static json_t *line_item(struct chatgpt *g, const json_t *rq, const json_t *tl, int64_t unit)
{
    const char *sku = json_string_value(json_object_get(rq, "sku"));
    const json_t *var = catalog_index_variant(g->index, sku);
    char id[240];
    snprintf(id, sizeof id, "li_%s", sku);
    json_t *li = json_pack("{s:s, s:{s:s, s:I}, s:I, s:I, s:s, s:s}", "id", id, "item", "id", sku, "unit_amount",
                           (json_int_t)unit, "quantity", jint(rq, "quantity"), "unit_amount", (json_int_t)unit, "sku",
                           sku, "variant_id", sku);
    if (var) {
        const char *title = json_string_value(json_object_get(var, "title"));
        if (title) json_object_set_new(li, "name", json_string(title));
        const char *desc = json_string_value(json_object_get(var, "description"));
        if (desc && *desc) json_object_set_new(li, "description", json_string(desc));
        const char *img = json_string_value(json_object_get(var, "image"));
        if (img && strncmp(img, "http", 4) == 0) json_object_set_new(li, "images", json_pack("[s]", img));
        const char *pid = json_string_value(json_object_get(var, "product_id"));
        if (pid) json_object_set_new(li, "product_id", json_string(pid));
        const char *cat = json_string_value(json_object_get(var, "category"));
        if (cat && *cat) json_object_set_new(li, "category", json_string(cat));
        json_t *opts = json_array();
        const char *k;
        json_t *val;
        json_object_foreach(json_object_get(var, "options"), k, val) {
            if (!json_is_string(val)) continue;
            char name[64];
            snprintf(name, sizeof name, "%s", k);
            name[0] = (char)toupper((unsigned char)name[0]);
            json_array_append_new(opts, json_pack("{s:s, s:s}", "name", name, "value", json_string_value(val)));
        }
        if (json_array_size(opts)) json_object_set_new(li, "variant_options", opts);
        else json_decref(opts);
        json_int_t avail = jint(var, "available");
        if (json_is_integer(json_object_get(var, "available")) && avail >= 0) {
            json_object_set_new(li, "available_quantity", json_integer(avail));
            json_object_set_new(li, "availability_status",
                                json_string(avail == 0 ? "out_of_stock" : avail < 5 ? "low_stock" : "in_stock"));
        }
    }
    json_object_set_new(li, "max_quantity_per_order", json_integer(g->limits.max_units_per_sku));
    json_t *lt = json_array();
    json_array_append_new(lt, total("items_base_amount", "Base amount", jint(tl, "gross")));
    json_array_append_new(lt, total("discount", "Discount", jint(tl, "discount")));
    json_array_append_new(lt, total("subtotal", "Subtotal", jint(tl, "net")));
    json_array_append_new(lt, total("tax", g->pricing.tax_inclusive ? "Tax (included)" : "Tax", jint(tl, "tax")));
    json_array_append_new(lt, total("total", "Total", jint(tl, "total")));
    json_object_set_new(li, "totals", lt);
    return li;
}

static json_t *message(const char *type, const char *code, const char *param, const char *text)
{
    json_t *m = json_pack("{s:s, s:s, s:s}", "type", type, "content_type", "plain", "content", text);
    if (code) json_object_set_new(m, "code", json_string(code));
    if (param) json_object_set_new(m, "param", json_string(param));
    if (strcmp(type, "info") != 0) json_object_set_new(m, "resolution", json_string("requires_buyer_input"));
    return m;
}

int acp_session_ready(struct chatgpt *g, const json_t *s)
{
    if (strcmp(json_string_value(json_object_get(s, "status")) ?: "", "open") != 0) return 0;
    json_t *rq = json_object_get(s, "requested");
    if (json_array_size(rq) == 0 || json_object_size(json_object_get(s, "line_errors")) > 0) return 0;
    if (!json_object_get(json_object_get(s, "fulfillment_details"), "address")) return 0;
    json_t *cart = cart_get(g, json_string_value(json_object_get(s, "cart_id")), NULL);
    int ok = cart != NULL;
    size_t i;
    json_t *l;
    json_array_foreach(rq, i, l)
        if (ok && cart_qty(cart, json_string_value(json_object_get(l, "sku"))) != jint(l, "quantity")) ok = 0;
    json_decref(cart);
    return ok;
}

static json_t *messages_of(struct chatgpt *g, const json_t *s, const json_t *cart)
{
    json_t *msgs = json_array();
    const char *status = json_string_value(json_object_get(s, "status")) ?: "";
    if (strcmp(status, "open") != 0) return msgs;
    size_t i;
    json_t *rq;
    json_array_foreach(json_object_get(s, "requested"), i, rq) {
        const char *sku = json_string_value(json_object_get(rq, "sku"));
        json_t *le = json_object_get(json_object_get(s, "line_errors"), sku);
        char param[64];
        snprintf(param, sizeof param, "$.line_items[%zu]", i);
        if (le) {
            json_array_append_new(msgs, message("error", json_string_value(json_object_get(le, "code")), param,
                                                json_string_value(json_object_get(le, "message")) ?: "unavailable"));
        } else if (cart && cart_qty(cart, sku) != jint(rq, "quantity")) {
            char text[300];
            snprintf(text, sizeof text, "%s is not reserved any more; update the line to try again", sku);
            json_array_append_new(msgs, message("error", "out_of_stock", param, text));
        }
    }
    if (json_array_size(json_object_get(s, "requested")) == 0)
        json_array_append_new(msgs, message("error", "missing", "$.line_items", "The checkout has no items."));
    if (!json_object_get(json_object_get(s, "fulfillment_details"), "address"))
        json_array_append_new(msgs, message("error", "missing", "$.fulfillment_details.address",
                                            "A shipping address is needed before payment."));
    json_array_foreach(json_object_get(s, "rejected"), i, rq) {
        char param[64];
        snprintf(param, sizeof param, "$.discounts.codes[%zu]", (size_t)jint(rq, "index"));
        json_t *m = message("warning", json_string_value(json_object_get(rq, "reason")), param,
                            json_string_value(json_object_get(rq, "message")) ?: "code not applied");
        json_array_append_new(msgs, m);
    }
    const char *perr = json_string_value(json_object_get(s, "payment_error"));
    if (perr) json_array_append_new(msgs, message("error", "payment_declined", "$.payment_data", perr));
    return msgs;
}

static json_t *discounts_view(const json_t *s, const json_t *totals)
{
    json_t *codes = json_object_get(s, "codes");
    if (!codes) return NULL;
    json_t *d = json_pack("{s:O, s:[], s:[]}", "codes", codes, "applied", "rejected");
    const json_t *c = json_object_get(totals, "coupon");
    if (json_is_object(c)) {
        const char *code = json_string_value(json_object_get(c, "code")) ?: "";
        const char *kind = json_string_value(json_object_get(c, "kind")) ?: "";
        json_t *coupon = json_pack("{s:s, s:s}", "id", code, "name", code);
        if (strcmp(kind, "percent") == 0) json_object_set_new(coupon, "percent_off", json_integer(jint(c, "value")));
        else {
            char cur[4];
            snprintf(cur, sizeof cur, "%s", json_string_value(json_object_get(totals, "currency")) ?: "");
            lower(cur);
            json_object_set_new(coupon, "amount_off", json_integer(jint(c, "value")));
            if (strlen(cur) == 3) json_object_set_new(coupon, "currency", json_string(cur));
        }
        json_array_append_new(json_object_get(d, "applied"),
                              json_pack("{s:s, s:s, s:o, s:I}", "id", code, "code", code, "coupon", coupon, "amount",
                                        jint(c, "discount")));
    }
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(s, "rejected"), i, r)
        json_array_append_new(json_object_get(d, "rejected"),
                              json_pack("{s:O, s:O, s:O}", "code", json_object_get(r, "code"), "reason",
                                        json_object_get(r, "reason"), "message", json_object_get(r, "message")));
    return d;
}

json_t *acp_order_view(struct chatgpt *g, const json_t *s)
{
    const char *oid = json_string_value(json_object_get(s, "order_id"));
    if (!oid) return NULL;
    char url[600];
    if (g->store_url) snprintf(url, sizeof url, "%s/orders/%s", g->store_url, oid);
    else snprintf(url, sizeof url, "urn:hub:%s:order:%s", g->tenant, oid);
    json_t *rec = order_get(g, oid, NULL);
    int shipped = rec && strcmp(json_string_value(json_object_get(rec, "status")) ?: "", "shipped") == 0;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s}}", "type", "order", "id", oid, "checkout_session_id",
                          json_string_value(json_object_get(s, "id")), "order_number", oid, "permalink_url", url,
                          "status", shipped ? "shipped" : "confirmed", "confirmation", "confirmation_number", oid);
    if (rec) {
        json_t *lines = json_array();
        size_t i;
        json_t *l;
        json_array_foreach(json_object_get(rec, "lines"), i, l) {
            const char *sku = json_string_value(json_object_get(l, "sku")) ?: "";
            json_int_t q = jint(l, "quantity"), unit = jint(l, "unit_amount");
            char id[240];
            snprintf(id, sizeof id, "li_%s", sku);
            json_array_append_new(lines, json_pack("{s:s, s:s, s:s, s:{s:I, s:I, s:I}, s:I, s:I, s:s}", "id", id,
                                                   "title", json_string_value(json_object_get(l, "title")) ?: sku,
                                                   "product_id", json_string_value(json_object_get(l, "product_id")) ?: sku,
                                                   "quantity", "ordered", q, "current", q, "fulfilled", shipped ? q : 0,
                                                   "unit_price", unit, "subtotal", unit * q, "status",
                                                   shipped ? "fulfilled" : "processing"));
        }
        json_object_set_new(o, "line_items", lines);
        const json_t *t = json_object_get(rec, "totals");
        json_t *tt = json_array();
        json_array_append_new(tt, total("subtotal", "Subtotal", jint(t, "subtotal") - jint(t, "discount")));
        if (jint(t, "discount") > 0) json_array_append_new(tt, total("discount", "Discount", jint(t, "discount")));
        json_array_append_new(tt, total("fulfillment", "Shipping", jint(t, "shipping")));
        json_array_append_new(tt, total("tax", g->pricing.tax_inclusive ? "Tax (included)" : "Tax", jint(t, "tax")));
        json_array_append_new(tt, total("total", "Total", jint(t, "total")));
        json_object_set_new(o, "totals", tt);
    }
    json_decref(rec);
    return o;
}

json_t *acp_session_view(struct chatgpt *g, const json_t *s)
{
    const char *status = json_string_value(json_object_get(s, "status")) ?: "open";
    json_t *cart = cart_get(g, json_string_value(json_object_get(s, "cart_id")), NULL);
    json_t *vc = virtual_cart(g, s, cart);
    json_t *totals = cart_totals(g, vc);
    char cur[4];
    snprintf(cur, sizeof cur, "%s", json_string_value(json_object_get(s, "currency")) ?: "");
    lower(cur);

    json_t *items = json_array(), *item_ids = json_array();
    size_t i;
    json_t *rq;
    json_array_foreach(json_object_get(s, "requested"), i, rq) {
        const char *sku = json_string_value(json_object_get(rq, "sku"));
        const json_t *tl = totals_line(totals, sku);
        json_array_append_new(items, line_item(g, rq, tl, jint(tl, "unit_amount")));
        json_array_append_new(item_ids, json_string(sku));
    }
    const json_t *ship = json_object_get(totals, "shipping_line");
    char ship_text[160];
    if (json_is_integer(json_object_get(totals, "free_shipping_over"))) {
        char amount[64];
        totals_format(jint(totals, "free_shipping_over"), json_string_value(json_object_get(s, "currency")), amount,
                      sizeof amount);
        snprintf(ship_text, sizeof ship_text, "Flat rate; free from %s after discounts", amount);
    } else {
        snprintf(ship_text, sizeof ship_text, "Flat rate");
    }
    json_t *opt = json_pack("{s:s, s:s, s:s, s:s, s:[o]}", "type", "shipping", "id", SHIPPING_OPTION, "title",
                            "Standard shipping", "description", ship_text, "totals",
                            total("total", "Shipping", jint(ship, "total")));
    json_t *selected = json_object_get(s, "selected_fulfillment_options");
    selected = selected ? json_incref(selected)
                        : (json_array_size(item_ids) ? json_pack("[{s:s, s:s, s:O}]", "type", "shipping", "option_id",
                                                                 SHIPPING_OPTION, "item_ids", item_ids)
                                                     : json_array());
    json_decref(item_ids);

    json_t *tt = json_array();
    json_array_append_new(tt, total("items_base_amount", "Item(s) total", jint(totals, "subtotal")));
    if (jint(totals, "discount") > 0) json_array_append_new(tt, total("discount", "Discount", jint(totals, "discount")));
    json_array_append_new(tt, total("subtotal", "Subtotal", jint(totals, "subtotal") - jint(totals, "discount")));
    json_array_append_new(tt, total("fulfillment", "Shipping", jint(totals, "shipping")));
    json_array_append_new(tt, total("tax", g->pricing.tax_inclusive ? "Tax (included)" : "Tax", jint(totals, "tax")));
    json_array_append_new(tt, total("total", "Total", jint(totals, "total")));

    const char *shown = status;
    if (strcmp(status, "open") == 0) shown = acp_session_ready(g, s) ? "ready_for_payment" : "not_ready_for_payment";
    char created[32], updated[32];
    acp_rfc3339((uint64_t)jint(s, "created_ms"), created);
    acp_rfc3339((uint64_t)jint(s, "updated_ms"), updated);
    json_t *links = json_array();
    if (g->store_url) json_array_append_new(links, json_pack("{s:s, s:s, s:s}", "type", "about_us", "title",
                                                             g->seller_name, "url", g->store_url));
    json_t *v = json_pack("{s:O, s:{s:s}, s:{s:{s:[o]}}, s:s, s:s, s:o, s:[o], s:o, s:o, s:o, s:o, s:s, s:s}",
                          "id", json_object_get(s, "id"), "protocol", "version", ACP_API_VERSION, "capabilities",
                          "payment", "handlers", acp_payment_handler(g), "status", shown, "currency", cur,
                          "line_items", items, "fulfillment_options", opt, "selected_fulfillment_options", selected,
                          "totals", tt, "messages", messages_of(g, s, cart), "links", links, "created_at", created,
                          "updated_at", updated);
    static const char *const copy[] = {"buyer", "fulfillment_details"};
    for (size_t k = 0; k < 2; k++)
        if (json_object_get(s, copy[k])) json_object_set(v, copy[k], json_object_get(s, copy[k]));
    json_t *disc = discounts_view(s, totals);
    if (disc) json_object_set_new(v, "discounts", disc);
    json_t *order = acp_order_view(g, s);
    if (order) json_object_set_new(v, "order", order);
    json_decref(totals);
    json_decref(vc);
    json_decref(cart);
    return v;
}
