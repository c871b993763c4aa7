/*
 * test_lua_scripts.c - each shipped script (scripts/<name>.lua) maps a sample
 * product into its channel's shape and the channel's own example order
 * payload into canonical events.  (lib/, allocation rules, the guide's
 * example: test_lua_libs.c)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lua/mapping.h"
#include "lua_fixtures/luatest_scripts.h"

static const char VARIANT_JPY[] =
    "{\"sku\":\"TEE-L-BLUE-JP\",\"product_id\":\"tee-classic\",\"options\":{\"size\":\"L\",\"colour\":\"Blue\"},"
    "\"price\":{\"amount\":1200,\"currency\":\"JPY\"}}";
static const char VARIANT_KWD[] =
    "{\"sku\":\"TEE-S-KW\",\"product_id\":\"tee-classic\",\"options\":{\"size\":\"S\"},"
    "\"price\":{\"amount\":12345,\"currency\":\"KWD\"}}";





static json_t *payload(const char *name)
{
    return luatest_json_file(luatest_path("tests/unit/lua_fixtures/payloads/%s", name));
}

/* ------------------------------------------------------------ Shopify */

static void test_shopify(void **state)
{
    (void)state;
    struct mapping *m = open_script("shopify.lua");
    assert_non_null(m);
    json_t *ctx = ctx_for("shopify");
    json_t *r = map_variant(m, VARIANT, STOCK, ctx);
    assert_non_null(r);
    assert_string_equal(js(r, "handle"), "tee-classic");
    assert_string_equal(js(r, "title"), "Classic Tee");
    assert_string_equal(js(r, "status"), "ACTIVE");
    assert_string_equal(js(r, "vendor"), "Acme");
    assert_string_equal(js(r, "productType"), "Apparel > Tops");
    assert_string_equal(js(r, "descriptionHtml"), "<p>Soft cotton &amp; a relaxed fit.</p><p>Machine wash.</p>");
    assert_string_equal(js(r, "tags.1"), "cotton");
    assert_string_equal(js(r, "productOptions.0.name"), "Size");
    assert_string_equal(js(r, "productOptions.0.values.0.name"), "M");
    assert_string_equal(js(r, "productOptions.1.name"), "Colour");
    assert_string_equal(js(r, "files.1.originalSource"), "https://cdn.example.com/tee-2.jpg");
    assert_int_equal(json_array_size(jp(r, "variants")), 1);
    assert_string_equal(js(r, "variants.0.sku"), "TEE-M-RED");
    assert_string_equal(js(r, "variants.0.price"), "89.99");
    assert_string_equal(js(r, "variants.0.compareAtPrice"), "99.99");
    assert_string_equal(js(r, "variants.0.barcode"), "4006381333931");
    assert_string_equal(js(r, "variants.0.optionValues.1.optionName"), "Colour");
    assert_string_equal(js(r, "variants.0.optionValues.1.name"), "Red");
    assert_int_equal(ji(r, "variants.0.inventoryItem.measurement.weight.value"), 180);
    assert_true(json_is_true(jp(r, "variants.0.inventoryItem.tracked")));
    assert_null(json_object_get(json_array_get(json_object_get(r, "variants"), 0), "inventoryQuantities"));
    json_decref(r);
    r = map_variant(m, VARIANT_JPY, STOCK, ctx);
    assert_string_equal(js(r, "variants.0.price"), "1200");
    assert_null(json_object_get(json_array_get(json_object_get(r, "variants"), 0), "compareAtPrice"));
    json_decref(r);
    r = map_variant(m, VARIANT_KWD, STOCK, ctx);
    assert_string_equal(js(r, "variants.0.price"), "12.345");
    assert_int_equal(json_array_size(jp(r, "productOptions")), 1); /* only the options it has */
    json_decref(r);

    /* orders/create: Shopify's own example body */
    json_t *order = payload("shopify_orders_create.json");
    json_t *ev = events_of(m, "orders/create", order, ctx);
    assert_non_null(ev);
    assert_int_equal(json_array_size(ev), 1);
    assert_string_equal(js(ev, "0.type"), "order.created");
    assert_string_equal(js(ev, "0.channel"), "shopify");
    assert_string_equal(js(ev, "0.order_id"), "820982911946154508"); /* from the global id */
    assert_string_equal(js(ev, "0.order_name"), "#9999");
    assert_int_equal(ji(ev, "0.total.amount"), 40495);
    assert_string_equal(js(ev, "0.total.currency"), "USD");
    assert_int_equal(json_array_size(jp(ev, "0.lines")), 5);
    assert_string_equal(js(ev, "0.lines.0.sku"), "SKU2006-001");
    assert_int_equal(ji(ev, "0.lines.0.quantity"), 1);
    assert_int_equal(ji(ev, "0.lines.0.price.amount"), 8999);
    assert_string_equal(js(ev, "0.lines.0.price.currency"), "USD");
    assert_string_equal(js(ev, "0.lines.3.sku"), "SKU2006-020");
    assert_int_equal(ji(ev, "0.lines.3.price.amount"), 15999);
    json_decref(ev);
    /* the GraphQL enum spelling works too */
    ev = events_of(m, "ORDERS_CREATE", order, ctx);
    assert_int_equal(json_array_size(ev), 1);
    json_decref(ev);
    json_decref(order);

    order = payload("shopify_orders_cancelled.json");
    ev = events_of(m, "orders/cancelled", order, ctx);
    assert_int_equal(json_array_size(ev), 1);
    assert_string_equal(js(ev, "0.type"), "order.cancelled");
    assert_string_equal(js(ev, "0.order_id"), "820982911946154508");
    assert_string_equal(js(ev, "0.reason"), "customer");
    assert_true(json_is_true(jp(ev, "0.restock")));
    json_decref(ev);
    /* orders/updated: cancelled -> cancellation, else nothing */
    ev = events_of(m, "orders/updated", order, ctx);
    assert_string_equal(js(ev, "0.type"), "order.cancelled");
    json_decref(ev);
    json_object_set_new(order, "cancelled_at", json_null());
    ev = events_of(m, "orders/updated", order, ctx);
    assert_int_equal(json_array_size(ev), 0);
    json_decref(ev);
    json_decref(order);

    /* refunds: only returned units come back (the example restocks nothing) */
    json_t *refund = payload("shopify_refunds_create.json");
    ev = events_of(m, "refunds/create", refund, ctx);
    assert_int_equal(json_array_size(ev), 0);
    json_decref(ev);
    json_t *rlis = json_object_get(refund, "refund_line_items");
    json_object_set_new(json_array_get(rlis, 0), "restock_type", json_string("return"));
    json_object_set_new(json_array_get(rlis, 0), "quantity", json_integer(2));
    json_object_set_new(json_array_get(rlis, 1), "restock_type", json_string("cancel"));
    ev = events_of(m, "refunds/create", refund, ctx);
    assert_int_equal(json_array_size(ev), 1);
    assert_string_equal(js(ev, "0.type"), "stock.receive");
    assert_string_equal(js(ev, "0.sku"), "SKU2006-001");
    assert_int_equal(ji(ev, "0.quantity"), 2);
    assert_true(luatest_has(js(ev, "0.reason"), "890088186047892319"));
    json_decref(ev);
    json_decref(refund);

    /* a GraphQL poll page */
    json_t *page = luatest_json(
        "{\"data\":{\"orders\":{\"nodes\":["
        "{\"id\":\"gid://shopify/Order/1001\",\"name\":\"#1001\",\"createdAt\":\"2026-01-02T10:00:00Z\","
        " \"cancelledAt\":null,\"lineItems\":{\"nodes\":[{\"id\":\"gid://shopify/LineItem/7\",\"sku\":\"TEE-M-RED\","
        " \"quantity\":2,\"originalUnitPriceSet\":{\"shopMoney\":{\"amount\":\"89.99\",\"currencyCode\":\"EUR\"}}}]}},"
        "{\"id\":\"gid://shopify/Order/1002\",\"name\":\"#1002\",\"cancelledAt\":\"2026-01-03T10:00:00Z\","
        " \"lineItems\":{\"nodes\":[{\"sku\":\"TEE-L-BLUE\",\"quantity\":1}]}}"
        "]},\"pageInfo\":{\"hasNextPage\":false}}}");
    ev = events_of(m, "orders", page, ctx);
    assert_int_equal(json_array_size(ev), 3);
    assert_string_equal(js(ev, "0.order_id"), "1001");
    assert_int_equal(ji(ev, "0.lines.0.quantity"), 2);
    assert_int_equal(ji(ev, "0.lines.0.price.amount"), 8999);
    assert_string_equal(js(ev, "1.type"), "order.created");
    assert_string_equal(js(ev, "2.type"), "order.cancelled");
    assert_string_equal(js(ev, "2.order_id"), "1002");
    json_decref(ev);
    json_decref(page);
    /* a malformed amount is an error naming it, not a guess */
    json_t *bad = luatest_json("{\"id\":5,\"currency\":\"EUR\",\"line_items\":[{\"id\":1,\"sku\":\"A\","
                               "\"quantity\":1,\"price\":\"12.345\"}]}");
    char *err = NULL;
    assert_null(mapping_from_channel(m, "orders/create", bad, ctx, &err));
    assert_true(luatest_has(err, "'12.345' has more than 2 decimals for EUR"));
    assert_true(luatest_has(err, "shopify.lua:"));
    free(err);
    json_decref(bad);
    json_t *empty = json_object();
    ev = events_of(m, "products/update", empty, ctx);
    assert_int_equal(json_array_size(ev), 0);
    json_decref(ev);
    /* inventory_levels/update, with the SKU the plugin resolved: drift, not truth */
    json_t *lvl = luatest_json("{\"inventory_item_id\":456,\"location_id\":789,\"available\":7,"
                               "\"updated_at\":\"2026-04-01T10:00:00+00:00\",\"sku\":\"TEE-M-RED\","
                               "\"hub_expected\":9}");
    ev = events_of(m, "inventory_levels/update", lvl, ctx);
    assert_int_equal(json_array_size(ev), 1);
    assert_string_equal(js(ev, "0.type"), "stock.drift");
    assert_string_equal(js(ev, "0.sku"), "TEE-M-RED");
    assert_int_equal(ji(ev, "0.quantity"), 7);
    assert_true(luatest_has(js(ev, "0.reason"), "hub last pushed 9"));
    json_decref(ev);
    json_decref(lvl);
    ev = events_of(m, "inventory_levels/update", empty, ctx); /* no SKU: nothing */
    assert_int_equal(json_array_size(ev), 0);
    json_decref(ev);
    json_decref(empty);
    json_decref(ctx);
    mapping_close(m);
}

/* ------------------------------------------------------------ TikTok */

static void test_tiktok(void **state)
{
    (void)state;
    struct mapping *m = open_script("tiktok.lua");
    assert_non_null(m);
    json_t *ctx = ctx_for("tiktok");
    json_object_set_new(ctx, "tiktok_category_id", json_string("601226"));
    json_t *r = map_variant(m, VARIANT, STOCK, ctx);
    assert_non_null(r);
    assert_string_equal(js(r, "title"), "Classic Tee");
    assert_string_equal(js(r, "category_id"), "601226");
    assert_string_equal(js(r, "save_mode"), "LISTING");
    assert_string_equal(js(r, "main_images.0.uri"), "https://cdn.example.com/tee-1.jpg");
    assert_string_equal(js(r, "package_weight.value"), "0.18");
    assert_string_equal(js(r, "package_weight.unit"), "KILOGRAM");
    assert_string_equal(js(r, "skus.0.seller_sku"), "TEE-M-RED");
    assert_string_equal(js(r, "skus.0.price.amount"), "89.99");
    assert_string_equal(js(r, "skus.0.price.currency"), "EUR");
    assert_string_equal(js(r, "skus.0.list_price.amount"), "99.99");
    assert_string_equal(js(r, "skus.0.sales_attributes.0.name"), "Size");
    assert_string_equal(js(r, "skus.0.sales_attributes.1.value_name"), "Red");
    assert_string_equal(js(r, "skus.0.identifier_code.type"), "EAN");
    assert_null(json_object_get(json_array_get(json_object_get(r, "skus"), 0), "inventory"));
    json_decref(r);
    r = map_variant(m, VARIANT_JPY, STOCK, ctx);
    assert_string_equal(js(r, "skus.0.price.amount"), "1200");
    assert_string_equal(js(r, "skus.0.price.currency"), "JPY");
    json_decref(r);

    /* Get Order List: the official response sample */
    json_t *resp = payload("tiktok_orders_search.json");
    json_t *ev = events_of(m, "orders", resp, ctx);
    assert_int_equal(json_array_size(ev), 1);
    assert_string_equal(js(ev, "0.type"), "order.created");
    assert_string_equal(js(ev, "0.order_id"), "576461413038785752");
    assert_int_equal(json_array_size(jp(ev, "0.lines")), 1);
    assert_string_equal(js(ev, "0.lines.0.sku"), "red_iphone_256");
    assert_int_equal(ji(ev, "0.lines.0.quantity"), 1);
    assert_int_equal(ji(ev, "0.lines.0.price.amount"), 1); /* "0.01" IDR */
    assert_string_equal(js(ev, "0.lines.0.price.currency"), "IDR");
    assert_int_equal(ji(ev, "0.total.amount"), 500000); /* "5000" IDR */
    json_decref(ev);
    /* one line per unit: two identical lines are quantity 2; CANCELLED cancels */
    json_t *order = json_deep_copy(jp(resp, "data.orders.0"));
    json_t *lines = json_object_get(order, "line_items");
    json_array_append_new(lines, json_deep_copy(json_array_get(lines, 0)));
    json_object_set_new(order, "status", json_string("AWAITING_SHIPMENT"));
    ev = events_of(m, "order", order, ctx);
    assert_int_equal(ji(ev, "0.lines.0.quantity"), 2);
    json_decref(ev);
    json_object_set_new(order, "status", json_string("CANCELLED"));
    ev = events_of(m, "order", order, ctx);
    assert_string_equal(js(ev, "0.type"), "order.cancelled");
    assert_string_equal(js(ev, "0.order_id"), "576461413038785752");
    json_decref(ev);
    json_decref(order);
    json_decref(resp);
    /* webhooks are thin: only a cancellation can be acted on directly */
    json_t *hook = luatest_json("{\"type\":1,\"shop_id\":\"7494726673780148744\",\"timestamp\":1664095733,"
                                "\"data\":{\"order_id\":\"576684019603311365\",\"order_status\":\"CANCELLED\","
                                "\"update_time\":1664095610}}");
    ev = events_of(m, "webhook", hook, ctx);
    assert_int_equal(json_array_size(ev), 1);
    assert_string_equal(js(ev, "0.order_id"), "576684019603311365");
    json_decref(ev);
    json_object_set_new(json_object_get(hook, "data"), "order_status", json_string("AWAITING_SHIPMENT"));
    ev = events_of(m, "webhook", hook, ctx);
    assert_int_equal(json_array_size(ev), 0);
    json_decref(ev);
    json_decref(hook);
    /* an error envelope is an error */
    json_t *fail = luatest_json("{\"code\":36009002,\"message\":\"Too many requests\",\"data\":null}");
    char *err = NULL;
    assert_null(mapping_from_channel(m, "orders", fail, ctx, &err));
    assert_true(luatest_has(err, "tiktok response code 36009002"));
    free(err);
    json_decref(fail);
    json_decref(ctx);
    mapping_close(m);
}

/* ------------------------------------------------------------ Amazon */

static void test_amazon(void **state)
{
    (void)state;
    struct mapping *m = open_script("amazon.lua");
    assert_non_null(m);
    json_t *ctx = ctx_for("amazon");
    json_object_set_new(ctx, "marketplace_id", json_string("A1PA6795UKMFR9"));
    json_object_set_new(ctx, "language_tag", json_string("de_DE"));
    json_t *r = map_variant(m, VARIANT, STOCK, ctx);
    assert_non_null(r);
    assert_string_equal(js(r, "productType"), "PRODUCT");
    assert_string_equal(js(r, "requirements"), "LISTING");
    assert_string_equal(js(r, "attributes.item_name.0.value"), "Classic Tee");
    assert_string_equal(js(r, "attributes.item_name.0.language_tag"), "de_DE");
    assert_string_equal(js(r, "attributes.item_name.0.marketplace_id"), "A1PA6795UKMFR9");
    assert_string_equal(js(r, "attributes.brand.0.value"), "Acme");
    assert_string_equal(js(r, "attributes.purchasable_offer.0.currency"), "EUR");
    json_t *price = jp(r, "attributes.purchasable_offer.0.our_price.0.schedule.0.value_with_tax");
    assert_true(json_is_real(price));
    assert_true(json_real_value(price) == 89.99);
    /* with 15 significant digits the number is written exactly as the decimal */
    char *text = json_dumps(price, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
    assert_string_equal(text, "89.99");
    free(text);
    assert_true(json_real_value(jp(r, "attributes.list_price.0.value_with_tax")) == 99.99);
    assert_string_equal(js(r, "attributes.list_price.0.currency"), "EUR");
    assert_string_equal(js(r, "attributes.externally_assigned_product_identifier.0.type"), "ean");
    assert_int_equal(ji(r, "attributes.item_package_weight.0.value"), 180);
    assert_string_equal(js(r, "attributes.color.0.value"), "Red");
    assert_string_equal(js(r, "attributes.size.0.value"), "M");
    assert_string_equal(js(r, "attributes.main_product_image_locator.0.media_location"),
                        "https://cdn.example.com/tee-1.jpg");
    assert_string_equal(js(r, "attributes.other_product_image_locator_1.0.media_location"),
                        "https://cdn.example.com/tee-2.jpg");
    assert_null(json_object_get(jp(r, "attributes"), "fulfillment_availability"));
    json_decref(r);
    r = map_variant(m, VARIANT_JPY, STOCK, ctx);
    assert_true(json_real_value(jp(r, "attributes.purchasable_offer.0.our_price.0.schedule.0.value_with_tax")) == 1200.0);
    assert_true(json_is_true(jp(r, "attributes.supplier_declared_has_product_identifier_exemption.0.value")));
    json_decref(r);

    /* getOrder + getOrderItems (the models' sandbox responses) */
    json_t *o = payload("amazon_getOrder.json"), *items = payload("amazon_getOrderItems.json");
    json_t *both = json_pack("{s:O, s:O}", "order", o, "items", items);
    json_t *ev = events_of(m, "order", both, ctx);
    assert_int_equal(json_array_size(ev), 1);
    assert_string_equal(js(ev, "0.type"), "order.created");
    assert_string_equal(js(ev, "0.order_id"), "902-1845936-5435065");
    assert_string_equal(js(ev, "0.status"), "Unshipped");
    assert_int_equal(ji(ev, "0.total.amount"), 1101);
    assert_string_equal(js(ev, "0.lines.0.sku"), "NABetaASINB00551Q3CS");
    assert_int_equal(ji(ev, "0.lines.0.quantity"), 1);
    assert_int_equal(ji(ev, "0.lines.0.price.amount"), 1000);
    assert_string_equal(js(ev, "0.lines.0.price.currency"), "USD");
    json_decref(ev);
    json_decref(both);

    /* getOrders: an order without its items is an error naming it */
    json_t *list = payload("amazon_getOrders.json");
    json_t *orders = jp(list, "payload.Orders");
    json_object_set(json_array_get(orders, 0), "OrderItems", jp(items, "payload.OrderItems"));
    char *err = NULL;
    assert_null(mapping_from_channel(m, "orders", list, ctx, &err));
    assert_true(luatest_has(err, "amazon order 902-8745147-1934268 has no OrderItems"));
    free(err);
    json_object_set(json_array_get(orders, 1), "OrderItems", jp(items, "payload.OrderItems"));
    json_object_set_new(json_array_get(orders, 1), "OrderStatus", json_string("Canceled"));
    ev = events_of(m, "orders", list, ctx);
    assert_int_equal(json_array_size(ev), 2);
    assert_string_equal(js(ev, "0.type"), "order.created");
    assert_string_equal(js(ev, "1.type"), "order.cancelled");
    assert_string_equal(js(ev, "1.order_id"), "902-8745147-1934268");
    json_decref(ev);
    /* Amazon-fulfilled orders are not the hub's stock */
    json_object_set_new(json_array_get(orders, 0), "FulfillmentChannel", json_string("AFN"));
    ev = events_of(m, "orders", list, ctx);
    assert_int_equal(json_array_size(ev), 1);
    json_decref(ev);
    json_decref(list);
    json_decref(o);
    json_decref(items);

    /* ORDER_CHANGE: the example is a buyer's cancel request (no event); a status
     * change to Unshipped is an order, to Canceled a cancellation */
    json_t *n = payload("amazon_order_change.json");
    ev = events_of(m, "ORDER_CHANGE", n, ctx);
    assert_int_equal(json_array_size(ev), 0);
    json_decref(ev);
    json_t *change = jp(n, "Payload.OrderChangeNotification");
    json_object_set_new(change, "OrderChangeType", json_string("OrderStatusChange"));
    ev = events_of(m, "ORDER_CHANGE", n, ctx);
    assert_int_equal(json_array_size(ev), 1);
    assert_string_equal(js(ev, "0.order_id"), "903-8868176-2219830");
    assert_string_equal(js(ev, "0.lines.0.sku"), "SellerSKUID1");
    assert_int_equal(ji(ev, "0.lines.0.quantity"), 10);
    json_decref(ev);
    json_object_set_new(jp(change, "Summary"), "OrderStatus", json_string("Canceled"));
    ev = events_of(m, "notification", n, ctx);
    assert_string_equal(js(ev, "0.type"), "order.cancelled");
    json_decref(ev);
    json_decref(n);
    json_decref(ctx);
    mapping_close(m);
}

/* ------------------------------------------------------------ ChatGPT */

static void test_chatgpt(void **state)
{
    (void)state;
    struct mapping *m = open_script("chatgpt.lua");
    assert_non_null(m);
    json_t *ctx = ctx_for("chatgpt");
    json_object_set_new(ctx, "store_url", json_string("https://shop.example.com/"));
    json_object_set_new(ctx, "seller_name", json_string("Acme Store"));
    json_t *r = map_variant(m, VARIANT, STOCK, ctx);
    assert_non_null(r);
    assert_string_equal(js(r, "id"), "tee-classic");
    assert_string_equal(js(r, "description.plain"), "Soft cotton & a relaxed fit.\n\nMachine wash.");
    assert_string_equal(js(r, "url"), "https://shop.example.com/products/tee-classic");
    assert_string_equal(js(r, "media.0.type"), "image");
    assert_string_equal(js(r, "variants.0.id"), "TEE-M-RED");
    assert_string_equal(js(r, "variants.0.title"), "Classic Tee - M / Red");
    assert_int_equal(ji(r, "variants.0.price.amount"), 8999); /* ACP: integer minor units */
    assert_string_equal(js(r, "variants.0.price.currency"), "EUR");
    assert_true(json_is_true(jp(r, "variants.0.availability.available")));
    assert_string_equal(js(r, "variants.0.availability.status"), "in_stock");
    assert_string_equal(js(r, "variants.0.variant_options.1.name"), "Colour");
    assert_string_equal(js(r, "variants.0.barcodes.0.value"), "4006381333931");
    assert_string_equal(js(r, "variants.0.seller.name"), "Acme Store");
    json_decref(r);
    r = map_variant(m, VARIANT_JPY, "{\"on_hand\":2,\"reserved\":2,\"available\":0}", ctx);
    assert_int_equal(ji(r, "variants.0.price.amount"), 1200);
    assert_string_equal(js(r, "variants.0.availability.status"), "out_of_stock");
    json_decref(r);

    json_t *session = payload("acp_complete_checkout_session_response.json");
    json_t *ev = events_of(m, "checkout.completed", session, ctx);
    assert_int_equal(json_array_size(ev), 1);
    assert_string_equal(js(ev, "0.type"), "order.created");
    assert_string_equal(js(ev, "0.order_id"), "ord_abc123");
    assert_string_equal(js(ev, "0.checkout_session_id"), "checkout_session_123");
    assert_string_equal(js(ev, "0.lines.0.sku"), "item_123");
    assert_int_equal(ji(ev, "0.lines.0.quantity"), 1);
    assert_int_equal(ji(ev, "0.lines.0.price.amount"), 300);
    assert_string_equal(js(ev, "0.lines.0.price.currency"), "USD");
    assert_int_equal(ji(ev, "0.total.amount"), 830);
    json_decref(ev);
    ev = events_of(m, "checkout.canceled", session, ctx);
    assert_string_equal(js(ev, "0.type"), "order.cancelled");
    assert_string_equal(js(ev, "0.order_id"), "ord_abc123");
    json_decref(ev);
    json_object_del(session, "order");
    ev = events_of(m, "checkout.canceled", session, ctx);
    assert_int_equal(json_array_size(ev), 0);
    json_decref(ev);
    char *err = NULL;
    assert_null(mapping_from_channel(m, "checkout.completed", session, ctx, &err));
    assert_true(luatest_has(err, "is not completed"));
    free(err);
    json_decref(session);
    /* what plugins/chatgpt sends when a cart is placed: one line per hold */
    json_t *order = luatest_json("{\"order_id\":\"cart-42\",\"currency\":\"eur\",\"cart_id\":\"c-1\","
                                 "\"total\":26997,\"lines\":[{\"sku\":\"TEE-M-RED\",\"quantity\":2,"
                                 "\"unit_amount\":8999,\"hold_id\":\"h-1\"},{\"sku\":\"TEE-M-RED\","
                                 "\"quantity\":1,\"unit_amount\":8999,\"hold_id\":\"h-2\"}]}");
    ev = events_of(m, "order", order, ctx);
    assert_string_equal(js(ev, "0.order_id"), "cart-42");
    assert_int_equal(ji(ev, "0.lines.0.quantity"), 2);
    assert_string_equal(js(ev, "0.lines.0.hold_id"), "h-1");
    assert_string_equal(js(ev, "0.lines.1.hold_id"), "h-2");
    assert_string_equal(js(ev, "0.lines.0.price.currency"), "EUR");
    assert_int_equal(ji(ev, "0.total.amount"), 26997);
    json_decref(ev);
    json_decref(order);
    json_decref(ctx);
    mapping_close(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shopify),
        cmocka_unit_test(test_tiktok),
        cmocka_unit_test(test_amazon),
        cmocka_unit_test(test_chatgpt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
