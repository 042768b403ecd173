/**
 * Writes the contract's JSON Schema files (`schemas/*.schema.json`) from the zod schemas
 * (src/contract/json-schemas.ts). `make schemas`; test/contract/json-schemas.test.ts checks them.
 *
 *   npx tsx scripts/generate-schemas.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { contractSchemas, jsonSchemaText } from '../src/contract/json-schemas';

const dir = resolve(__dirname, '..', 'schemas');
mkdirSync(dir, { recursive: true });
for (const entry of contractSchemas) {
  writeFileSync(resolve(dir, `${entry.name}.schema.json`), jsonSchemaText(entry));
  console.log(`schemas/${entry.name}.schema.json`);
}
