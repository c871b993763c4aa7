-- tiktok.lua - canonical catalog <-> TikTok Shop Partner API (202309).
--
-- to_channel: one SKU in the Create/Edit Product body shape
--   {title, description, category_id?, brand_id?, main_images[{uri}],
--    package_weight{value,unit}, save_mode,
--    skus[{seller_sku, price{amount,currency}, list_price?, sales_attributes[{name,value_name}],
--          identifier_code?{code,type}}]}
-- with money as decimal strings ("89.99"); inventory is pushed separately
-- (inventory/update), so it is not part of the listing.  The plugin turns
-- image URLs into uploaded `uri`s and merges SKUs of one product.
--
-- from_channel kinds:
--   "orders"   Get Order List / Get Order Detail response (envelope or data)
--   "order"    one order object
--              -> order.created (status UNPAID..COMPLETED: TikTok reserves stock from
--                 placement, so an unpaid order holds stock until paid or cancelled)
--              -> order.cancelled (status CANCELLED)
--   "webhook"  notification {type, data}: type 1 with order_status CANCELLED ->
--              order.cancelled; other statuses carry no lines: the plugin fetches the
--              order detail and calls again with kind "orders"
--   anything else (incl. "smoke") -> {}
-- Line items carry no quantity (one line per unit): lines are grouped by
-- seller_sku and price.
--
-- ctx (optional): tiktok_category_id, tiktok_brand_id, option_names.

local money = require("lib.money")
local util = require("lib.util")

local function identifier(barcode)
    if type(barcode) ~= "string" or not barcode:match("^%d+$") then
        return nil
    end
    local types = { [8] = "EAN", [12] = "UPC", [13] = "EAN", [14] = "GTIN" }
    local t = types[#barcode]
    return t and { code = barcode, type = t } or nil
end

-- grams -> exact kilograms string ("180" -> "0.18", "1500" -> "1.5")
local function kilograms(g)
    local s = ("%d.%03d"):format(g // 1000, g % 1000)
    return (s:gsub("0+$", ""):gsub("%.$", ""))
end

local function label(name, ctx)
    local names = ctx.option_names
    if type(names) == "table" and type(names[name]) == "string" then
        return names[name]
    end
    return util.capitalize(name)
end

function to_channel(product, variant, stock, ctx)
    local price = money.check(variant.price, "variant.price")
    local sku = {
        seller_sku = variant.sku,
        price = { amount = money.format(price.amount, price.currency), currency = price.currency },
        sales_attributes = {},
        identifier_code = identifier(variant.barcode),
    }
    if variant.compare_at then
        local c = money.check(variant.compare_at, "variant.compare_at")
        sku.list_price = { amount = money.format(c.amount, c.currency), currency = c.currency }
    end
    local values = variant.options or {}
    for _, name in ipairs(product.options or {}) do
        if values[name] ~= nil then
            sku.sales_attributes[#sku.sales_attributes + 1] = { name = label(name, ctx), value_name = tostring(values[name]) }
        end
    end
    if #sku.sales_attributes == 0 then
        sku.sales_attributes = util.array()
    end

    local images = {}
    for _, url in ipairs(product.images or {}) do
        images[#images + 1] = { uri = url }
    end
    local listing = {
        title = util.truncate(product.title, 255),
        description = product.description or product.title,
        category_id = ctx.tiktok_category_id,
        brand_id = ctx.tiktok_brand_id,
        main_images = hub.array(images),
        save_mode = product.status == "active" and "LISTING" or "AS_DRAFT",
        skus = { sku },
    }
    if math.type(variant.weight_g) == "integer" and variant.weight_g > 0 then
        listing.package_weight = { value = kilograms(variant.weight_g), unit = "KILOGRAM" }
    end
    return listing
end

-- ------------------------------------------------------------------ orders

local CREATED = {
    UNPAID = true, ON_HOLD = true, AWAITING_SHIPMENT = true, PARTIALLY_SHIPPING = true,
    AWAITING_COLLECTION = true, IN_TRANSIT = true, DELIVERED = true, COMPLETED = true,
}

local function order_events(order, ctx)
    if type(order.id) ~= "string" then
        error("tiktok order without a string id")
    end
    if order.status == "CANCELLED" then
        return { { type = "order.cancelled", channel = ctx.channel, order_id = order.id, restock = true,
                   reason = order.cancel_reason } }
    end
    if not CREATED[order.status] then
        return {}
    end
    local lines, index = {}, {}
    for i, li in ipairs(order.line_items or {}) do
        local sku = util.trim(li.seller_sku or "")
        local currency = li.currency or (order.payment and order.payment.currency)
        local amount = li.sale_price and currency and money.parse(li.sale_price, currency)
        local key = sku .. "\0" .. tostring(amount)
        local line = index[key]
        if line then
            line.quantity = line.quantity + 1
        else
            line = { sku = sku, quantity = 1, channel_line_id = li.id, title = li.product_name }
            if amount then
                line.price = { amount = amount, currency = currency }
            end
            index[key] = line
            lines[#lines + 1] = line
        end
    end
    local total
    if order.payment and order.payment.total_amount and order.payment.currency then
        total = { amount = money.parse(order.payment.total_amount, order.payment.currency),
                  currency = order.payment.currency }
    end
    return { {
        type = "order.created",
        channel = ctx.channel,
        order_id = order.id,
        status = order.status,
        placed_at = order.create_time,
        total = total,
        lines = hub.array(lines),
    } }
end

function from_channel(kind, payload, ctx)
    if kind == "order" then
        return order_events(payload, ctx)
    elseif kind == "orders" then
        local data = payload.data or payload
        if payload.code ~= nil and payload.code ~= 0 then
            error(("tiktok response code %s: %s"):format(tostring(payload.code), tostring(payload.message)))
        end
        local events = {}
        for _, order in ipairs(data.orders or {}) do
            for _, ev in ipairs(order_events(order, ctx)) do
                events[#events + 1] = ev
            end
        end
        return hub.array(events)
    elseif kind == "webhook" then
        local d = payload.data or {}
        if payload.type == 1 and d.order_status == "CANCELLED" and d.order_id then
            return { { type = "order.cancelled", channel = ctx.channel, order_id = tostring(d.order_id), restock = true } }
        end
        return {}
    end
    return {}
end
