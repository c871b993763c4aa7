-- amazon.lua - canonical catalog <-> Amazon SP-API (Listings Items 2021-08-01, Orders v0).
--
-- to_channel: one SKU as a Listings Items body {productType, requirements, attributes}
-- (the shape of putListingsItem and of a JSON_LISTINGS_FEED UPDATE message; the
-- plugin sends changed attributes as PATCH "replace /attributes/<name>").  Every
-- attribute is an array of {value, marketplace_id[, language_tag]} as Amazon wants.
-- Prices are JSON numbers here (Amazon's schema), produced by money.to_float:
-- serialise them with at most 15 significant digits (JSON_REAL_PRECISION(15)).
-- Quantity (fulfillment_availability) is pushed separately by the core.
--
-- from_channel kinds:
--   "order"         an Order (getOrder payload, or the whole response) with its items:
--                   either Order.OrderItems, or {order = <getOrder>, items = <getOrderItems>}
--   "orders"        getOrders response; each non-cancelled order must carry OrderItems
--   "ORDER_CHANGE"  notification envelope (SQS), also accepted as "notification"
--   anything else (incl. "smoke") -> {}
-- Orders fulfilled by Amazon (AFN / FBA) are skipped: they ship from Amazon's stock.
-- Status Canceled -> order.cancelled; Pending, Unshipped, PartiallyShipped, Shipped,
-- InvoiceUnconfirmed, PendingAvailability -> order.created (Amazon reserves stock for
-- Pending orders); Unfulfillable -> nothing.
--
-- ctx (optional): marketplace_id (default ATVPDKIKX0DER), language_tag (en_US),
-- amazon_product_type (PRODUCT), condition (new_new).

local money = require("lib.money")

local function attr(value, ctx, with_language)
    local a = { value = value, marketplace_id = ctx.marketplace_id or "ATVPDKIKX0DER" }
    if with_language then
        a.language_tag = ctx.language_tag or "en_US"
    end
    return { a }
end

local function barcode_type(code)
    local n = #code
    if n == 12 then return "upc" end
    if n == 13 or n == 8 then return "ean" end
    if n == 14 then return "gtin" end
    return nil
end

function to_channel(product, variant, stock, ctx)
    local price = money.check(variant.price, "variant.price")
    local mp = ctx.marketplace_id or "ATVPDKIKX0DER"
    local value = money.to_float(price.amount, price.currency)
    local attributes = {
        item_name = attr(product.title, ctx, true),
        condition_type = attr(ctx.condition or "new_new", ctx, false),
        purchasable_offer = { {
            currency = price.currency,
            marketplace_id = mp,
            audience = "ALL",
            our_price = { { schedule = { { value_with_tax = value } } } },
        } },
    }
    if product.brand then
        attributes.brand = attr(product.brand, ctx, true)
    end
    if product.description then
        attributes.product_description = attr(product.description, ctx, true)
    end
    if variant.compare_at then
        local c = money.check(variant.compare_at, "variant.compare_at")
        attributes.list_price = { { currency = c.currency, marketplace_id = mp,
                                    value_with_tax = money.to_float(c.amount, c.currency) } }
    end
    local code = variant.barcode
    local kind = type(code) == "string" and code:match("^%d+$") and barcode_type(code)
    if kind then
        attributes.externally_assigned_product_identifier = { { type = kind, value = code, marketplace_id = mp } }
    else
        attributes.supplier_declared_has_product_identifier_exemption = attr(true, ctx, false)
    end
    if math.type(variant.weight_g) == "integer" then
        attributes.item_package_weight = { { value = variant.weight_g, unit = "grams", marketplace_id = mp } }
    end
    local options = variant.options or {}
    if options.colour or options.color then
        attributes.color = attr(options.colour or options.color, ctx, true)
    end
    if options.size then
        attributes.size = attr(options.size, ctx, true)
    end
    for i, url in ipairs(product.images or {}) do
        local name = i == 1 and "main_product_image_locator" or ("other_product_image_locator_" .. (i - 1))
        if i <= 9 then
            attributes[name] = { { media_location = url, marketplace_id = mp } }
        end
    end
    return {
        sku = variant.sku,
        productType = ctx.amazon_product_type or "PRODUCT",
        requirements = "LISTING",
        attributes = attributes,
    }
end

-- ------------------------------------------------------------------ orders

local CREATED = {
    Pending = true, PendingAvailability = true, Unshipped = true, PartiallyShipped = true,
    Shipped = true, InvoiceUnconfirmed = true,
}

local function items_of(order, extra)
    if order.OrderItems then
        return order.OrderItems
    end
    if extra then
        local p = extra.payload or extra
        return p.OrderItems or p
    end
    return nil
end

local function line_of(item, order_id)
    local sku, qty = item.SellerSKU, item.QuantityOrdered or item.Quantity
    if math.type(qty) ~= "integer" then
        error(("amazon order %s: item %s has no integer quantity"):format(order_id, tostring(item.OrderItemId)))
    end
    local line = { sku = sku or "", quantity = qty, channel_line_id = item.OrderItemId, title = item.Title }
    local p = item.ItemPrice -- the price of the whole line (unit price x quantity)
    if p and p.Amount and p.CurrencyCode and qty > 0 then
        local total = money.parse(p.Amount, p.CurrencyCode)
        line.total = { amount = total, currency = p.CurrencyCode }
        if total % qty == 0 then
            line.price = { amount = total // qty, currency = p.CurrencyCode }
        end
    end
    return line
end

local function order_events(order, extra, ctx)
    local id = order.AmazonOrderId
    if type(id) ~= "string" then
        error("amazon order without AmazonOrderId")
    end
    if order.FulfillmentChannel == "AFN" then
        return {}
    end
    if order.OrderStatus == "Canceled" then
        return { { type = "order.cancelled", channel = ctx.channel, order_id = id, restock = true } }
    end
    if not CREATED[order.OrderStatus] then
        return {}
    end
    local items = items_of(order, extra)
    if type(items) ~= "table" then
        error(("amazon order %s has no OrderItems: fetch getOrderItems and attach them"):format(id))
    end
    local lines = {}
    for _, item in ipairs(items) do
        local line = line_of(item, id)
        if line.quantity > 0 then
            lines[#lines + 1] = line
        end
    end
    local total
    if order.OrderTotal and order.OrderTotal.Amount and order.OrderTotal.CurrencyCode then
        total = { amount = money.parse(order.OrderTotal.Amount, order.OrderTotal.CurrencyCode),
                  currency = order.OrderTotal.CurrencyCode }
    end
    return { {
        type = "order.created",
        channel = ctx.channel,
        order_id = id,
        status = order.OrderStatus,
        placed_at = order.PurchaseDate,
        marketplace_id = order.MarketplaceId,
        total = total,
        lines = hub.array(lines),
    } }
end

local function from_notification(n, ctx)
    local change = n.Payload and n.Payload.OrderChangeNotification
    if type(change) ~= "table" then
        error("amazon notification without Payload.OrderChangeNotification")
    end
    local s = change.Summary or {}
    if s.FulfillmentType == "AFN" then
        return {}
    end
    local id = change.AmazonOrderId
    if s.OrderStatus == "Canceled" then
        return { { type = "order.cancelled", channel = ctx.channel, order_id = id, restock = true } }
    end
    -- A buyer's cancellation request is not a cancellation: the seller decides.
    if change.OrderChangeType ~= "OrderStatusChange" or not CREATED[s.OrderStatus] then
        return {}
    end
    local lines = {}
    for _, item in ipairs(s.OrderItems or {}) do
        lines[#lines + 1] = line_of(item, id)
    end
    return { {
        type = "order.created",
        channel = ctx.channel,
        order_id = id,
        status = s.OrderStatus,
        placed_at = s.PurchaseDate,
        marketplace_id = s.MarketplaceId,
        lines = hub.array(lines),
    } }
end

function from_channel(kind, payload, ctx)
    if kind == "order" then
        local order = payload.order or payload
        order = order.payload or order
        return order_events(order, payload.items, ctx)
    elseif kind == "orders" then
        local p = payload.payload or payload
        local events = {}
        for _, order in ipairs(p.Orders or {}) do
            for _, ev in ipairs(order_events(order, nil, ctx)) do
                events[#events + 1] = ev
            end
        end
        return hub.array(events)
    elseif kind == "ORDER_CHANGE" or kind == "notification" then
        return from_notification(payload, ctx)
    end
    return {}
end
