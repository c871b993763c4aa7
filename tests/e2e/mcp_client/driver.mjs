// driver.mjs - drives the hub's MCP endpoint with the official MCP TypeScript
// client (@modelcontextprotocol/sdk, Streamable HTTP) and checks every answer
// against the MCP JSON Schema of the negotiated revision and each tool's
// outputSchema (Ajv).  Used by tests/e2e/test_chatgpt_mcp_client.py.
//
//   node driver.mjs <url> <schema_dir>   < steps.json   > results.json
//
// steps.json: {"origin"?: "...", "sdk"?: "v1" (default, @modelcontextprotocol/sdk) | "v2"
//              (@modelcontextprotocol/client, dual-era), "negotiation"?: "auto" | {"pin": rev},
//              "steps": [{"tool": name, "args": {...}, "meta"?: {...}},
//                                          {"list_tools": true}, {"list_resources": true},
//                                          {"read_resource": uri}, {"sleep_ms": n}]}
// Arguments may name an earlier result: "$3.cart_id" is step 3's structuredContent.cart_id.
// Output: {"protocolVersion", "sessionId", "results": [{"ok", "result"?, "error"?, "schemaErrors": []}]}
import { readFileSync } from 'node:fs';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import Ajv2020 from 'ajv/dist/2020.js';
import Ajv07 from 'ajv';
import addFormats from 'ajv-formats';

const [url, schemaDir] = process.argv.slice(2);
const input = JSON.parse(readFileSync(0, 'utf8'));

function ajvFor(version) {
  const file = `${schemaDir}/${version}/schema.json`;
  const schema = JSON.parse(readFileSync(file, 'utf8'));
  const modern = (schema.$schema || '').includes('2020-12');
  const ajv = modern ? new Ajv2020({ strict: false, allErrors: true }) : new Ajv07({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(schema, 'mcp');
  const defs = modern ? '$defs' : 'definitions';
  return { ajv, ref: (name) => `mcp#/${defs}/${name}` };
}

function check(mcp, defName, value) {
  const v = mcp.ajv.getSchema(mcp.ref(defName));
  if (!v) return [`no definition ${defName}`];
  return v(value) ? [] : v.errors.map((e) => `${defName}${e.instancePath} ${e.message}`);
}

function resolve(value, results) {
  if (typeof value === 'string' && /^\$\d+\./.test(value)) {
    const [, idx, path] = value.match(/^\$(\d+)\.(.*)$/);
    let cur = results[Number(idx)]?.result?.structuredContent;
    for (const k of path.split('.')) cur = cur?.[k];
    return cur;
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, results));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, results)]));
  }
  return value;
}

const headers = input.origin ? { Origin: input.origin } : {};
// Every JSON-RPC answer as it came over the wire (the clients' parsed results
// may drop fields such as resultType): validated against the schema too.
const wire = [];
async function recordingFetch(u, init) {
  const res = await fetch(u, init);
  try {
    const txt = await res.clone().text();
    const type = res.headers.get('content-type') || '';
    let msg = null;
    if (type.startsWith('application/json')) msg = JSON.parse(txt);
    else if (type.startsWith('text/event-stream')) {
      const data = txt.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim());
      if (data.length) msg = JSON.parse(data[data.length - 1]);
    }
    if (msg && (msg.result || msg.error)) wire.push(msg);
  } catch {
    /* not JSON: nothing to record */
  }
  return res;
}
const v2 = input.sdk === 'v2';
const topts = { requestInit: { headers }, fetch: recordingFetch };
const transport = v2 ? new TransportV2(new URL(url), topts) : new TransportV1(new URL(url), topts);
const client = v2
  ? new ClientV2({ name: 'hub-e2e', version: '2.0.0' }, { versionNegotiation: { mode: input.negotiation || 'auto' } })
  : new ClientV1({ name: 'hub-e2e', version: '1.0.0' });
const out = { results: [] };
try {
  await client.connect(transport);
} catch (e) {
  out.connectError = String(e?.message || e);
  console.log(JSON.stringify(out));
  process.exit(0);
}
out.protocolVersion = (v2 && client.getNegotiatedProtocolVersion()) || transport.protocolVersion || '2025-11-25';
out.sessionId = transport.sessionId || null;
out.serverInfo = client.getServerVersion();
out.capabilities = client.getServerCapabilities();
const mcp = ajvFor(out.protocolVersion);
const toolAjv = new Ajv2020({ strict: false, allErrors: true });
addFormats(toolAjv);
const outputValidators = {};

const wireDef = (step) => (step.list_tools ? 'ListToolsResult' : step.list_resources ? 'ListResourcesResult'
  : step.read_resource ? 'ReadResourceResult' : step.tool ? 'CallToolResult' : null);
for (const raw of input.steps) {
  const step = resolve(raw, out.results);
  const rec = { ok: false, schemaErrors: [] };
  const seen = wire.length;
  try {
    if (step.sleep_ms) {
      await new Promise((r) => setTimeout(r, step.sleep_ms));
      rec.ok = true;
    } else if (step.list_tools) {
      const res = await client.listTools();
      rec.result = res;
      if (!v2) rec.schemaErrors.push(...check(mcp, 'ListToolsResult', res));
      for (const t of res.tools) {
        try {
          toolAjv.compile(t.inputSchema);
        } catch (e) {
          rec.schemaErrors.push(`${t.name}: inputSchema does not compile: ${e.message}`);
        }
        try {
          outputValidators[t.name] = toolAjv.compile(t.outputSchema);
        } catch (e) {
          rec.schemaErrors.push(`${t.name}: outputSchema does not compile: ${e.message}`);
        }
      }
      rec.ok = true;
    } else if (step.list_resources) {
      const res = await client.listResources();
      rec.result = res;
      if (!v2) rec.schemaErrors.push(...check(mcp, 'ListResourcesResult', res));
      rec.ok = true;
    } else if (step.read_resource) {
      const res = await client.readResource({ uri: step.read_resource });
      rec.result = res;
      if (!v2) rec.schemaErrors.push(...check(mcp, 'ReadResourceResult', res));
      rec.ok = true;
    } else if (step.tool) {
      const params = { name: step.tool, arguments: step.args || {} };
      if (step.meta) params._meta = step.meta;
      const res = await client.callTool(params);
      rec.result = res;
      if (!v2) rec.schemaErrors.push(...check(mcp, 'CallToolResult', res));
      const v = outputValidators[step.tool];
      if (res.structuredContent !== undefined && v && !v(res.structuredContent)) {
        rec.schemaErrors.push(...v.errors.map((e) => `${step.tool} outputSchema${e.instancePath} ${e.message}`));
      }
      if (res.structuredContent !== undefined) {
        const texts = (res.content || []).filter((c) => c.type === 'text').map((c) => c.text);
        if (!texts.includes(JSON.stringify(res.structuredContent)) &&
            !texts.some((t) => { try { return JSON.stringify(JSON.parse(t)) === JSON.stringify(res.structuredContent); } catch { return false; } })) {
          rec.schemaErrors.push(`${step.tool}: no text block carries the structuredContent JSON`);
        }
      }
      rec.ok = true;
    }
  } catch (e) {
    rec.error = { message: String(e?.message || e), code: e?.code ?? null };
  }
  const answer = wire.slice(seen).pop();
  if (rec.ok && wireDef(step)) {
    if (!answer?.result) rec.schemaErrors.push('no JSON-RPC result seen on the wire');
    else {
      rec.schemaErrors.push(...check(mcp, wireDef(step), answer.result).map((e) => `wire: ${e}`));
      rec.wire = answer.result;
    }
  }
  out.results.push(rec);
}
await client.close();
console.log(JSON.stringify(out));
