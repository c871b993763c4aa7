-- acme-market.lua - mapping for Acme's marketplace.
local util = require("lib.util")

function to_channel(product, variant, stock, ctx)
    local attributes = {}
    for name, value in pairs(variant.options or {}) do
        attributes[name:upper()] = tostring(value)
    end
    return {
        ref = variant.sku,
        name = util.truncate(product.title, 80),
        price_cents = variant.price.amount,      -- already integer minor units
        currency = variant.price.currency,
        attributes = attributes,                 -- {} when the variant has no options
        active = product.status == "active",
    }
end

function from_channel(kind, payload, ctx)
    if kind ~= "order" then
        return {}                                -- unknown kinds, and the smoke test
    end
    if payload.state == "CANCELLED" then
        return { { type = "order.cancelled", channel = ctx.channel, order_id = payload.order, restock = true } }
    end
    local lines = util.array()                   -- [] even when empty
    for i, item in ipairs(payload.items or {}) do
        if math.type(item.qty) ~= "integer" then
            error(("order %s: item %d has no integer qty"):format(tostring(payload.order), i))
        end
        lines[#lines + 1] = { sku = item.ref or "", quantity = item.qty }
    end
    return { { type = "order.created", channel = ctx.channel, order_id = payload.order, lines = lines } }
end
