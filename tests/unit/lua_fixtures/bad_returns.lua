-- Fixture: wrong return shapes, chosen by the input.
local results = {
    STRING = function() return "a listing" end,
    NIL = function() return nil end,
    NUMBER = function() return 42 end,
    ARRAY = function() return { 1, 2, 3 } end,
    FUNCTION_FIELD = function() return { f = function() end } end,
    NAN = function() return { x = 0 / 0 } end,
    CYCLE = function() local t = {} t.self = t return t end,
    BAD_KEY = function() return { [true] = 1 } end,
    MIXED = function() return { 1, 2, x = 3 } end,
    BAD_UTF8 = function() return { s = "\xff\xfe" } end,
    DEEP = function()
        local t = {}
        local cur = t
        for _ = 1, 100 do cur.next = {} cur = cur.next end
        return t
    end,
}

function to_channel(product, variant, stock, ctx)
    local f = results[variant.sku]
    if f then return f() end
    return { sku = variant.sku }
end

function from_channel(kind, payload, ctx)
    if kind == "string" then return "events" end
    if kind == "nil" then return nil end
    if kind == "object" then return { type = "order.created" } end
    if kind == "no_type" then return { { type = "order.created", order_id = "1" }, { order_id = "2" } } end
    if kind == "number_type" then return { { type = 7 } } end
    if kind == "not_table" then return { "order.created" } end
    if kind == "good" then
        return { { type = "order.created", channel = ctx.channel, order_id = payload.id, lines = {} } }
    end
    return {}
end

function allocate(sku, stock, channel, ctx)
    if sku == "FLOAT" then return 3.5 end
    if sku == "WHOLE_FLOAT" then return 3.0 end
    if sku == "STRING" then return "5" end
    if sku == "NEGATIVE" then return -1 end
    if sku == "NIL" then return nil end
    if sku == "TABLE" then return {} end
    return math.max(0, stock.on_hand - stock.reserved - (ctx.buffer or 0))
end
