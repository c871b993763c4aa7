-- allocate_share.lua - example rule: each channel may show a share of the free stock.
--
-- free = on_hand - reserved - buffer; a channel listed in SHARE_PERCENT gets
-- that percentage of it (rounded down, integers only), others get all of it.
-- Low stock goes to the channels with a full share: below LOW_STOCK units the
-- shared channels show nothing, so the last units are not oversold on the
-- slowest-to-update channel.

local SHARE_PERCENT = {
    amazon = 50,
    tiktok = 30,
}
local LOW_STOCK = 3

function allocate(sku, stock, channel, ctx)
    local buffer = math.tointeger(ctx.buffer) or 0
    local free = math.max(0, (stock.on_hand or 0) - (stock.reserved or 0) - buffer)
    local pct = SHARE_PERCENT[channel]
    if pct == nil then
        return free
    end
    if free < LOW_STOCK then
        return 0
    end
    return free * pct // 100
end
