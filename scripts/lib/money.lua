-- lib/money.lua - exact money helpers: integer minor units <-> decimal strings.
--
-- Money in hub is an integer count of minor units plus an ISO 4217 code
-- ({amount = 8999, currency = "EUR"} is 89.99 EUR).  Channels want decimal
-- strings ("89.99"); these helpers convert both ways without ever going
-- through a float, so nothing is lost or rounded.
--
--   local money = require("lib.money")
--   money.format(8999, "EUR")          --> "89.99"
--   money.format(8999, "JPY")          --> "8999"
--   money.format(1234, "KWD")          --> "1.234"
--   money.parse("89.99", "EUR")        --> 8999
--   money.parse("1.5", "KWD")          --> 1500
--   money.decimals("JPY")              --> 0
--   money.format_code(8999, "EUR")     --> "89.99 EUR"
--   money.to_float(8999, "EUR")        --> 89.99 (a float: only for APIs that demand a number)
--
-- Every function raises a clear error on bad input (unknown currency, a
-- float amount, more decimals than the currency has, ...).

local M = {}

-- ISO 4217 minor units (active currencies; the same table as core/config/currency.c).
local DECIMALS = {}
for code in ("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF"):gmatch("%u%u%u") do
    DECIMALS[code] = 0
end
for code in ("BHD IQD JOD KWD LYD OMR TND"):gmatch("%u%u%u") do
    DECIMALS[code] = 3
end
for code in ([[AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
    GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD
    LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN
    PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL
    THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG]]):gmatch("%u%u%u") do
    DECIMALS[code] = 2
end

local POW10 = { [0] = 1, 10, 100, 1000, 10000 }
local FORMATS = { "%s%d.%01d", "%s%d.%02d", "%s%d.%03d", "%s%d.%04d" }

local function check_currency(currency, fn)
    local d = DECIMALS[currency]
    if d ~= nil then
        return d
    end
    if type(currency) ~= "string" then
        error(("money.%s: currency must be a string like \"EUR\", got %s"):format(fn, type(currency)), 3)
    end
    d = DECIMALS[currency:upper()]
    if d == nil then
        error(("money.%s: unknown currency '%s' (not an ISO 4217 code)"):format(fn, currency), 3)
    end
    return d
end

--- Number of decimals of `currency` ("EUR" -> 2, "JPY" -> 0, "KWD" -> 3).
function M.decimals(currency)
    return check_currency(currency, "decimals")
end

--- Is `currency` a known ISO 4217 code?
function M.known(currency)
    return DECIMALS[currency] ~= nil or (type(currency) == "string" and DECIMALS[currency:upper()] ~= nil)
end

--- Integer minor units -> exact decimal string ("-0.05", "8999", "1.234").
function M.format(amount, currency)
    local d = check_currency(currency, "format")
    if math.type(amount) ~= "integer" then
        error(("money.format: amount must be an integer count of minor units, got %s (%s)")
            :format(math.type(amount) or type(amount), tostring(amount)), 2)
    end
    if amount == math.mininteger then
        error("money.format: amount out of range", 2)
    end
    if d == 0 then
        return ("%d"):format(amount)
    end
    local sign = ""
    if amount < 0 then
        sign, amount = "-", -amount
    end
    local p = POW10[d]
    return FORMATS[d]:format(sign, amount // p, amount % p)
end

--- "89.99 EUR" (the flat product-feed style).
function M.format_code(amount, currency)
    return M.format(amount, currency) .. " " .. currency:upper()
end

--- Exact decimal string -> integer minor units.  Accepts "89.99", "89.9",
--- "89", "-1.50", "+2", surrounding spaces, and trailing zeros beyond the
--- currency's decimals ("89.990").  Refuses exponents, thousands
--- separators, and digits that would be lost ("89.999" in EUR).
function M.parse(text, currency)
    local d = check_currency(currency, "parse")
    if math.type(text) == "integer" then
        return text * POW10[d]
    end
    if type(text) ~= "string" then
        error(("money.parse: expected a decimal string, got %s (%s)")
            :format(math.type(text) or type(text), tostring(text)), 2)
    end
    local sign, int, frac = text:match("^%s*([+-]?)(%d+)%.?(%d*)%s*$")
    if not int or (frac == "" and text:find("%.%s*$")) then
        error(("money.parse: '%s' is not a decimal amount"):format(text), 2)
    end
    local extra = frac:sub(d + 1)
    if extra:find("[1-9]") then
        error(("money.parse: '%s' has more than %d decimals for %s"):format(text, d, currency:upper()), 2)
    end
    frac = frac:sub(1, d)
    frac = frac .. ("0"):rep(d - #frac)
    local digits = (int .. frac):gsub("^0+(%d)", "%1")
    if #digits > 19 or (#digits == 19 and digits > "9223372036854775807") then
        error(("money.parse: '%s' is too large"):format(text), 2)
    end
    local v = math.tointeger(tonumber(digits))
    if sign == "-" then
        v = -v
    end
    return v
end

--- Like parse, but returns nil and the message instead of raising.
function M.try_parse(text, currency)
    local ok, v = pcall(M.parse, text, currency)
    if ok then
        return v
    end
    return nil, v
end

--- A float approximation (amount / 10^decimals) for the few APIs that take
--- a JSON number for a price (Amazon's list_price / our_price).  Serialise
--- it with at most 15 significant digits (jansson JSON_REAL_PRECISION(15))
--- so 89.99 is written as 89.99.
function M.to_float(amount, currency)
    local d = check_currency(currency, "to_float")
    if math.type(amount) ~= "integer" then
        error("money.to_float: amount must be an integer count of minor units", 2)
    end
    return amount / POW10[d]
end

--- Validate a canonical money table {amount = <integer>, currency = "EUR"}.
--- Returns it, or raises naming `what`.
function M.check(m, what)
    what = what or "money"
    if type(m) ~= "table" then
        error(("%s: expected {amount, currency}, got %s"):format(what, type(m)), 2)
    end
    if math.type(m.amount) ~= "integer" then
        error(("%s.amount must be an integer (minor units), got %s"):format(what, tostring(m.amount)), 2)
    end
    if not M.known(m.currency) then
        error(("%s.currency '%s' is not an ISO 4217 code"):format(what, tostring(m.currency)), 2)
    end
    return m
end

return M
