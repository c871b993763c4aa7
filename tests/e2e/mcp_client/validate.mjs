// validate.mjs - validate JSON values against definitions of the MCP schema
// files (Ajv; 2020-12 or draft-07 by the file's $schema).
//   node validate.mjs <schema_dir> < [{"version", "def", "value"}, ...]
// prints [[error, ...], ...] in the same order.
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import Ajv07 from 'ajv';
import addFormats from 'ajv-formats';

const [schemaDir] = process.argv.slice(2);
const items = JSON.parse(readFileSync(0, 'utf8'));
const cache = {};
function validator(version, def) {
  if (!cache[version]) {
    const schema = JSON.parse(readFileSync(`${schemaDir}/${version}/schema.json`, 'utf8'));
    const modern = (schema.$schema || '').includes('2020-12');
    const ajv = modern ? new Ajv2020({ strict: false, allErrors: true }) : new Ajv07({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(schema, 'mcp');
    cache[version] = { ajv, defs: modern ? '$defs' : 'definitions' };
  }
  const c = cache[version];
  return c.ajv.getSchema(`mcp#/${c.defs}/${def}`);
}
const out = items.map(({ version, def, value }) => {
  const v = validator(version, def);
  if (!v) return [`no definition ${def} in ${version}`];
  return v(value) ? [] : v.errors.map((e) => `${def}${e.instancePath} ${e.message}`);
});
console.log(JSON.stringify(out));
