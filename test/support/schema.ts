// dinitctl's --json answers checked against the JSON Schema in schemas/dinitctl.schema.json.

import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { ROOT } from './daemon';

const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas/dinitctl.schema.json'), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, validateFormats: false });
ajv.addSchema(schema);

/** Parse `text` and check it against definition `def` of the schema; returns the value. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON whose shape the schema checked
export function valid(def: string, text: string): any {
  const value = JSON.parse(text);
  const check = ajv.getSchema(`${schema.$id}#/$defs/${def}`);
  if (check === undefined) throw new Error(`the schema has no definition ${def}`);
  if (!check(value)) throw new Error(`${def}: ${ajv.errorsText(check.errors)}\n${text}`);
  return value;
}
