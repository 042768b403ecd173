/**
 * Determinism guard: every saved history (test/histories/, made by scripts/record-histories.ts)
 * must replay against the current workflow code. A change that would break running workflows
 * fails here, not in production.
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workflowBundle } from '../helpers/temporal';

const historiesDir = join(__dirname, '..', 'histories');
const names = readdirSync(historiesDir).filter((f) => f.endsWith('.json'));

test('replay: the saved histories exist', () => {
  expect(names.length).toBeGreaterThanOrEqual(6);
});

test.each(names)('replay: %s replays without non-determinism', async (name) => {
  const history = historyFromJSON(JSON.parse(readFileSync(join(historiesDir, name), 'utf8')));
  await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle(), replayName: name }, history)).resolves.toBeUndefined();
});
