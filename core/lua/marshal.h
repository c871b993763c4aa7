/*
 * marshal.h - JSON (jansson) <-> Lua values (internal to core/lua).
 *
 * JSON -> Lua: objects become tables (null members are left out, so
 * `p.barcode == nil`), arrays become sequences marked with the hub.array
 * metatable (so an empty array goes back out as []), null inside an array
 * becomes hub.null, integers stay integers, reals stay floats.
 *
 * Lua -> JSON: a table marked with hub.array, or whose keys are exactly
 * 1..n (n >= 1), is an array; any other table is an object and must have
 * string keys only; an empty unmarked table is {}; hub.null is null;
 * integers -> json_integer; floats -> json_real (NaN/inf refused).  Depth is
 * limited and cycles are refused.  Strings must be valid UTF-8.
 *
 * Both directions raise Lua errors, so call them inside a protected call.
 */
#ifndef HUB_LUA_MARSHAL_H
#define HUB_LUA_MARSHAL_H

#include <jansson.h>
#include <lua.h>

#define MAPPING_JSON_MAX_DEPTH 64

/* Push `j` as a Lua value.  Raises on memory or depth. */
void mapping_json_push(lua_State *L, const json_t *j);

/* Convert the value at `idx` to JSON.  The result is stored in *root as
 * soon as it exists (containers before they are filled), so if this raises
 * the caller must json_decref(*root) after the protected call returns.
 * `what` prefixes error messages ("to_channel result"). */
void mapping_json_from_lua(lua_State *L, int idx, json_t **root, const char *what);

#endif /* HUB_LUA_MARSHAL_H */
