/**
 * The JSON Schema files under `schemas/` are what the zod schemas generate today (`make
 * schemas` rewrites them): a contract change that forgets them fails here. And they say what the
 * contract says where callers in other languages rely on it: required fields, no unknown fields
 * in inputs, the failure codes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { failureCodes } from '../../src/contract';
import { contractSchemas, jsonSchemaText } from '../../src/contract/json-schemas';

const dir = resolve(__dirname, '..', '..', 'schemas');
const read = (name: string) => readFileSync(resolve(dir, `${name}.schema.json`), 'utf8');
const parsed = (name: string) =>
  JSON.parse(read(name)) as {
    required?: string[];
    additionalProperties?: unknown;
    properties: Record<string, { enum?: string[] }>;
  };

test.each(contractSchemas.map((entry) => [entry.name, entry] as const))(
  'schemas/%s.schema.json is what the zod schema generates (make schemas)',
  (name, entry) => {
    expect(read(name)).toBe(jsonSchemaText(entry));
  },
);

test('schemas/: no file that no contract schema generates (a removed schema leaves no stale file)', () => {
  const files = readdirSync(dir).sort();
  expect(files).toEqual(contractSchemas.map((entry) => `${entry.name}.schema.json`).sort());
});

test('the input schemas refuse unknown fields and require what the workflows require', () => {
  expect(parsed('lock-action-input')).toMatchObject({ required: ['deviceId'], additionalProperties: false });
  expect(parsed('reservation-input')).toMatchObject({
    required: expect.arrayContaining(['reservationKey', 'deviceIds', 'checkIn', 'checkOut']),
    additionalProperties: false,
  });
});

test('the failure report names every failure code, and a result every field a caller reads', () => {
  expect(parsed('failure-report').properties.code.enum).toEqual([...failureCodes]);
  expect(parsed('lock-action-result').required).toEqual(
    expect.arrayContaining(['deviceId', 'action', 'actionAttemptId', 'wasConfirmedByDevice', 'warnings']),
  );
});
