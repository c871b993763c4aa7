-- Fixture: each SKU makes to_channel misbehave in one way; "OK" maps normally.
local money = require("lib.money")

local bad = {}

bad.LOOP = function()
    while true do end -- line 7
end

bad.PCALL_LOOP = function()
    while true do
        pcall(function() while true do end end)
    end
end

bad.MEM_STRING = function()
    return { s = string.rep("x", 64 * 1024 * 1024) }
end

bad.MEM_TABLE = function()
    local t = {}
    for i = 1, 100000000 do t[i] = { i } end
    return t
end

bad.MEM_CONCAT = function()
    local s = "x"
    while true do s = s .. s end
end

bad.OS = function() return { r = os.execute("id") } end
bad.IO = function() return { f = io.open("/etc/passwd") } end
bad.DEBUG = function() return { d = debug.getinfo(1) } end
bad.LOAD = function() return { f = load("return 1") } end
bad.LOADSTRING = function() return { f = loadstring("return 1") } end
bad.DOFILE = function() return { f = dofile("/etc/passwd") } end
bad.COLLECT = function() collectgarbage() return {} end
bad.DUMP = function() return { d = string.dump(to_channel) } end
bad.REQ_DOTDOT = function() return require("../x") end
bad.REQ_LIBDOTDOT = function() return require("lib/../../etc/passwd") end
bad.REQ_ABS = function() return require("/etc/passwd") end
bad.REQ_MISSING = function() return require("lib.nope") end
bad.REQ_UPPER = function() return require("lib.Money") end
bad.REQ_PLAIN = function() return require("money") end
bad.GLOBAL = function() leaked = 1 return {} end
bad.GLOBAL_FN = function() function helper() end return {} end
bad.OVERRIDE = function() tostring = nil return {} end
bad.RAWSET = function() rawset(_ENV, "x", 1) return {} end
bad.SETMT_ENV = function() setmetatable(_ENV, nil) return {} end
bad.STRMT_INDEX = function() getmetatable("").__index.upper = function() return "pwned" end return {} end
bad.STRMT_REPLACE = function() getmetatable("").__index = {} return {} end
bad.STRING_LIB = function() string.upper = nil return {} end
bad.MATH_LIB = function() math.floor = nil return {} end
bad.HUB_LIB = function() hub.null = 1 return {} end
bad.GC = function() setmetatable({}, { __gc = function() while true do end end }) return {} end
bad.COROUTINE = function() return { c = coroutine.create(function() end) } end
bad.PRINT = function() print("hello") return {} end
bad.ERROR_TABLE = function() error({ code = 1 }) end
bad.ERROR_NOPOS = function() error("plain message", 0) end
bad.RECURSE = function() local function f(n) return f(n + 1) + 1 end return { f(1) } end

function to_channel(product, variant, stock, ctx)
    local f = bad[variant.sku]
    if f then
        return f()
    end
    -- the normal path: also proves the libraries still work after the bad calls
    return {
        sku = variant.sku,
        upper = ("abc"):upper(),
        floor = math.floor(3.7),
        price = money.format(variant.price.amount, variant.price.currency),
        tostring_ok = tostring(1) == "1",
    }
end
