-- lib/util.lua - small table and string helpers for mapping scripts.
--
--   local util = require("lib.util")
--   util.copy(t)                 shallow copy (keeps the hub.array mark)
--   util.deep_copy(t)            recursive copy (tables only; no cycles)
--   util.merge(a, b, ...)        new table: keys of a, then b, ... (later wins)
--   util.keys(t)                 sorted array of t's keys
--   util.map(arr, f)             new array {f(v, i)...}
--   util.filter(arr, f)          new array of the v where f(v, i) is true
--   util.contains(arr, v)        true if v is an element of arr
--   util.get(t, "a.b.c")         nested field or nil (never raises on a missing level)
--   util.is_empty(v)             nil, "", or a table with no entries
--   util.trim(s)                 without surrounding white space
--   util.split(s, sep)           array of the pieces between plain-text separators
--   util.starts_with(s, p) / util.ends_with(s, p)
--   util.slug(s)                 "Classic Tee / Red" -> "classic-tee-red"
--   util.capitalize(s)           "size" -> "Size"
--   util.truncate(s, n)          at most n characters (UTF-8 aware)
--   util.array(t)                mark t (default {}) as a JSON array, so {} goes out as []
--
-- Input tables are shared within a batch: copy before you modify.

local M = {}

function M.copy(t)
    local r = {}
    for k, v in pairs(t) do
        r[k] = v
    end
    if hub.is_array(t) then
        hub.array(r)
    end
    return r
end

function M.deep_copy(t, depth)
    depth = depth or 0
    if depth > 32 then
        error("util.deep_copy: nested deeper than 32 levels (a cycle?)", 2)
    end
    if type(t) ~= "table" then
        return t
    end
    local r = {}
    for k, v in pairs(t) do
        r[k] = M.deep_copy(v, depth + 1)
    end
    if hub.is_array(t) then
        hub.array(r)
    end
    return r
end

function M.merge(...)
    local r = {}
    for i = 1, select("#", ...) do
        local t = select(i, ...)
        if t ~= nil then
            for k, v in pairs(t) do
                r[k] = v
            end
        end
    end
    return r
end

function M.keys(t)
    local r = {}
    for k in pairs(t) do
        r[#r + 1] = k
    end
    table.sort(r, function(a, b)
        return tostring(a) < tostring(b)
    end)
    return hub.array(r)
end

function M.map(arr, f)
    local r = {}
    for i, v in ipairs(arr or {}) do
        r[i] = f(v, i)
    end
    return hub.array(r)
end

function M.filter(arr, f)
    local r = {}
    for i, v in ipairs(arr or {}) do
        if f(v, i) then
            r[#r + 1] = v
        end
    end
    return hub.array(r)
end

function M.contains(arr, x)
    for _, v in ipairs(arr or {}) do
        if v == x then
            return true
        end
    end
    return false
end

function M.get(t, path)
    local cur = t
    for part in path:gmatch("[^%.]+") do
        if type(cur) ~= "table" then
            return nil
        end
        local n = math.tointeger(tonumber(part))
        if n and cur[n] ~= nil then
            cur = cur[n]
        else
            cur = cur[part]
        end
    end
    return cur
end

function M.is_empty(v)
    if v == nil or v == "" or v == hub.null then
        return true
    end
    return type(v) == "table" and next(v) == nil
end

function M.trim(s)
    if s == nil then
        return nil
    end
    return (tostring(s):gsub("^%s+", ""):gsub("%s+$", ""))
end

function M.split(s, sep)
    local r, start = {}, 1
    if sep == nil or sep == "" then
        error("util.split: empty separator", 2)
    end
    while true do
        local i, j = s:find(sep, start, true)
        if not i then
            r[#r + 1] = s:sub(start)
            break
        end
        r[#r + 1] = s:sub(start, i - 1)
        start = j + 1
    end
    return hub.array(r)
end

function M.starts_with(s, prefix)
    return s:sub(1, #prefix) == prefix
end

function M.ends_with(s, suffix)
    return suffix == "" or s:sub(-#suffix) == suffix
end

function M.slug(s)
    s = tostring(s):lower():gsub("[^%w]+", "-"):gsub("^%-+", ""):gsub("%-+$", "")
    return s
end

function M.capitalize(s)
    return (tostring(s):gsub("^%l", string.upper))
end

function M.truncate(s, n)
    if s == nil then
        return nil
    end
    if utf8.len(s) == nil or utf8.len(s) <= n then
        return s
    end
    return s:sub(1, utf8.offset(s, n + 1) - 1)
end

function M.array(t)
    return hub.array(t or {})
end

return M
