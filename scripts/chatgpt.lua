-- chatgpt.lua - canonical catalog <-> the ChatGPT channel (MCP cart + Agentic
-- Commerce Protocol 2026-04-17).
--
-- to_channel: one SKU as an ACP feed Product holding this one variant:
--   {id, title, description{plain}, url?, media[{type,url}],
--    variants[{id = sku, title, price{amount (minor units), currency},
--              availability{available, status}, variant_options[{name,value}],
--              barcodes?[{type,value}], seller{name}}]}
-- ACP amounts are integers in minor units, so prices pass through unchanged.
-- Availability follows stock.available.
--
-- from_channel kinds (the hub is the ACP server, so these are what the plugin saw):
--   "checkout.completed"  the completed checkout session (with its order) -> order.created
--   "checkout.canceled"   a canceled session: order.cancelled if it had an order,
--                         else nothing (the plugin releases its holds itself)
--   "order"               {order_id, currency, cart_id?, total?, lines[{sku, quantity,
--                         unit_amount?, hold_id?}]} (an order placed through the MCP cart
--                         tools) -> order.created; a line's hold_id makes the core commit
--                         that cart hold instead of taking fresh stock
--   "order.cancelled"     {order_id} -> order.cancelled
--   anything else (incl. "smoke") -> {}
--
-- ctx (optional): store_url (product links), seller_name, option_names.

local util = require("lib.util")

local function label(name, ctx)
    local names = ctx.option_names
    if type(names) == "table" and type(names[name]) == "string" then
        return names[name]
    end
    return util.capitalize(name)
end

function to_channel(product, variant, stock, ctx)
    local options, labels = {}, {}
    local values = variant.options or {}
    for _, name in ipairs(product.options or {}) do
        if values[name] ~= nil then
            options[#options + 1] = { name = label(name, ctx), value = tostring(values[name]) }
            labels[#labels + 1] = tostring(values[name])
        end
    end
    local available = math.type(stock and stock.available) == "integer" and stock.available > 0
    local v = {
        id = variant.sku,
        title = #labels > 0 and (product.title .. " - " .. table.concat(labels, " / ")) or product.title,
        price = { amount = variant.price.amount, currency = variant.price.currency },
        availability = { available = available, status = available and "in_stock" or "out_of_stock" },
        variant_options = hub.array(options),
        seller = { name = ctx.seller_name or ctx.tenant },
    }
    if math.type(v.price.amount) ~= "integer" then
        error("variant.price.amount must be an integer (minor units)")
    end
    if variant.compare_at then
        v.list_price = { amount = variant.compare_at.amount, currency = variant.compare_at.currency }
    end
    if type(product.category) == "string" and product.category ~= "" then
        v.categories = { { value = product.category, taxonomy = "merchant" } }
    end
    if type(variant.barcode) == "string" and variant.barcode:match("^%d+$") then
        v.barcodes = { { type = "GTIN", value = variant.barcode } }
    end
    local media = {}
    for _, url in ipairs(product.images or {}) do
        media[#media + 1] = { type = "image", url = url }
    end
    local p = {
        id = product.id,
        title = product.title,
        description = { plain = product.description or product.title },
        media = hub.array(media),
        variants = { v },
    }
    if type(ctx.store_url) == "string" then
        p.url = ctx.store_url:gsub("/+$", "") .. "/products/" .. util.slug(product.id)
        v.url = p.url .. "?variant=" .. variant.sku
    end
    return p
end

-- ------------------------------------------------------------------ orders

local function upper(c)
    return type(c) == "string" and c:upper() or nil
end

local function total_of(totals, currency)
    for _, t in ipairs(totals or {}) do
        if t.type == "total" and math.type(t.amount) == "integer" then
            return { amount = t.amount, currency = currency }
        end
    end
    return nil
end

local function session_lines(session)
    local currency = upper(session.currency)
    local lines = {}
    for i, li in ipairs(session.line_items or {}) do
        local item = li.item or {}
        local sku = item.id or li.id
        local qty = li.quantity or item.quantity
        if type(sku) ~= "string" or math.type(qty) ~= "integer" then
            error(("checkout session %s: line item %d needs item.id and an integer quantity")
                :format(tostring(session.id), i))
        end
        local line = { sku = sku, quantity = qty, channel_line_id = li.id, title = li.name }
        if math.type(li.unit_amount) == "integer" and currency then
            line.price = { amount = li.unit_amount, currency = currency }
        end
        lines[#lines + 1] = line
    end
    return hub.array(lines)
end

function from_channel(kind, payload, ctx)
    if kind == "checkout.completed" then
        if payload.status ~= "completed" or type(payload.order) ~= "table" then
            error(("checkout session %s is not completed (status %s)")
                :format(tostring(payload.id), tostring(payload.status)))
        end
        local currency = upper(payload.currency)
        return { {
            type = "order.created",
            channel = ctx.channel,
            order_id = payload.order.id,
            order_name = payload.order.order_number,
            checkout_session_id = payload.id,
            currency = currency,
            total = total_of(payload.totals, currency),
            lines = session_lines(payload),
        } }
    elseif kind == "checkout.canceled" then
        if type(payload.order) == "table" and payload.order.id then
            return { { type = "order.cancelled", channel = ctx.channel, order_id = payload.order.id, restock = true } }
        end
        return {}
    elseif kind == "order" then
        local currency = upper(payload.currency)
        local lines = {}
        for i, l in ipairs(payload.lines or {}) do
            if type(l.sku) ~= "string" or math.type(l.quantity) ~= "integer" or l.quantity <= 0 then
                error(("chatgpt order %s: line %d needs a sku and a positive integer quantity")
                    :format(tostring(payload.order_id), i))
            end
            -- hold_id: the units were held by the cart; the core commits that hold
            local line = { sku = l.sku, quantity = l.quantity, hold_id = l.hold_id }
            if math.type(l.unit_amount) == "integer" and currency then
                line.price = { amount = l.unit_amount, currency = currency }
            end
            lines[#lines + 1] = line
        end
        local total
        if math.type(payload.total) == "integer" and currency then
            total = { amount = payload.total, currency = currency }
        end
        return { { type = "order.created", channel = ctx.channel, order_id = tostring(payload.order_id),
                   cart_id = payload.cart_id, currency = currency, total = total, lines = hub.array(lines) } }
    elseif kind == "order.cancelled" then
        return { { type = "order.cancelled", channel = ctx.channel, order_id = tostring(payload.order_id),
                   restock = true } }
    end
    return {}
end
