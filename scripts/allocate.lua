-- allocate.lua - the default allocation rule, as Lua, for tenants to copy.
--
-- allocate(sku, stock, channel, ctx) -> integer >= 0: how many units of `sku`
-- the channel may show.  stock = {on_hand, reserved, available}; ctx.buffer is
-- the safety buffer configured for the tenant/channel.  The core never shows
-- more than on_hand - reserved whatever the rule returns.
--
-- Point a tenant at a copy with `allocation = scripts/my_rule.lua` in the
-- [tenant] section of its conf.d file; see allocate_share.lua for a rule that
-- splits stock between channels.

function allocate(sku, stock, channel, ctx)
    local buffer = math.tointeger(ctx.buffer) or 0
    local free = (stock.on_hand or 0) - (stock.reserved or 0) - buffer
    return math.max(0, free)
end
