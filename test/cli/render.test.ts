import type { FailureReport } from '../../src/contract';
import { renderOutcome } from '../../src/cli/render';

/** A report that knows nothing yet but that the unlock may have landed. */
const unknown = { commandSent: null, polls: 0, issues: [], warnings: [], supersededBy: null };
const unset = { actionAttemptId: null, lastStatus: null, seamError: null, seamRequestId: null, capability: null };
const report: FailureReport = {
  ...unknown,
  ...unset,
  code: 'COMMAND_OUTCOME_UNKNOWN',
  message: 'locks.unlock_door may have reached Seam; it is not sent again. Check the door.',
  deviceId: 'front-door',
  action: 'UNLOCK_DOOR',
};

describe('renderOutcome', () => {
  test('renderOutcome: commandSent null reads "unknown — check the door", never "no"', () => {
    const text = renderOutcome('UNLOCK_DOOR', 'front-door', { ok: false, code: report.code, report });
    expect(text).toMatch(/command sent\s+unknown — check the door/);
  });

  test.each([
    [true, 'yes'],
    [false, 'no'],
  ])('renderOutcome: commandSent %p reads %s', (commandSent, shown) => {
    const text = renderOutcome('UNLOCK_DOOR', 'front-door', {
      ok: false,
      code: 'CANCELLED',
      report: { ...report, commandSent },
    });
    expect(text).toMatch(new RegExp(`command sent\\s+${shown}$`, 'm'));
  });
});
