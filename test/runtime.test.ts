/**
 * Which Node runs this suite: `make test` runs jest twice, on the machine's Node and on Node 24,
 * and says which it expects (LOCKSTEP_EXPECT_NODE_MAJOR); this proves each run is on that Node.
 * Run by hand without it, it checks only the floor package.json's engines names.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const major = Number(process.versions.node.split('.')[0]);

test('the suite runs on the Node major make test asked for (LOCKSTEP_EXPECT_NODE_MAJOR), within engines', () => {
  const expected = process.env.LOCKSTEP_EXPECT_NODE_MAJOR;
  if (expected !== undefined) expect(major).toBe(Number(expected));
  const { engines } = JSON.parse(readFileSync(resolve(__dirname, '..', 'package.json'), 'utf8')) as {
    engines: { node: string };
  };
  expect(engines.node).toBe('>=20.9.0 <25');
  expect(major).toBeGreaterThanOrEqual(20);
  expect(major).toBeLessThan(25);
});
