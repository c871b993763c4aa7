-- example.lua - mapping for the example channel (plugins/example).
--
-- The example channel takes a flat listing per SKU:
--   {sku, title, price = {amount, currency}, options = {size = "M", ...},
--    compare_at?, barcode?, images = [...]}
-- Quantity is not part of the listing: the core pushes stock separately
-- (the allocation rule decides how much).  Its orders arrive as
--   {id, status = "open"|"cancelled", currency?, lines = [{sku, quantity, price?}]}
-- with kind "order" (or "order.cancelled").

local util = require("lib.util")

function to_channel(product, variant, stock, ctx)
    local listing = {
        sku = variant.sku,
        title = product.title,
        price = { amount = variant.price.amount, currency = variant.price.currency },
        options = util.copy(variant.options or {}),
        images = util.copy(product.images or util.array()),
        status = product.status or "active",
    }
    if variant.compare_at then
        listing.compare_at = { amount = variant.compare_at.amount, currency = variant.compare_at.currency }
    end
    if variant.barcode then
        listing.barcode = variant.barcode
    end
    return listing
end

local function order_lines(order)
    local lines = {}
    for i, l in ipairs(order.lines or {}) do
        if type(l.sku) ~= "string" or math.type(l.quantity) ~= "integer" or l.quantity <= 0 then
            error(("example order %s: line %d needs a sku and a positive integer quantity")
                :format(tostring(order.id), i))
        end
        local line = { sku = l.sku, quantity = l.quantity }
        if type(l.price) == "table" then
            line.price = { amount = l.price.amount, currency = l.price.currency or order.currency }
        end
        lines[#lines + 1] = line
    end
    return hub.array(lines)
end

function from_channel(kind, payload, ctx)
    if kind ~= "order" and kind ~= "order.cancelled" then
        return {} -- unknown kinds (and the "smoke" test) yield no events
    end
    if payload.id == nil then
        error("example order without an id")
    end
    local id = tostring(payload.id)
    if kind == "order.cancelled" or payload.status == "cancelled" then
        return { { type = "order.cancelled", channel = ctx.channel, order_id = id, restock = true } }
    end
    return { {
        type = "order.created",
        channel = ctx.channel,
        order_id = id,
        lines = order_lines(payload),
    } }
end
