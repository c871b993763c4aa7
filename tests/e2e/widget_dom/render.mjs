// render.mjs - render one ChatGPT widget template in jsdom, as ChatGPT would:
// window.openai carries toolOutput/toolInput/widgetState, and callTool really
// calls the hub's MCP endpoint (tools/call on an existing legacy session).
// Then run steps (clicks, inputs) and report what the widget showed and did.
//
//   node render.mjs < {"html", "openai": {toolOutput, toolInput, toolResponseMetadata, widgetState},
//                      "mcp": {url, session, version, origin}, "steps": [...]}
// steps: {"click": css, "index"?: n} | {"input": css, "value": v} | {"change": css, "value": v}
//        | {"text": true}   (a snapshot of document.body.textContent)
// prints {"texts": [...], "calls": [{name, arguments, isError, structuredContent}], "followUps": [...],
//         "external": [...], "widgetState": ..., "errors": [...]}
import { readFileSync } from 'node:fs';
import { JSDOM, VirtualConsole } from 'jsdom';

const input = JSON.parse(readFileSync(0, 'utf8'));
const out = { texts: [], calls: [], followUps: [], external: [], widgetState: null, errors: [] };
let inFlight = 0;
let rpcId = 1000;

async function mcpCall(name, args) {
  const m = input.mcp;
  const res = await fetch(m.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream',
               'Mcp-Session-Id': m.session, 'MCP-Protocol-Version': m.version, Origin: m.origin },
    body: JSON.stringify({ jsonrpc: '2.0', id: rpcId++, method: 'tools/call', params: { name, arguments: args } }),
  });
  const text = await res.text();
  const body = (res.headers.get('content-type') || '').startsWith('text/event-stream')
    ? JSON.parse(text.split('\n').filter((l) => l.startsWith('data:')).pop().slice(5)) : JSON.parse(text);
  if (body.error) throw new Error(body.error.message);
  return body.result;
}

const vc = new VirtualConsole();
vc.on('jsdomError', (e) => out.errors.push(String(e && (e.stack || e.message) || e)));
vc.on('error', (...a) => out.errors.push(a.map(String).join(' ')));

const dom = new JSDOM(input.html, {
  runScripts: 'dangerously',
  pretendToBeVisual: true,
  virtualConsole: vc,
  beforeParse(window) {
    const o = input.openai || {};
    window.openai = {
      toolOutput: o.toolOutput ?? null,
      toolInput: o.toolInput ?? null,
      toolResponseMetadata: o.toolResponseMetadata ?? null,
      widgetState: o.widgetState ?? null,
      setWidgetState(s) { window.openai.widgetState = s; out.widgetState = s; return Promise.resolve(); },
      async callTool(name, args) {
        inFlight++;
        try {
          const r = await mcpCall(name, args);
          out.calls.push({ name, arguments: args, isError: !!r.isError, structuredContent: r.structuredContent ?? null });
          return r;
        } finally { inFlight--; }
      },
      sendFollowUpMessage({ prompt }) { out.followUps.push(prompt); return Promise.resolve(); },
      openExternal({ href }) { out.external.push(href); },
    };
    window.addEventListener('error', (e) => out.errors.push(String(e.message)));
  },
});
const { window } = dom;
const settle = async () => {
  for (let i = 0; i < 400; i++) {
    await new Promise((r) => setTimeout(r, 10));
    if (inFlight === 0) { await new Promise((r) => setTimeout(r, 20)); if (inFlight === 0) return; }
  }
  out.errors.push('timed out waiting for tool calls');
};
await settle();
for (const step of input.steps || []) {
  const doc = window.document;
  if (step.text) { out.texts.push(doc.body.textContent.replace(/\s+/g, ' ').trim()); continue; }
  const sel = step.click || step.input || step.change;
  const els = doc.querySelectorAll(sel);
  const el = els[step.index || 0];
  if (!el) { out.errors.push(`no element ${sel}[${step.index || 0}]`); continue; }
  if (step.click) el.dispatchEvent(new window.MouseEvent('click', { bubbles: true }));
  else {
    if (el.type === 'checkbox') el.checked = !!step.value;
    else if (el.type === 'radio') el.checked = true;
    else el.value = step.value;
    el.dispatchEvent(new window.Event(step.input ? 'input' : 'change', { bubbles: true }));
  }
  await settle();
}
out.widgetState = window.openai.widgetState;
console.log(JSON.stringify(out));
window.close();
