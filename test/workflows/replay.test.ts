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
  expect(names.length).toBeGreaterThanOrEqual(22);
});

test('replay: the histories recorded before the send-by-deadline patch still lack its marker (they were not re-recorded)', () => {
  const legacy = names.filter((name) => !name.startsWith('send-by-'));
  expect(legacy.sort()).toEqual(
    ['lock-cancelled-while-polling', 'lock-capability-missing', 'lock-success-in-watch', 'lock-timed-out', 'lock-woken-by-signal', 'unlock-success-after-durable-polls'].map((n) => `${n}.json`),
  );
  for (const name of legacy) expect(readFileSync(join(historiesDir, name), 'utf8')).not.toContain('send-by-deadline');
  for (const name of names.filter((n) => n.startsWith('send-by-'))) expect(readFileSync(join(historiesDir, name), 'utf8')).toContain('send-by-deadline');
});

test.each(names)('replay: %s replays without non-determinism', async (name) => {
  const history = historyFromJSON(JSON.parse(readFileSync(join(historiesDir, name), 'utf8')));
  await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle(), replayName: name }, history)).resolves.toBeUndefined();
});
