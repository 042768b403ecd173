import type { LockAction } from '../../src/contract/core';
import {
  doorCommandLimit,
  doorEventMemory,
  type DoorRequest,
  type DoorSeamEvent,
  type WaitingCommand,
} from '../../src/contract/door';
import {
  admitRequest,
  commandSendBy,
  commandsInWindow,
  expireWaiting,
  factsFromEvent,
  newerFacts,
  seenBetween,
  lastSendStartMs,
  maySend,
  nextCommandAtMs,
  nextExpiryMs,
  rememberEvent,
  withoutRequester,
} from '../../src/decisions';

const nowMs = Date.parse('2026-11-25T11:00:00Z');

/** A lock action's request at the door; `sendBy` defaults to a minute from now. */
function request(workflowId: string, action: LockAction, sendBy = nowMs + 60_000, runId = 'run-1'): DoorRequest {
  return {
    requester: { workflowId, runId },
    action,
    plan: {
      deviceId: 'front-door',
      timeoutMs: 60_000,
      watchWindowMs: 5_000,
      pollInterval: { initialMs: 1_000, maxMs: 15_000, multiplier: 2 },
      verifyLockedState: true,
      metadata: {},
    },
    sendBy,
    capability: null,
  };
}

const lockA = request('lock/front-door/a', 'LOCK_DOOR');
const lockB = request('lock/front-door/b', 'LOCK_DOOR');
const unlockC = request('unlock/front-door/c', 'UNLOCK_DOOR');

function waitingOf(...members: DoorRequest[]): WaitingCommand {
  return { action: members[0].action, members };
}

describe('admitRequest', () => {
  test('admitRequest: the first request becomes what waits, superseding nothing', () => {
    expect(admitRequest(null, lockA)).toEqual({ waiting: waitingOf(lockA), superseded: [] });
    expect(admitRequest({ action: 'UNLOCK_DOOR', members: [] }, lockA)).toEqual({
      waiting: waitingOf(lockA),
      superseded: [],
    });
  });

  test('admitRequest: a request of the same kind joins what waits: one group, one command', () => {
    const { waiting, superseded } = admitRequest(waitingOf(lockA), lockB);
    expect(waiting).toEqual({ action: 'LOCK_DOOR', members: [lockA, lockB] });
    expect(superseded).toEqual([]);
  });

  test('admitRequest: a requester already waiting is not added twice', () => {
    const again = { ...lockA, sendBy: lockA.sendBy + 30_000 };
    expect(admitRequest(waitingOf(lockA, lockB), again)).toEqual({
      waiting: waitingOf(lockA, lockB),
      superseded: [],
    });
  });

  test('admitRequest: another run of the same workflow ID is another requester', () => {
    const nextRun = request(lockA.requester.workflowId, 'LOCK_DOOR', lockA.sendBy, 'run-2');
    expect(admitRequest(waitingOf(lockA), nextRun).waiting.members).toEqual([lockA, nextRun]);
  });

  test('admitRequest: the other kind supersedes every waiting member and waits alone', () => {
    const { waiting, superseded } = admitRequest(waitingOf(lockA, lockB), unlockC);
    expect(waiting).toEqual({ action: 'UNLOCK_DOOR', members: [unlockC] });
    expect(superseded).toEqual([lockA, lockB]);
  });

  test('admitRequest: the newest intent wins back and forth', () => {
    const first = admitRequest(waitingOf(unlockC), lockA);
    expect(first).toEqual({ waiting: waitingOf(lockA), superseded: [unlockC] });
    const unlockD = request('unlock/front-door/d', 'UNLOCK_DOOR');
    expect(admitRequest(first.waiting, unlockD)).toEqual({ waiting: waitingOf(unlockD), superseded: [lockA] });
  });
});

describe('withoutRequester', () => {
  test('withoutRequester: removes that requester only, and returns it', () => {
    expect(withoutRequester(waitingOf(lockA, lockB), lockA.requester)).toEqual({
      waiting: waitingOf(lockB),
      removed: lockA,
    });
  });

  test('withoutRequester: removing the last member leaves nothing waiting (null)', () => {
    expect(withoutRequester(waitingOf(lockA), lockA.requester)).toEqual({ waiting: null, removed: lockA });
  });

  test('withoutRequester: an unknown requester (or another run) leaves what waits untouched', () => {
    const waiting = waitingOf(lockA, lockB);
    expect(withoutRequester(waiting, { workflowId: 'lock/front-door/z', runId: 'run-1' })).toEqual({
      waiting,
      removed: undefined,
    });
    expect(withoutRequester(waiting, { workflowId: lockA.requester.workflowId, runId: 'run-2' })).toEqual({
      waiting,
      removed: undefined,
    });
    expect(withoutRequester(null, lockA.requester)).toEqual({ waiting: null, removed: undefined });
  });
});

describe('expiry', () => {
  const soon = request('lock/front-door/soon', 'LOCK_DOOR', nowMs + 10_000);
  const later = request('lock/front-door/later', 'LOCK_DOOR', nowMs + 60_000);

  test('expireWaiting: a member past its last send start expires; the others stay', () => {
    const at = lastSendStartMs(soon.sendBy) + 1;
    expect(expireWaiting(waitingOf(later, soon), at)).toEqual({ waiting: waitingOf(later), expired: [soon] });
  });

  test('expireWaiting: exactly at the last send start a member may still be sent; one ms later it expires', () => {
    const lastStart = lastSendStartMs(soon.sendBy);
    expect(expireWaiting(waitingOf(soon), lastStart)).toEqual({ waiting: waitingOf(soon), expired: [] });
    expect(expireWaiting(waitingOf(soon), lastStart + 1)).toEqual({ waiting: null, expired: [soon] });
  });

  test('expireWaiting: nothing waiting expires nothing', () => {
    expect(expireWaiting(null, nowMs)).toEqual({ waiting: null, expired: [] });
  });

  test('nextExpiryMs: undefined when nothing waits', () => {
    expect(nextExpiryMs(null, nowMs)).toBeUndefined();
    expect(nextExpiryMs({ action: 'LOCK_DOOR', members: [] }, nowMs)).toBeUndefined();
  });

  test('nextExpiryMs: the first instant the earliest member may no longer be sent', () => {
    const expiry = nextExpiryMs(waitingOf(later, soon), nowMs);
    expect(expiry).toBe(lastSendStartMs(soon.sendBy) + 1);
    expect(maySend(expiry! - 1, soon.sendBy)).toBe(true);
    expect(maySend(expiry!, soon.sendBy)).toBe(false);
  });

  test('nextExpiryMs: never before now, even when a member is already past its deadline', () => {
    const late = nowMs + 60_000;
    expect(nextExpiryMs(waitingOf(soon, later), late)).toBe(late);
  });

  test('commandSendBy: the earliest deadline of the members, wherever it stands', () => {
    const middle = request('lock/front-door/middle', 'LOCK_DOOR', nowMs + 5_000);
    expect(commandSendBy(waitingOf(later, middle, soon))).toBe(nowMs + 5_000);
    expect(commandSendBy(waitingOf(later))).toBe(later.sendBy);
  });
});

describe('rate limit', () => {
  const { commands, windowMs } = doorCommandLimit;
  /** `count` commands one second apart, the newest `newestAgoMs` before now. */
  const sentEverySecond = (count: number, newestAgoMs = 1_000) =>
    Array.from({ length: count }, (_, i) => nowMs - newestAgoMs - (count - 1 - i) * 1_000);

  test('nextCommandAtMs: fewer than 15 commands in the last 60 s: now', () => {
    expect(commands).toBe(15);
    expect(windowMs).toBe(60_000);
    expect(nextCommandAtMs([], nowMs)).toBe(nowMs);
    expect(nextCommandAtMs(sentEverySecond(14), nowMs)).toBe(nowMs);
  });

  test('nextCommandAtMs: 15 in the window: when the 15th-newest leaves it (its time + 60 s + 1 s of slack)', () => {
    const recent = sentEverySecond(15);
    expect(nextCommandAtMs(recent, nowMs)).toBe(recent[0] + 61_000);
  });

  test('nextCommandAtMs: more than 15 in the window: the 15th-newest, not the oldest, sets the time', () => {
    const recent = sentEverySecond(20);
    expect(nextCommandAtMs(recent, nowMs)).toBe(recent[5] + 61_000);
  });

  test('commandsInWindow: a command exactly 61 s old (the window and its 1 s of slack) has left it; one a ms younger has not', () => {
    expect(commandsInWindow([nowMs - 61_000, nowMs - 60_999, nowMs - 1], nowMs)).toEqual([nowMs - 60_999, nowMs - 1]);
  });

  test('nextCommandAtMs: old commands outside the window are ignored', () => {
    const old = Array.from({ length: 30 }, (_, i) => nowMs - 61_000 - i * 1_000);
    expect(nextCommandAtMs([...old, ...sentEverySecond(14)], nowMs)).toBe(nowMs);
  });

  test('nextCommandAtMs: the order of the input does not matter, and the input is not reordered', () => {
    const recent = sentEverySecond(16);
    const shuffled = [9, 0, 15, 3, 12, 1, 4, 5, 6, 7, 8, 2, 10, 11, 13, 14].map((i) => recent[i]);
    const copy = [...shuffled];
    expect(nextCommandAtMs(shuffled, nowMs)).toBe(recent[1] + 61_000);
    expect(shuffled).toEqual(copy);
  });
});

describe('factsFromEvent and rememberEvent', () => {
  const at = (iso: string) => Date.parse(iso);
  const event = (kind: DoorSeamEvent['kind'], occurredAt: string): DoorSeamEvent => ({
    eventId: occurredAt + kind,
    kind,
    occurredAt,
  });

  test('factsFromEvent: a lock or connection event states its fact, as of when it occurred', () => {
    expect(factsFromEvent(event('unlocked', '2026-11-26T20:00:00Z'), {})).toEqual({
      facts: { locked: false },
      times: { locked: at('2026-11-26T20:00:00Z') },
    });
    expect(factsFromEvent(event('disconnected', '2026-11-26T20:00:00Z'), { locked: 5 })).toEqual({
      facts: { online: false },
      times: { locked: 5, online: at('2026-11-26T20:00:00Z') },
    });
  });

  test('factsFromEvent: an event older than the fact the door holds changes nothing (webhooks come in any order)', () => {
    const times = { locked: at('2026-11-26T20:00:05Z') };
    expect(factsFromEvent(event('unlocked', '2026-11-26T20:00:00Z'), times)).toEqual({ facts: {}, times });
    // The other fact is not held back by it.
    expect(factsFromEvent(event('connected', '2026-11-26T20:00:00Z'), times).facts).toEqual({ online: true });
  });

  test("newerFacts: a command's facts apply field by field, each only over an older one", () => {
    const began = at('2026-11-26T20:00:00Z');
    // The device dropped off after the lock began (a webhook heard before the lock ended).
    const times = { online: at('2026-11-26T20:00:02Z'), locked: at('2026-11-26T19:00:00Z') };
    expect(newerFacts({ online: true, locked: true }, { online: began, locked: began }, times)).toEqual({
      facts: { locked: true },
      times: { online: at('2026-11-26T20:00:02Z'), locked: began },
    });
    // Nothing known: it applies; a field left undefined, or with no time, is not a fact.
    expect(newerFacts({ online: false, locked: undefined }, { online: began }, {})).toEqual({
      facts: { online: false },
      times: { online: began },
    });
    expect(newerFacts({ locked: true }, {}, {})).toEqual({ facts: {}, times: {} });
    // A tie goes to the newcomer.
    expect(newerFacts({ online: true }, { online: began }, { online: began }).facts).toEqual({ online: true });
  });

  test('seenBetween: in doubt the door believes unlocked and offline — reassuring facts as of the start, alarming ones as of the end', () => {
    expect(seenBetween({ locked: true, online: true }, 1_000, 5_000)).toEqual({ locked: 1_000, online: 1_000 });
    expect(seenBetween({ locked: false, online: false }, 1_000, 5_000)).toEqual({ locked: 5_000, online: 5_000 });
    expect(seenBetween({ locked: undefined, online: true }, 1_000, 5_000)).toEqual({ online: 1_000 });
    // An unlock's "unlocked" is not undone by a lock event from before it ended (say, the lock before it).
    const afterUnlock = newerFacts({ locked: false }, seenBetween({ locked: false }, 1_000, 5_000), {});
    expect(factsFromEvent(event('locked', new Date(3_000).toISOString()), afterUnlock.times).facts).toEqual({});
    // A lock's "locked" is undone by an unlock event from after it began.
    const afterLock = newerFacts({ locked: true }, seenBetween({ locked: true }, 1_000, 5_000), {});
    expect(factsFromEvent(event('unlocked', new Date(3_000).toISOString()), afterLock.times).facts).toEqual({
      locked: false,
    });
  });

  test('factsFromEvent: an attempt end states no device fact', () => {
    expect(
      factsFromEvent(
        { ...event('attempt_ended', '2026-11-26T20:00:00Z'), actionAttemptId: 'a', status: 'success' },
        {},
      ),
    ).toEqual({
      facts: {},
      times: {},
    });
  });

  test('rememberEvent: keeps the newest doorEventMemory IDs', () => {
    let heard: string[] = [];
    for (let i = 0; i < doorEventMemory + 5; i++) heard = rememberEvent(heard, `e${i}`);
    expect(heard).toHaveLength(doorEventMemory);
    expect(heard[0]).toBe('e5');
    expect(heard.at(-1)).toBe(`e${doorEventMemory + 4}`);
  });
});
