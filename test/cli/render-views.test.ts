/**
 * What a person reads of a stay, a door and the attention list: the lines for given views, with
 * unknown values said plainly and nothing printed that the renderer does not name (so nothing
 * added to a view later, a secret say, reaches the screen).
 */
import {
  failedLockActionItem,
  scheduleRunAttentionItems,
  sortAttentionItems,
  stayAttentionItems,
  type AttentionItem,
} from '../../src/cli/attention-items';
import { attentionListQueries } from '../../src/ops/attention-queries';
import { attentionLine, renderAttention, renderDoor, renderReservation, whenText } from '../../src/cli/render-views';
import { newStayDoor, type ReservationView, type StayDoor } from '../../src/contract';
import type { DoorView } from '../../src/contract/door';
import type { ScheduledRunView } from '../../src/contract/schedules';
import { outcomeUnknownReport } from '../helpers/failure-report';

const now = Date.parse('2026-12-01T12:00:00Z');
const secret = 'fake-secret-in-an-extra-field-do-not-print';

const door = (deviceId: string, patch: Partial<StayDoor> = {}): StayDoor => ({ ...newStayDoor(deviceId), ...patch });

const stay = (patch: Partial<ReservationView> = {}): ReservationView => ({
  reservationKey: 'r-123',
  stage: 'checked_in',
  checkIn: '2026-12-01T10:00:00.000Z',
  checkOut: '2026-12-03T10:00:00.000Z',
  unlockAtCheckIn: true,
  lockAtCheckOut: true,
  doors: [
    door('front-door', {
      unlockedByStay: true,
      checkInSettled: true,
      lastAction: 'UNLOCK_DOOR',
      lastOutcome: 'success',
      lastOutcomeAt: '2026-12-01T10:00:05.000Z',
      actions: 1,
    }),
  ],
  waitingFor: { what: 'check-out (lock)', at: '2026-12-03T10:00:00.000Z' },
  attention: false,
  revisions: 1,
  ...patch,
});

const doorView = (patch: Partial<DoorView> = {}): DoorView => ({
  deviceId: 'front-door',
  knowledge: {
    locked: true,
    online: true,
    lastAction: 'LOCK_DOOR',
    lastOutcome: 'success',
    lastActionAttemptId: 'aa-1',
    updatedAt: '2026-12-01T11:57:00.000Z',
  },
  current: null,
  waiting: null,
  commandsInLastMinute: 0,
  commandsRun: 7,
  ...patch,
});

describe('renderReservation', () => {
  test('renderReservation: stage, check-in/out with how far off, what it waits for and when, each door, attention no', () => {
    expect(renderReservation(stay(), now)).toBe(
      `stay r-123: checked in
  check-in              2026-12-01T10:00:00.000Z (2 h ago) · unlock at check-in: yes
  check-out             2026-12-03T10:00:00.000Z (in 46 h) · lock at check-out: yes
  waiting for           check-out (lock), at 2026-12-03T10:00:00.000Z (in 46 h)
  attention             no
  changes accepted      1
  doors                 1
    front-door          unlocked by the stay · last: unlock success at 2026-12-01T10:00:05.000Z (2 h ago)`,
    );
  });

  test('renderReservation: a door that needs a person is named in the attention line and flagged on its own line', () => {
    const text = renderReservation(
      stay({
        stage: 'checking_out',
        attention: true,
        waitingFor: { what: 'the next lock try of 1 door(s)', at: '2026-12-01T12:00:30.000Z' },
        doors: [
          door('room-12', {
            lastAction: 'LOCK_DOOR',
            lastOutcome: 'DEVICE_OFFLINE',
            lastOutcomeAt: '2026-12-01T11:50:00.000Z',
            actions: 3,
            attention: ['door_not_locked'],
          }),
          door('front-door', { locked: true, lastAction: 'LOCK_DOOR', lastOutcome: 'success', actions: 1 }),
        ],
      }),
      now,
    );
    expect(text).toMatch(/^stay r-123: checking out \(locking its doors\)$/m);
    expect(text).toMatch(/^ {2}attention {13}YES — a person is needed at room-12$/m);
    expect(text).toMatch(
      /^ {4}room-12 {13}neither locked nor unlocked by the stay · last: lock DEVICE_OFFLINE at .* \(10 min ago\) · NEEDS A PERSON: not locked in time \(door_not_locked\)$/m,
    );
    expect(text).toMatch(/^ {4}front-door {10}locked by the stay · last: lock success$/m);
    expect(text).toMatch(/waiting for {11}the next lock try of 1 door\(s\), at .* \(in 30 s\)/);
  });

  test('renderReservation: an unlock whose outcome is unknown reads "may be unlocked", never "unlocked" or "locked"', () => {
    const text = renderReservation(
      stay({
        doors: [
          door('front-door', {
            unlockedByStay: true,
            lastAction: 'UNLOCK_DOOR',
            lastOutcome: 'COMMAND_OUTCOME_UNKNOWN',
            actions: 1,
          }),
        ],
      }),
      now,
    );
    expect(text).toContain('front-door          may be unlocked (the unlock may have reached it)');
  });

  test('renderReservation: a stopped, removed door and a stay with no time to wait for say so', () => {
    const text = renderReservation(
      stay({
        stage: 'ended',
        waitingFor: { what: 'nothing: the stay has ended', at: null },
        doors: [
          door('back-door', { removed: true, stopped: 'gave_up', attention: ['door_not_locked'], actions: 9 }),
          door('side-door', { removed: true }),
        ],
        attention: true,
      }),
      now,
    );
    expect(text).toMatch(/^stay r-123: ended$/m);
    expect(text).toContain('waiting for           nothing: the stay has ended\n');
    expect(text).toContain(
      'back-door           neither locked nor unlocked by the stay · removed from the stay · the stay stopped trying (retry horizon passed) · its first lock action is under way',
    );
    expect(text).toMatch(/^ {4}side-door {11}no lock action yet · removed from the stay$/m);
  });

  test('renderReservation: values this CLI does not know are printed as unknown, not guessed', () => {
    const odd = {
      ...stay(),
      stage: 'paused',
      doors: [
        { ...door('d1'), attention: ['battery_low'], stopped: 'parked', lastAction: 'JIGGLE', lastOutcome: 'success' },
      ],
    } as unknown as ReservationView;
    const text = renderReservation(odd, now);
    expect(text).toMatch(/^stay r-123: unknown stage "paused"$/m);
    expect(text).toContain('stopped: unknown reason "parked"');
    expect(text).toContain('last: unknown action JIGGLE success');
    expect(text).toContain('NEEDS A PERSON: unknown attention "battery_low" (battery_low)');
  });

  test('renderReservation: a door id longer than the label column keeps two spaces before its state', () => {
    const uuid = '5154c6c4-1e3d-4ac9-9096-a7a547a1769c';
    const text = renderReservation(stay({ doors: [door(uuid, { locked: true })] }), now);
    expect(text).toMatch(new RegExp(`^ {4}${uuid}  locked by the stay$`, 'm'));
  });

  test('renderReservation: a field the renderer does not name (metadata, a secret) is never printed', () => {
    const withSecret = { ...stay(), metadata: { seamApiKey: secret } } as ReservationView;
    expect(renderReservation(withSecret, now)).not.toContain(secret);
  });
});

describe('renderDoor', () => {
  test('renderDoor: what the door knows, nothing running, nothing waiting', () => {
    expect(renderDoor(doorView(), now)).toBe(
      `door front-door
  locked                yes
  online                yes
  last command          lock → success · attempt aa-1
  as of                 2026-12-01T11:57:00.000Z (3 min ago)
  running now           nothing
  waiting               nothing
  commands last minute  0 (the door keeps to 15 a minute)
  commands run          7`,
    );
  });

  test('renderDoor: the current command (action, requesters, phase, attempt, send-by) and what waits behind it', () => {
    const text = renderDoor(
      doorView({
        current: {
          action: 'UNLOCK_DOOR',
          requesters: ['unlock/front-door/r-123.1', 'unlock/front-door/staff-7'],
          phase: 'polling',
          actionAttemptId: 'aa-2',
          sendBy: '2026-12-01T12:01:00.000Z',
        },
        waiting: {
          action: 'LOCK_DOOR',
          requesters: [{ workflowId: 'lock/front-door/r-122.4', sendBy: '2026-12-01T12:02:00.000Z' }],
        },
        commandsInLastMinute: 3,
      }),
      now,
    );
    expect(text).toContain(
      'running now           unlock · phase polling · attempt aa-2 · send by 2026-12-01T12:01:00.000Z (in 1 min) · for unlock/front-door/r-123.1, unlock/front-door/staff-7',
    );
    expect(text).toContain(
      'waiting               lock · 1 request(s): lock/front-door/r-122.4 (send by 2026-12-01T12:02:00.000Z (in 2 min))',
    );
    expect(text).toContain('commands last minute  3');
  });

  test('renderDoor: a door lockstep has not read says unknown, not "no"', () => {
    const text = renderDoor(
      doorView({
        // Every field unknown, as before the door's first read.
        knowledge: Object.fromEntries(
          Object.keys(doorView().knowledge).map((k) => [k, null]),
        ) as unknown as DoorView['knowledge'],
        current: {
          action: 'LOCK_DOOR',
          requesters: ['lock/front-door/x'],
          phase: 'commanding',
          actionAttemptId: null,
          sendBy: '2026-12-01T12:00:00.500Z',
        },
      }),
      now,
    );
    expect(text).toContain('locked                unknown (lockstep has not read it)');
    expect(text).toContain('online                unknown (lockstep has not read it)');
    expect(text).toContain('last command          none yet');
    expect(text).toContain('as of                 unknown');
    expect(text).toContain('attempt none yet · send by 2026-12-01T12:00:00.500Z (now)');
  });

  test('renderDoor: a field the renderer does not name is never printed', () => {
    const withSecret = { ...doorView(), apiKey: secret } as DoorView;
    expect(renderDoor(withSecret, now)).not.toContain(secret);
  });
});

describe('attention items and lines', () => {
  const report = outcomeUnknownReport({ deviceId: 'side-door' });

  test('stayAttentionItems: one item per door whose attention is set, since check-out, still trying', () => {
    const view = stay({
      stage: 'checking_out',
      attention: true,
      doors: [
        door('room-12', { attention: ['door_not_locked'], lastAction: 'LOCK_DOOR', lastOutcome: 'DEVICE_OFFLINE' }),
        door('front-door', { locked: true }),
      ],
    });
    expect(stayAttentionItems('reservation/r-123', view)).toEqual([
      {
        kind: 'door_not_locked',
        workflowId: 'reservation/r-123',
        deviceId: 'room-12',
        reservationKey: 'r-123',
        since: '2026-12-03T10:00:00.000Z',
        stillTrying: true,
        lastAction: 'LOCK_DOOR',
        lastOutcome: 'DEVICE_OFFLINE',
        lastOutcomeAt: null,
        todo: 'lock room-12 by hand or bring it back online; lockstep keeps trying until its retry horizon',
      },
    ]);
  });

  test('stayAttentionItems: a missed unlock dates from check-in; a cancelled stay gives no time rather than a wrong one', () => {
    const [missed] = stayAttentionItems(
      'reservation/r-1',
      stay({ doors: [door('d', { attention: ['unlock_not_sent'] })] }),
    );
    expect(missed).toMatchObject({ since: '2026-12-01T10:00:00.000Z', stillTrying: false });
    expect(missed.todo).toMatch(/guest may be at a locked door: let them in \(lockstep unlock d\)/);
    const [cancelled] = stayAttentionItems(
      'reservation/r-1',
      stay({ stage: 'cancelled', doors: [door('d', { attention: ['door_not_locked'], stopped: 'gave_up' })] }),
    );
    expect(cancelled).toMatchObject({
      since: null,
      stillTrying: false,
      todo: 'lock d by hand: lockstep has stopped trying',
    });
  });

  test("scheduleRunAttentionItems: one item per door of a schedule's run with a raised alert, since the time the run acted for", () => {
    const view: ScheduledRunView = {
      scheduleId: 'office-night',
      action: 'lock',
      scheduledAt: '2026-12-01T22:00:00.000Z',
      doors: [
        {
          deviceId: 'front',
          tries: 30,
          lastOutcome: 'DEVICE_OFFLINE',
          lastOutcomeAt: null,
          attention: 'door_not_locked',
          stillTrying: true,
        },
        {
          deviceId: 'back',
          tries: 1,
          lastOutcome: 'success',
          lastOutcomeAt: null,
          attention: null,
          stillTrying: false,
        },
      ],
    };
    const items = scheduleRunAttentionItems('door-schedule/office-night-2026-12-01T22:00:00Z', view);
    expect(items).toEqual([
      {
        kind: 'door_not_locked',
        workflowId: 'door-schedule/office-night-2026-12-01T22:00:00Z',
        deviceId: 'front',
        scheduleId: 'office-night',
        since: '2026-12-01T22:00:00.000Z',
        stillTrying: true,
        lastOutcome: 'DEVICE_OFFLINE',
        lastOutcomeAt: null,
        todo: 'lock front by hand or bring it back online; lockstep keeps trying until its retry horizon',
      },
    ]);
    expect(attentionLine(items[0], Date.parse('2026-12-01T22:30:00.000Z'))).toBe(
      'NOT LOCKED · front · since 2026-12-01T22:00:00.000Z (30 min ago) · schedule office-night (door-schedule/office-night-2026-12-01T22:00:00Z), last DEVICE_OFFLINE, still trying · → lock front by hand or bring it back online; lockstep keeps trying until its retry horizon',
    );
    const unlock = {
      ...view,
      action: 'unlock' as const,
      doors: [{ ...view.doors[0], attention: 'unlock_not_sent' as const, stillTrying: false }],
    };
    expect(scheduleRunAttentionItems('r', unlock)[0].todo).toBe(
      'people may be at a locked door: let them in (lockstep unlock front) and check the lock',
    );
  });

  test.each([
    ['COMMAND_OUTCOME_UNKNOWN', 'UNLOCK_DOOR', /the unlock may have opened it; lock it \(lockstep lock side-door\)/],
    ['COMMAND_OUTCOME_UNKNOWN', 'LOCK_DOOR', /the lock may not have gone through; lock it again/],
    ['ACTION_ATTEMPT_TIMED_OUT', 'LOCK_DOOR', /Seam may still carry out the lock \(attempt unknown\)/],
  ] as const)('failedLockActionItem: %s of %s needs a person', (code, action, todo) => {
    const item = failedLockActionItem('unlock/side-door/x', '2026-12-01T11:00:00.000Z', { ...report, code, action });
    expect(item).toMatchObject({ kind: 'lock_action_failed', deviceId: 'side-door', code, action, commandSent: null });
    expect(item?.todo).toMatch(todo);
  });

  test('failedLockActionItem: a cancel whose command may have gone out unanswered (commandSent null) needs a person', () => {
    const item = failedLockActionItem('unlock/side-door/x', null, { ...report, code: 'CANCELLED', commandSent: null });
    expect(item).toMatchObject({ kind: 'lock_action_failed', code: 'CANCELLED', commandSent: null });
  });

  test.each(['DEVICE_OFFLINE', 'DEADLINE_PASSED', 'ACTION_ATTEMPT_FAILED', 'CANCELLED', 'SUPERSEDED'] as const)(
    'failedLockActionItem: %s says plainly nothing moved: no person needed',
    (code) => {
      expect(failedLockActionItem('lock/d/x', null, { ...report, code, commandSent: false })).toBeUndefined();
    },
  );

  test('renderAttention: one line per item (what, which door, since when, what to do); nothing reads plainly', () => {
    const items: AttentionItem[] = [
      failedLockActionItem('unlock/side-door/x', '2026-12-01T11:00:00.000Z', report)!,
      {
        kind: 'unreadable',
        workflowId: 'reservation/r-9',
        deviceId: null,
        since: null,
        reason: 'the stay did not answer: deadline exceeded',
        todo: 'check that a lockstep worker polls task queue lock-actions, then lockstep reservation show r-9',
      },
      ...stayAttentionItems(
        'reservation/r-123',
        stay({
          stage: 'checking_out',
          checkOut: '2026-12-01T11:45:00.000Z',
          doors: [door('room-12', { attention: ['door_not_locked'] })],
        }),
      ),
    ];
    expect(renderAttention(sortAttentionItems(items), now).split('\n')).toEqual([
      '3 things need a person:',
      'OUTCOME UNKNOWN · side-door · since 2026-12-01T11:00:00.000Z (1 h ago) · unlock COMMAND_OUTCOME_UNKNOWN (unlock/side-door/x) · → check side-door: the unlock may have opened it; lock it (lockstep lock side-door) if nobody should be in',
      'NOT LOCKED · room-12 · since 2026-12-01T11:45:00.000Z (15 min ago) · stay r-123, no lock action yet, still trying · → lock room-12 by hand or bring it back online; lockstep keeps trying until its retry horizon',
      'UNREADABLE · door unknown · since unknown · reservation/r-9: the stay did not answer: deadline exceeded · → check that a lockstep worker polls task queue lock-actions, then lockstep reservation show r-9',
    ]);
    expect(renderAttention([], now)).toBe('nothing needs a person');
  });

  test('renderAttention: a door unlocked after check-out says so, since check-out, and what to do', () => {
    const items = stayAttentionItems(
      'reservation/r-77',
      stay({
        stage: 'checked_out',
        checkOut: '2026-12-01T11:45:00.000Z',
        doors: [door('room-77', { locked: true, attention: ['unlocked_after_check_out'] })],
      }),
    );
    expect(renderAttention(items, now).split('\n')[1]).toMatch(
      /^UNLOCKED AFTER CHECK-OUT · room-77 · since 2026-12-01T11:45:00.000Z .* → check room-77: it was unlocked after check-out; lock it \(lockstep lock room-77\)/,
    );
  });

  test('attentionListQueries: stays, schedule runs and lock actions whose LockstepAttention is set, running or closed since the given time', () => {
    expect(attentionListQueries(new Date('2026-11-30T12:00:00Z'))).toEqual({
      stays:
        "WorkflowType = 'ReservationWorkflow' AND LockstepAttention = true AND (ExecutionStatus = 'Running' OR CloseTime > '2026-11-30T12:00:00.000Z')",
      scheduleRuns:
        "WorkflowType = 'ScheduledDoorActionWorkflow' AND LockstepAttention = true AND (ExecutionStatus = 'Running' OR CloseTime > '2026-11-30T12:00:00.000Z')",
      failedLockActions:
        "WorkflowType IN ('LockDoorWorkflow','UnlockDoorWorkflow') AND LockstepAttention = true AND CloseTime > '2026-11-30T12:00:00.000Z'",
    });
  });
});

test('whenText: the ISO time as given, with how far off; an unreadable time is said to be so', () => {
  expect(whenText('2026-12-01T12:00:45.000Z', now)).toBe('2026-12-01T12:00:45.000Z (in 45 s)');
  expect(whenText('2026-11-28T12:00:00.000Z', now)).toBe('2026-11-28T12:00:00.000Z (3 d ago)');
  expect(whenText('later', now)).toBe('later (not a time this CLI can read)');
});
