-- Fixture: hands its inputs back, and builds values of every kind in Lua.
local money = require("lib.money")
local util = require("lib.util")

function to_channel(product, variant, stock, ctx)
    if variant.sku == "BUILT" then
        return {
            int = 42,
            negative = -7,
            big = math.maxinteger,
            float = 1.5,
            whole_float = 2.0,
            integer_division = 7 // 2,
            float_division = 7 / 2,
            truth = true,
            lie = false,
            arr = { 1, "two", { three = 3 } },
            empty_object = {},
            empty_array = hub.array(),
            nulls = { 1, hub.null, 3 },
            null_field = hub.null,
            unicode = "Grüße, 日本, 👕",
            concat = product.title .. " / " .. variant.options.colour,
            money = money.format(variant.price.amount, variant.price.currency),
            copy = util.copy(variant.options),
            input_array_is_marked = hub.is_array(product.tags),
            type_of_amount = math.type(variant.price.amount),
            type_of_weight = math.type(variant.weight),
            null_member_is_nil = variant.barcode == nil,
            null_in_array_is_sentinel = product.tags[2] == hub.null,
        }
    end
    return { product = product, variant = variant, stock = stock, ctx = ctx }
end

function from_channel(kind, payload, ctx)
    if kind == "echo" then
        return { { type = "echo", payload = payload, kind = kind } }
    end
    return {}
end
