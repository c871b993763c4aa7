/* bridge.js - one small API for the hub's widgets over both hosts:
 *   ChatGPT Apps SDK: window.openai (toolOutput, toolResponseMetadata, callTool,
 *     widgetState/setWidgetState, sendFollowUpMessage, openExternal) and the
 *     "openai:set_globals" event;
 *   MCP Apps (io.modelcontextprotocol/ui): JSON-RPC over postMessage
 *     (ui/initialize, ui/notifications/tool-result, tools/call, ui/message).
 * Inlined into every template by widgets/embed.py: no external script. */
(function () {
  "use strict";
  var listeners = [];
  var data = { output: null, input: null, meta: null };
  var pending = {};
  var nextId = 1;
  var localState = null;

  function emit() {
    for (var i = 0; i < listeners.length; i++) {
      try { listeners[i](data.output, data.meta); } catch (e) { console.error(e); }
    }
  }
  function rpc(method, params) {
    return new Promise(function (resolve, reject) {
      var id = nextId++;
      pending[id] = { resolve: resolve, reject: reject };
      window.parent.postMessage({ jsonrpc: "2.0", id: id, method: method, params: params || {} }, "*");
    });
  }
  function takeResult(r) { /* a result the host pushes: render it */
    if (r && r.structuredContent) {
      data.output = r.structuredContent;
      data.meta = r._meta || data.meta;
      emit();
    }
    return r;
  }
  function asResult(r) { /* a result the widget asked for: the widget decides */
    if (r && r.result && !r.structuredContent && r.result.structuredContent) r = r.result;
    if (r && r.isError) {
      var t = (r.content && r.content[0] && r.content[0].text) || "the request failed";
      throw new Error(t);
    }
    return r || {};
  }
  window.addEventListener("message", function (ev) {
    var m = ev.data;
    if (!m || m.jsonrpc !== "2.0") return;
    if (m.id != null && pending[m.id] && (m.result !== undefined || m.error)) {
      var p = pending[m.id];
      delete pending[m.id];
      if (m.error) p.reject(new Error(m.error.message || "request failed"));
      else p.resolve(m.result);
      return;
    }
    if (m.method === "ui/notifications/tool-result") takeResult(m.params);
    else if (m.method === "ui/notifications/tool-input") data.input = (m.params && m.params.arguments) || null;
  });
  function sync() {
    var o = window.openai;
    if (!o) return;
    data.output = o.toolOutput || null;
    data.input = o.toolInput || null;
    data.meta = o.toolResponseMetadata || null;
    emit();
  }
  window.addEventListener("openai:set_globals", sync);

  function digits(currency) {
    try {
      return new Intl.NumberFormat("en", { style: "currency", currency: currency }).resolvedOptions().maximumFractionDigits;
    } catch (e) { return 2; }
  }

  var hub = {
    /* f(structuredContent, _meta) now (if there is data) and on every new result */
    onData: function (f) { listeners.push(f); if (data.output) f(data.output, data.meta); },
    input: function () { return data.input; },
    /* resolves to the CallToolResult ({structuredContent, content, _meta}); an
     * isError result rejects with the tool's text */
    callTool: function (name, args) {
      if (window.openai && window.openai.callTool) return window.openai.callTool(name, args || {}).then(asResult);
      return rpc("tools/call", { name: name, arguments: args || {} }).then(asResult);
    },
    /* show a result as if the host had pushed it */
    show: function (r) { return takeResult(r); },
    followUp: function (text) {
      if (window.openai && window.openai.sendFollowUpMessage) return window.openai.sendFollowUpMessage({ prompt: text });
      return rpc("ui/message", { role: "user", content: [{ type: "text", text: text }] });
    },
    getState: function () { return (window.openai && window.openai.widgetState) || localState || {}; },
    setState: function (s) {
      localState = s;
      if (window.openai && window.openai.setWidgetState) window.openai.setWidgetState(s);
    },
    openExternal: function (url) {
      if (window.openai && window.openai.openExternal) return window.openai.openExternal({ href: url });
      window.open(url, "_blank", "noopener");
    },
    /* integer minor units + ISO 4217 -> display text; arithmetic stays in integers */
    money: function (amount, currency) {
      if (amount && typeof amount === "object") { currency = amount.currency; amount = amount.amount; }
      if (typeof amount !== "number" || !currency) return "";
      var d = digits(currency), neg = amount < 0, a = Math.abs(amount), p = Math.pow(10, d);
      var whole = Math.floor(a / p), frac = String(a % p);
      while (frac.length < d) frac = "0" + frac;
      var n = Number(whole + (d ? "." + frac : ""));
      try {
        return (neg ? "-" : "") + new Intl.NumberFormat(undefined, { style: "currency", currency: currency }).format(n);
      } catch (e) { return (neg ? "-" : "") + currency + " " + whole + (d ? "." + frac : ""); }
    },
    esc: function (s) {
      return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
        return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
      });
    },
    $: function (sel) { return document.querySelector(sel); }
  };
  window.hub = hub;
  if (window.openai) sync();
  else if (window.parent && window.parent !== window) {
    rpc("ui/initialize", { protocolVersion: "2026-01-26", appInfo: { name: "hub-widgets", version: "1.0.0" },
                           appCapabilities: {} })
      .then(function () { window.parent.postMessage({ jsonrpc: "2.0", method: "ui/notifications/initialized", params: {} }, "*"); },
            function () {});
  }
})();
