// chatgpt_acp_schemas.mjs - validate values against definitions of the ACP
// JSON Schema bundles (Ajv 2020-12 + formats), for tests/e2e/test_chatgpt_acp*.py.
//   node chatgpt_acp_schemas.mjs <json-schema dir> <node_modules dir> < [{"file", "def", "value"}, ...]
// prints [[error, ...], ...] in the same order.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [schemaDir, modules] = process.argv.slice(2);
const load = async (p) => (await import(pathToFileURL(join(modules, p)).href)).default;
const Ajv2020 = await load('ajv/dist/2020.js');
const addFormats = await load('ajv-formats/dist/index.js');
const items = JSON.parse(readFileSync(0, 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const added = {};
const out = items.map(({ file, def, value }) => {
  if (!added[file]) {
    ajv.addSchema(JSON.parse(readFileSync(join(schemaDir, file), 'utf8')), file);
    added[file] = true;
  }
  const v = ajv.getSchema(`${file}#/$defs/${def}`);
  if (!v) return [`no definition ${def} in ${file}`];
  return v(value) ? [] : v.errors.map((e) => `${def}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
});
console.log(JSON.stringify(out));
