-- Fixture: exposes lib/money.lua and lib/util.lua to the C tests through to_channel.
-- variant = {op = "format"|"parse"|"decimals"|"roundtrip"|"util", args = [...]}
local money = require("lib.money")
local util = require("lib.util")

local ops = {}

function ops.format(a) return { r = money.format(a[1], a[2]) } end
function ops.format_code(a) return { r = money.format_code(a[1], a[2]) } end
function ops.parse(a) return { r = money.parse(a[1], a[2]) } end
function ops.decimals(a) return { r = money.decimals(a[1]) } end
function ops.try_parse(a)
    local v, err = money.try_parse(a[1], a[2])
    return { r = v, err = err }
end

-- parse(format(x)) == x over many amounts and currencies of 0, 2 and 3 decimals
function ops.roundtrip()
    local checked, bad = 0, hub.array()
    local amounts = { 0, 1, -1, 5, 9, 10, 99, 100, 101, 999, 1000, 8999, -8999, 123456789, math.maxinteger }
    for i = 1, 200 do amounts[#amounts + 1] = i * 7919 - 500000 end
    for _, c in ipairs({ "EUR", "JPY", "KWD", "USD", "BHD", "CLP" }) do
        for _, a in ipairs(amounts) do
            local s = money.format(a, c)
            local back = money.parse(s, c)
            checked = checked + 1
            if back ~= a or math.type(back) ~= "integer" then
                bad[#bad + 1] = c .. " " .. tostring(a) .. " -> " .. s .. " -> " .. tostring(back)
            end
        end
    end
    return { checked = checked, bad = bad }
end

function ops.util()
    local t = { a = 1, b = { c = 2 } }
    local c = util.copy(t)
    local d = util.deep_copy(t)
    return {
        copy_is_new = c ~= t and c.b == t.b,
        deep_is_deep = d.b ~= t.b and d.b.c == 2,
        merge = util.merge({ a = 1, b = 1 }, { b = 2 }, nil, { c = 3 }),
        keys = util.keys({ z = 1, a = 2, m = 3 }),
        map = util.map({ 1, 2, 3 }, function(v) return v * 10 end),
        filter = util.filter({ 1, 2, 3, 4 }, function(v) return v % 2 == 0 end),
        empty_filter = util.filter({ 1 }, function() return false end),
        contains = util.contains({ "a", "b" }, "b"),
        get = util.get({ a = { b = { { c = "deep" } } } }, "a.b.1.c"),
        get_missing = util.get({ a = 1 }, "a.b.c") == nil,
        trim = util.trim("  x y \n"),
        split = util.split("a,b,,c", ","),
        starts = util.starts_with("gid://shopify/Order/1", "gid://"),
        ends = util.ends_with("file.lua", ".lua"),
        slug = util.slug("  Classic Tee / Red!  "),
        capitalize = util.capitalize("size"),
        truncate = util.truncate("日本語テキスト", 3),
        is_empty = util.is_empty({}) and util.is_empty("") and util.is_empty(nil) and not util.is_empty({ 1 }),
    }
end

function to_channel(product, variant, stock, ctx)
    local op = ops[variant.op or "none"]
    if not op then
        return { sku = variant.sku }
    end
    return op(variant.args or {})
end
