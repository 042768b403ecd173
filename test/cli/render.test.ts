import { renderOutcome } from '../../src/cli/render';
import { outcomeUnknownReport } from '../helpers/failure-report';

const report = outcomeUnknownReport();

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
