"""MCP transport and JSON-RPC rules of the ChatGPT channel, over plain HTTP,
for each revision it serves: 2025-06-18 and 2025-11-25 (legacy: initialize,
sessions) and 2026-07-28 (modern: server/discover, required headers).
Answers are validated against the revision's schema.json (Ajv)."""
import base64

import pytest

from mcp_helpers import (clean_exit, MODERN, Legacy, Raw, error_text, modern, result_of, rpc, sc, setup_shop,
                         validate_mcp)

LEGACY = ["2025-06-18", "2025-11-25"]
TOOLS = {"search_products", "get_product_details", "add_to_cart", "view_cart", "update_cart_item",
         "remove_from_cart", "apply_coupon", "start_checkout", "place_order", "get_order_status", "list_orders"}


@pytest.fixture
def shop(hub):
    setup_shop(hub)
    return hub


@pytest.mark.parametrize("version", LEGACY)
def test_legacy_handshake_tools_and_schemas(shop, version):
    s = Legacy(shop, version)
    assert s.init["protocolVersion"] == version
    assert "tools" in s.init["capabilities"] and "resources" in s.init["capabilities"]
    sid = s.session
    assert sid and len(sid) >= 32 and all(0x21 <= ord(c) <= 0x7e for c in sid)
    tools = s.call("tools/list")
    assert tools.status == 200
    listed = tools.json["result"]["tools"]
    assert {t["name"] for t in listed} == TOOLS
    by = {t["name"]: t for t in listed}
    for name in ("search_products", "get_product_details", "view_cart", "get_order_status", "list_orders"):
        assert by[name]["annotations"]["readOnlyHint"] is True, name
    assert by["place_order"]["annotations"]["destructiveHint"] is True
    assert by["place_order"]["annotations"]["idempotentHint"] is False
    assert by["add_to_cart"]["annotations"]["readOnlyHint"] is False
    for t in listed:
        assert t["inputSchema"]["type"] == "object" and t["outputSchema"]["type"] == "object"
    ping = s.call("ping")
    search = s.tool("search_products", {"query": "tee"})
    res = s.call("resources/list")
    errs = validate_mcp([(version, "InitializeResult", s.init),
                         (version, "ListToolsResult", tools.json["result"]),
                         (version, "JSONRPCResponse" if version != "2025-06-18" else "JSONRPCResponse", ping.json),
                         (version, "CallToolResult", search["result"]),
                         (version, "ListResourcesResult", res.json["result"])])
    assert errs == [[]] * 5, errs


def test_initialize_with_an_unknown_version_gets_the_newest(shop):
    r = Raw(shop).request(body=rpc("initialize", {"protocolVersion": "2024-01-01", "capabilities": {},
                                                  "clientInfo": {"name": "x", "version": "1"}}))
    assert r.status == 200
    assert r.json["result"]["protocolVersion"] == "2025-11-25"


@pytest.mark.parametrize("version", LEGACY)
def test_legacy_session_rules(shop, version):
    s = Legacy(shop, version)
    raw = s.raw
    # no session id on a post-initialize request: 400; an unknown one: 404
    r = raw.request(body=rpc("tools/list", id=5), headers={"MCP-Protocol-Version": version})
    assert r.status == 400
    r = raw.request(body=rpc("tools/list", id=5), headers={"MCP-Protocol-Version": version,
                                                           "Mcp-Session-Id": "mcp-" + "0" * 48})
    assert r.status == 404
    # a version the server does not speak: 400; another legacy version than the session's: 400
    r = raw.request(body=rpc("tools/list", id=5), headers=s.headers(**{"MCP-Protocol-Version": "1999-01-01"}))
    assert r.status == 400 and r.json["error"]["code"] == -32022
    assert set(r.json["error"]["data"]["supported"]) == {"2025-06-18", "2025-11-25", MODERN}
    other = "2025-06-18" if version == "2025-11-25" else "2025-11-25"
    r = raw.request(body=rpc("tools/list", id=5), headers=s.headers(**{"MCP-Protocol-Version": other}))
    assert r.status == 400
    # without the version header the session's version applies
    r = raw.request(body=rpc("tools/list", id=5), headers=s.headers(**{"MCP-Protocol-Version": None}))
    assert r.status == 200 and r.json["result"]["tools"]
    # DELETE ends the session; afterwards 404 (the client initializes again)
    assert raw.request("DELETE", headers={"Mcp-Session-Id": None}).status == 400
    assert raw.request("DELETE", headers=s.headers()).status == 200
    assert raw.request(body=rpc("tools/list", id=6), headers=s.headers()).status == 404
    assert raw.request("DELETE", headers=s.headers()).status == 404


def test_get_is_405_never_404_and_other_methods_too(shop):
    raw = Raw(shop)
    r = raw.request("GET", headers={"Accept": "text/event-stream"})
    assert r.status == 405 and "POST" in r.getheader("Allow")
    assert raw.request("PUT", body="{}").status == 405
    r = raw.request("GET", headers={"Accept": "text/event-stream", "MCP-Protocol-Version": MODERN})
    assert r.status == 405


def test_origin_allow_list(shop):
    raw = Raw(shop)
    init = rpc("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                              "clientInfo": {"name": "x", "version": "1"}})
    r = raw.request(body=init, headers={"Origin": "https://evil.example"})
    assert r.status == 403
    assert r.getheader("Mcp-Session-Id") is None
    assert raw.request(body=init, headers={"Origin": "https://chatgpt.com"}).status == 200
    assert raw.request(body=init).status == 200  # no Origin: not a browser
    s = Legacy(shop)
    r = raw.request(body=rpc("tools/list", id=3), headers=s.headers(Origin="http://localhost.evil"))
    assert r.status == 403
    assert modern(raw, "server/discover", headers={"Origin": "https://evil.example"}).status == 403


def test_accept_picks_json_or_sse_and_refuses_neither(shop):
    s = Legacy(shop)
    sse = s.raw.request(body=rpc("tools/list", id=9), headers=s.headers(Accept="text/event-stream"))
    assert sse.status == 200 and sse.getheader("Content-Type").startswith("text/event-stream")
    assert sse.body.startswith(b"event: message\ndata: ")
    assert sse.json["id"] == 9 and len(sse.json["result"]["tools"]) == len(TOOLS)
    js = s.raw.request(body=rpc("tools/list", id=10), headers=s.headers(Accept="application/json"))
    assert js.getheader("Content-Type").startswith("application/json") and js.json["id"] == 10
    r = s.raw.request(body=rpc("tools/list", id=11), headers=s.headers(Accept="text/plain"))
    assert r.status == 406
    r = s.raw.request(body=rpc("tools/list", id=11), headers=s.headers(**{"Content-Type": "text/plain"}))
    assert r.status == 415
    # an SSE tool call carries the whole result in one event
    call = s.raw.request(body=rpc("tools/call", {"name": "search_products", "arguments": {"query": "boot"}}, 12),
                         headers=s.headers(Accept="text/event-stream"))
    assert call.status == 200 and call.json["result"]["structuredContent"]["total"] == 1


def test_notifications_and_responses_get_202_empty(shop):
    s = Legacy(shop)
    for msg in (rpc("notifications/initialized", id=None), rpc("notifications/cancelled", {"requestId": 1}, None),
                {"jsonrpc": "2.0", "id": 77, "result": {}}):
        r = s.raw.request(body=msg, headers=s.headers())
        assert r.status == 202 and r.body == b"", msg


@pytest.mark.parametrize("body,code", [
    (b'{"jsonrpc":"2.0","id":1,"method":"tools/list"', -32700),
    (b"not json at all", -32700),
    (b'{"foo":1}', -32600),
    (b"[]", -32600),
    (b'[{"jsonrpc":"2.0","id":1,"method":"ping"}]', -32600),
    (b"42", -32600),
    (b'{"jsonrpc":"1.0","id":1,"method":"ping"}', -32600),
    (b'{"jsonrpc":"2.0","id":null,"method":"ping"}', -32600),
    (b'{"jsonrpc":"2.0","id":1.5,"method":"ping"}', -32600),
    (b'{"jsonrpc":"2.0","id":1,"method":7}', -32600),
    (b'{"jsonrpc":"2.0","id":1,"method":"ping","params":[1,2]}', -32600),
])
def test_jsonrpc_framing_errors(shop, body, code):
    s = Legacy(shop)
    r = s.raw.request(body=body, headers=s.headers())
    assert r.status == 400
    assert r.json["jsonrpc"] == "2.0" and r.json["error"]["code"] == code
    assert isinstance(r.json["error"]["message"], str) and r.json["error"]["message"]
    assert validate_mcp([("2025-11-25", "JSONRPCErrorResponse", r.json)]) == [[]]


def test_method_and_params_errors_legacy(shop):
    s = Legacy(shop)
    r = s.call("no/such/method")
    assert r.status == 200 and r.json["error"]["code"] == -32601
    r = s.call("tools/call", {"name": "no_such_tool", "arguments": {}})
    assert r.json["error"]["code"] == -32602 and "no_such_tool" in r.json["error"]["message"]
    r = s.call("tools/call", {"arguments": {}})
    assert r.json["error"]["code"] == -32602
    r = s.call("tools/call", {"name": "add_to_cart", "arguments": {"sku": "TEE-M-RED", "quantity": "2"}})
    assert r.json["error"]["code"] == -32602 and "quantity" in r.json["error"]["message"]
    r = s.call("tools/call", {"name": "add_to_cart", "arguments": {"sku": "TEE-M-RED"}})
    assert r.json["error"]["code"] == -32602 and "quantity" in r.json["error"]["message"]
    r = s.call("tools/call", {"name": "search_products", "arguments": {"colour": "red", "bogus": 1}})
    assert r.json["error"]["code"] == -32602 and "bogus" in r.json["error"]["message"]
    r = s.call("tools/call", {"name": "search_products", "arguments": {"limit": 500}})
    assert r.json["error"]["code"] == -32602
    r = s.call("tools/call", {"name": "search_products", "arguments": {"cursor": "garbage"}})
    assert r.json["error"]["code"] == -32602
    r = s.call("tools/call", {"name": "view_cart", "arguments": []})
    assert r.json["error"]["code"] == -32602
    r = s.call("resources/read", {"uri": "ui://widget/no-such.html"})
    assert r.json["error"]["code"] == -32002
    r = s.call("initialize", {"capabilities": {}})
    assert r.json["error"]["code"] == -32602
    errs = validate_mcp([("2025-11-25", "JSONRPCErrorResponse", r.json)])
    assert errs == [[]]


def test_modern_discover_and_results(shop):
    raw = Raw(shop)
    d = modern(raw, "server/discover")
    assert d.status == 200 and d.getheader("Mcp-Session-Id") is None
    res = d.json["result"]
    assert set(res["supportedVersions"]) == {"2025-06-18", "2025-11-25", MODERN}
    assert res["resultType"] == "complete" and res["ttlMs"] >= 0 and res["cacheScope"] in ("public", "private")
    assert res["_meta"]["io.modelcontextprotocol/serverInfo"]["name"]
    tl = modern(raw, "tools/list")
    assert tl.status == 200 and tl.json["result"]["resultType"] == "complete"
    assert "ttlMs" in tl.json["result"] and "cacheScope" in tl.json["result"]
    call = modern(raw, "tools/call", {"name": "search_products", "arguments": {"brand": "Nordkap"}})
    assert call.status == 200 and call.json["result"]["resultType"] == "complete"
    assert call.json["result"]["structuredContent"]["total"] == 1
    rl = modern(raw, "resources/list")
    ping = modern(raw, "ping")
    errs = validate_mcp([(MODERN, "DiscoverResult", res), (MODERN, "ListToolsResult", tl.json["result"]),
                         (MODERN, "CallToolResult", call.json["result"]),
                         (MODERN, "ListResourcesResult", rl.json["result"]),
                         (MODERN, "DiscoverResultResponse", d.json),
                         (MODERN, "Result", ping.json["result"])])
    assert errs == [[]] * 6, errs
    # sessions are ignored, never minted
    r = modern(raw, "tools/list", headers={"Mcp-Session-Id": "whatever"})
    assert r.status == 200 and r.getheader("Mcp-Session-Id") is None
    # a non-ASCII-safe name travels base64-encoded
    enc = "=?base64?" + base64.b64encode(b"search_products").decode() + "?="
    r = modern(raw, "tools/call", {"name": "search_products", "arguments": {}}, name_header=enc)
    assert r.status == 200 and "result" in r.json


@pytest.mark.parametrize("case", ["no_method_header", "wrong_method_header", "no_name", "wrong_name",
                                  "meta_version_differs", "no_meta_version", "header_missing"])
def test_modern_header_mismatch_is_32020(shop, case):
    raw = Raw(shop)
    p = {"name": "search_products", "arguments": {}}
    kw = {}
    if case == "no_method_header":
        kw["headers"] = {"Mcp-Method": None}
    elif case == "wrong_method_header":
        kw["headers"] = {"Mcp-Method": "tools/list"}
    elif case == "no_name":
        kw["headers"] = {"Mcp-Name": None}
        kw["name_header"] = ""
    elif case == "wrong_name":
        kw["name_header"] = "view_cart"
    elif case == "meta_version_differs":
        kw["meta_version"] = "2025-11-25"
    elif case == "no_meta_version":
        kw["meta_version"] = None
    elif case == "header_missing":
        kw["headers"] = {"MCP-Protocol-Version": None}
    r = modern(raw, "tools/call", p, **kw)
    assert r.status == 400, r.body
    assert r.json["error"]["code"] == -32020, r.json
    assert validate_mcp([(MODERN, "HeaderMismatchError", r.json)]) == [[]]


def test_modern_unsupported_version_unknown_method_and_not_found(shop):
    raw = Raw(shop)
    r = modern(raw, "server/discover", headers={"MCP-Protocol-Version": "2099-01-01"}, meta_version="2099-01-01")
    assert r.status == 400 and r.json["error"]["code"] == -32022
    assert r.json["error"]["data"]["requested"] == "2099-01-01"
    assert MODERN in r.json["error"]["data"]["supported"]
    u = modern(raw, "prompts/list")
    assert u.status == 404 and u.json["error"]["code"] == -32601
    i = modern(raw, "initialize", {"protocolVersion": MODERN, "capabilities": {}, "clientInfo": {"name": "x", "version": "1"}})
    assert i.status == 404 and i.json["error"]["code"] == -32601
    nf = modern(raw, "resources/read", {"uri": "ui://nothing/here"})
    assert nf.json["error"]["code"] == -32602
    t = modern(raw, "tools/call", {"name": "nope", "arguments": {}})
    assert t.json["error"]["code"] == -32602
    assert raw.request("DELETE", headers={"MCP-Protocol-Version": MODERN}).status == 405
    errs = validate_mcp([(MODERN, "UnsupportedProtocolVersionError", r.json),
                         (MODERN, "JSONRPCErrorResponse", u.json), (MODERN, "JSONRPCErrorResponse", nf.json)])
    assert errs == [[]] * 3, errs


def test_business_errors_are_tool_results_not_protocol_errors(shop):
    s = Legacy(shop)
    assert "unknown variant" in error_text(s.tool("add_to_cart", {"sku": "NO-SUCH", "quantity": 1}))
    r = result_of(s.tool("add_to_cart", {"sku": "BOOT-43", "quantity": 1}))
    assert r["isError"] is True and "0 available" in r["content"][0]["text"]
    assert sc(s.tool("search_products", {"query": "hiker"}))["total"] == 1
