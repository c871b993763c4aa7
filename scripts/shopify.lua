-- shopify.lua - canonical catalog <-> Shopify Admin API (GraphQL 2026-04).
--
-- to_channel: one SKU as a ProductSetInput (the productSet mutation's input)
-- holding just this variant; the plugin merges the variants of one product
-- (same handle) into one productSet call.  Prices are decimal strings in
-- the variant's currency ("89.99"; JPY "1200"), quantities are not part of
-- the listing (stock goes through inventorySetQuantities).
--
-- from_channel kinds:
--   "orders/create"    webhook body (REST Order)        -> order.created
--   "orders/cancelled" webhook body                      -> order.cancelled
--   "orders/updated"   webhook body                      -> order.cancelled if cancelled, else nothing
--   "refunds/create"   webhook body (Refund)             -> stock.receive per line restocked as a
--                      return (restock_type "return"/"legacy_restock"; "cancel" is covered
--                      by the order's cancellation)
--   "orders"           GraphQL orders page {data:{orders:{nodes}}} (poll)
--                      -> order.created per order (+ order.cancelled when cancelledAt)
--   "inventory_levels/update"  webhook body {inventory_item_id, location_id, available,
--                      updated_at} plus "sku" (and "hub_expected") added by the plugin,
--                      which calls this only when Shopify's number is a channel-side
--                      edit -> stock.drift {sku, quantity = available} (drift, not truth)
--   anything else (incl. "smoke")                       -> {} (no events)
-- GraphQL enum spellings (ORDERS_CREATE) are accepted too.  order_id is the
-- numeric tail of the order's global id, so webhooks and polls agree.
--
-- ctx (optional): option_names = {size = "Size", ...}, vendor (fallback brand).

local money = require("lib.money")
local util = require("lib.util")

local STATUS = { active = "ACTIVE", draft = "DRAFT", archived = "ARCHIVED" }
local ESCAPES = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;" }

-- (plain finds first: pattern scans cost a call per character)
local function html_escape(s)
    if s:find("&", 1, true) or s:find("<", 1, true) or s:find(">", 1, true) or s:find('"', 1, true) then
        s = s:gsub('[&<>"]', ESCAPES)
    end
    return s
end

local function is_space(b)
    return b == 32 or (b >= 9 and b <= 13)
end

local function trim(s)
    local i, j = 1, #s
    while i <= j and is_space(s:byte(i)) do i = i + 1 end
    while j >= i and is_space(s:byte(j)) do j = j - 1 end
    return s:sub(i, j)
end

-- Plain text -> simple HTML: paragraphs on blank lines, <br> on single newlines.
local function description_html(text)
    if text == nil or text == "" then
        return nil
    end
    local parts, start = {}, 1
    while start <= #text do
        local i = text:find("\n\n", start, true)
        local para = trim(text:sub(start, (i or #text + 1) - 1))
        if para ~= "" then
            para = html_escape(para)
            if para:find("\n", 1, true) then
                para = para:gsub("\n", "<br>")
            end
            parts[#parts + 1] = "<p>" .. para .. "</p>"
        end
        if not i then
            break
        end
        start = i + 2
    end
    return table.concat(parts)
end

local function option_label(name, ctx)
    local names = ctx.option_names
    if type(names) == "table" and type(names[name]) == "string" then
        return names[name]
    end
    return util.capitalize(name)
end

-- What every variant of a product shares, computed once per product table:
-- consecutive variants of one product in a batch get the same product table
-- (inputs are read-only), so this weak-keyed cache saves the string work.
local per_product = setmetatable({}, { __mode = "k" })

local function product_part(product, ctx)
    local pp = per_product[product]
    if pp then
        return pp
    end
    local labels = {}
    for i, name in ipairs(product.options or {}) do
        labels[i] = option_label(name, ctx)
    end
    local files = {}
    for i, url in ipairs(product.images or {}) do
        files[i] = { originalSource = url, contentType = "IMAGE" }
    end
    pp = {
        handle = util.slug(product.id),
        status = STATUS[product.status or "active"] or "DRAFT",
        vendor = product.brand or ctx.vendor,
        description = description_html(product.description),
        tags = product.tags or util.array(),
        labels = labels,
        files = #files > 0 and files or nil,
    }
    per_product[product] = pp
    return pp
end

function to_channel(product, variant, stock, ctx)
    local price = money.check(variant.price, "variant.price")
    local pp = product_part(product, ctx)
    local option_values, options = {}, {}
    local c = variant.compare_at
    if c then
        money.check(c, "variant.compare_at")
    end
    local barcode = variant.barcode
    local inventory_item = { sku = variant.sku, tracked = true, measurement = nil }
    if math.type(variant.weight_g) == "integer" then
        inventory_item.measurement = { weight = { value = variant.weight_g, unit = "GRAMS" } }
    end
    -- every field in the constructor (nil ones too): the table is sized once
    local shop_variant = {
        sku = variant.sku,
        price = money.format(price.amount, price.currency),
        compareAtPrice = c and money.format(c.amount, c.currency) or nil,
        barcode = barcode ~= "" and barcode or nil,
        inventoryPolicy = "DENY",
        inventoryItem = inventory_item,
        optionValues = option_values,
    }

    -- Options in the product's declared order; the variant's value for each.
    local values = variant.options or {}
    for i, name in ipairs(product.options or {}) do
        local value = values[name]
        if value ~= nil then
            local label = pp.labels[i]
            value = tostring(value)
            options[#options + 1] = { name = label, position = i, values = { { name = value } } }
            option_values[#option_values + 1] = { optionName = label, name = value }
        end
    end
    if #options == 0 then -- Shopify's implicit single option
        options[1] = { name = "Title", position = 1, values = { { name = "Default Title" } } }
        option_values[1] = { optionName = "Title", name = "Default Title" }
    end

    return {
        handle = pp.handle,
        title = product.title,
        status = pp.status,
        vendor = pp.vendor,
        productType = product.category,
        descriptionHtml = pp.description,
        tags = pp.tags,
        productOptions = options,
        variants = { shop_variant },
        files = pp.files,
    }
end

-- ------------------------------------------------------------------ orders

local function gid_tail(gid)
    return type(gid) == "string" and gid:match("^gid://shopify/%w+/(%d+)") or nil
end

local function order_id_of(o)
    local id = gid_tail(o.admin_graphql_api_id) or gid_tail(o.id)
    if id then
        return id
    end
    if math.type(o.id) == "integer" or type(o.id) == "string" then
        return tostring(o.id)
    end
    error("shopify order without an id")
end

-- REST webhook body (orders/create): snake_case, money as strings.
local function rest_lines(order)
    local lines = {}
    for i, li in ipairs(order.line_items or {}) do
        local qty = li.quantity
        if math.type(qty) ~= "integer" then
            error(("shopify order %s: line %d has no integer quantity"):format(order_id_of(order), i))
        end
        if qty > 0 then
            local line = {
                sku = li.sku or "", -- an empty SKU is recorded as an exception by the core
                quantity = qty,
                channel_line_id = li.admin_graphql_api_id and gid_tail(li.admin_graphql_api_id) or tostring(li.id),
                title = li.title,
            }
            local shop = li.price_set and li.price_set.shop_money
            if shop and shop.amount and shop.currency_code then
                line.price = { amount = money.parse(shop.amount, shop.currency_code), currency = shop.currency_code }
            elseif li.price and order.currency then
                line.price = { amount = money.parse(li.price, order.currency), currency = order.currency }
            end
            lines[#lines + 1] = line
        end
    end
    return hub.array(lines)
end

local function money_set(set, fallback_amount, fallback_currency)
    local shop = set and set.shop_money
    if shop and shop.amount and shop.currency_code then
        return { amount = money.parse(shop.amount, shop.currency_code), currency = shop.currency_code }
    end
    if fallback_amount and fallback_currency then
        return { amount = money.parse(fallback_amount, fallback_currency), currency = fallback_currency }
    end
    return nil
end

local function created_from_rest(order, ctx)
    return {
        type = "order.created",
        channel = ctx.channel,
        order_id = order_id_of(order),
        order_name = order.name,
        placed_at = order.created_at,
        currency = order.currency,
        total = money_set(order.total_price_set, order.total_price, order.currency),
        test = order.test == true or nil,
        lines = rest_lines(order),
    }
end

local function cancelled(order_id, ctx, reason, at)
    return {
        type = "order.cancelled",
        channel = ctx.channel,
        order_id = order_id,
        restock = true,
        reason = reason,
        cancelled_at = at,
    }
end

-- GraphQL node (poll): camelCase, money in *Set{shopMoney{amount currencyCode}}.
local function created_from_node(node, ctx)
    local lines = {}
    local items = node.lineItems and (node.lineItems.nodes or node.lineItems.edges) or {}
    for _, li in ipairs(items) do
        li = li.node or li
        local qty = li.currentQuantity or li.quantity
        if math.type(qty) == "integer" and qty > 0 then
            local line = { sku = li.sku or "", quantity = qty, channel_line_id = gid_tail(li.id), title = li.title }
            local m = li.originalUnitPriceSet and li.originalUnitPriceSet.shopMoney
            if m and m.amount and m.currencyCode then
                line.price = { amount = money.parse(m.amount, m.currencyCode), currency = m.currencyCode }
            end
            lines[#lines + 1] = line
        end
    end
    local total
    local t = node.totalPriceSet and node.totalPriceSet.shopMoney
    if t and t.amount and t.currencyCode then
        total = { amount = money.parse(t.amount, t.currencyCode), currency = t.currencyCode }
    end
    return {
        type = "order.created",
        channel = ctx.channel,
        order_id = order_id_of(node),
        order_name = node.name,
        placed_at = node.createdAt,
        currency = node.currencyCode,
        total = total,
        lines = hub.array(lines),
    }
end

-- A refund puts units back on the shelf only when they were returned.
-- restock_type "cancel" is left out: the order's cancellation (orders/cancelled
-- -> order.cancelled, restock = true) already gives those units back.
local RESTOCKED = { ["return"] = true, legacy_restock = true }

local function refund_events(refund, ctx)
    local events = {}
    local rid = gid_tail(refund.admin_graphql_api_id) or tostring(refund.id)
    for _, rli in ipairs(refund.refund_line_items or {}) do
        local sku = rli.line_item and rli.line_item.sku
        if RESTOCKED[rli.restock_type] and math.type(rli.quantity) == "integer" and rli.quantity > 0 then
            events[#events + 1] = {
                type = "stock.receive",
                sku = sku or "",
                quantity = rli.quantity,
                reason = ("shopify refund %s of order %s (%s)"):format(rid, tostring(refund.order_id), rli.restock_type),
            }
        end
    end
    return hub.array(events)
end

local function normalise_kind(kind)
    if kind:find("^ORDERS_") then
        return kind:lower():gsub("_", "/", 1)
    end
    return kind
end

function from_channel(kind, payload, ctx)
    kind = normalise_kind(kind)
    if kind == "orders/create" then
        return { created_from_rest(payload, ctx) }
    elseif kind == "orders/cancelled" then
        return { cancelled(order_id_of(payload), ctx, payload.cancel_reason, payload.cancelled_at) }
    elseif kind == "orders/updated" then
        if payload.cancelled_at then
            return { cancelled(order_id_of(payload), ctx, payload.cancel_reason, payload.cancelled_at) }
        end
        return {}
    elseif kind == "refunds/create" then
        return refund_events(payload, ctx)
    elseif kind == "inventory_levels/update" then
        if type(payload.sku) ~= "string" or math.type(payload.available) ~= "integer" then
            return {}
        end
        return { {
            type = "stock.drift",
            channel = ctx.channel,
            sku = payload.sku,
            quantity = payload.available,
            reason = ("changed in Shopify: available %d at location %s%s"):format(payload.available,
                tostring(payload.location_id), math.type(payload.hub_expected) == "integer"
                    and (", hub last pushed %d"):format(payload.hub_expected) or ""),
        } }
    elseif kind == "orders" then
        local page = payload.data and payload.data.orders or payload.orders or payload
        local nodes = page.nodes or page
        local events = {}
        for _, node in ipairs(nodes) do
            node = node.node or node
            events[#events + 1] = created_from_node(node, ctx)
            if node.cancelledAt then
                events[#events + 1] = cancelled(order_id_of(node), ctx, node.cancelReason, node.cancelledAt)
            end
        end
        return hub.array(events)
    end
    return {}
end
