/**
 * The zod-free core of the stay contract (workflow code imports it): `ReservationWorkflow`,
 * workflow ID `reservation/<reservationKey>`, its updates and query, the plan it acts on, and
 * what it reports. The schema callers send is in ./reservation.ts.
 */
import type { Alert } from './alerts';
import type { AlertKind } from './alerts-core';
import type { FailureCode, LockAction } from './core';
import type { DoorSeamEvent } from './door';

export const reservationWorkflowType = 'ReservationWorkflow';

/** One stay per reservation key: a property-management system pushes every change to it. */
export function reservationWorkflowId(reservationKey: string): string {
  return `reservation/${reservationKey}`;
}

export const reservationUpdateNames = {
  /** The whole reservation again (same shape as the start input); the same payload twice changes nothing. */
  upsert: 'upsert',
  /** The guest leaves now: check-out starts at once. */
  checkOutNow: 'checkOutNow',
  /** The stay is cancelled: nothing is unlocked afterwards; doors it unlocked are locked at once. */
  cancel: 'cancel',
} as const;
/** Query that returns {@link ReservationView}. */
export const reservationQueryName = 'reservation';

/** Signals a stay receives: from the webhook receiver, what Seam says of one of its doors. */
export const reservationSignalNames = {
  /** {@link StayDoorEvent}: a door of the stay connected, or was locked or unlocked. */
  doorEvent: 'reservationDoorEvent',
} as const;

/** A Seam event about one of a stay's doors (the receiver finds the stays by `LockstepDeviceIds`). */
export interface StayDoorEvent {
  deviceId: string;
  event: DoorSeamEvent;
}

/**
 * Defaults, and why:
 * - watchAfterCheckOut 1 h: a door unlocked (by hand, keypad or app) in the hour after the stay
 *   locked it at check-out is a person's to check — a guest back for a forgotten bag, or a door
 *   left open; past the hour, housekeeping and the next guest are the property's own business.
 * - unlockWindow 15 min: a guest arriving at check-in finds the door open; an unlock that cannot
 *   go out within 15 minutes (door offline, Seam down) is not sent later, when nobody expects it.
 * - lockRetryHorizon 24 h: a door offline at check-out is locked the moment it returns, even the
 *   next morning; past a day, a person has long been told and the stay ends.
 * - attentionAfter 10 min: long enough for a hub's blip, short enough for housekeeping to act
 *   before the next guest.
 */
export const reservationDefaults = {
  unlockAtCheckIn: false,
  unlockWindowMs: 15 * 60_000,
  lockAtCheckOut: true,
  lockRetryHorizonMs: 24 * 60 * 60_000,
  attentionAfterMs: 10 * 60_000,
  watchAfterCheckOutMs: 60 * 60_000,
} as const;

/**
 * Fail-secure retries of a lock at check-out: every 30 s for the first 10 minutes (a door back
 * online is locked within half a minute), then doubling up to every 15 minutes until the horizon.
 */
export const checkOutRetry = { fastMs: 30_000, fastForMs: 10 * 60_000, maxMs: 15 * 60_000 } as const;

/** Unlock tries at check-in: every 30 s while the unlock window lasts. */
export const checkInRetryMs = 30_000;

/** Most doors one stay may hold. */
export const maxReservationDoors = 50;
/** Longest reservation key: it is part of lock action request IDs (`<key>.<round>`) and alert IDs. */
export const maxReservationKeyLength = 64;

/** The reservation with every default applied: what the stay acts on. */
export interface ReservationPlan {
  reservationKey: string;
  deviceIds: string[];
  /** Epoch ms. */
  checkInMs: number;
  checkOutMs: number;
  unlockAtCheckIn: boolean;
  unlockWindowMs: number;
  lockAtCheckOut: boolean;
  lockRetryHorizonMs: number;
  attentionAfterMs: number;
  /** How long after check-out the stay watches its locked doors (0: not at all); absent from stays planned before it existed. */
  watchAfterCheckOutMs?: number;
  metadata: Record<string, string>;
  /** The Seam workspace alias every door's lock actions name; absent: the workers' default. */
  workspace?: string;
}

/**
 * Where a stay is: `booked` (before check-in), `checked_in` (between check-in and check-out),
 * `checking_out` (locking its doors), `checked_out` (every door done with at check-out; the stay
 * watches the doors it locked until `watchAfterCheckOut` has passed), `ended` (all done, or given
 * up with attention), `cancelled`.
 */
export const stayStages = ['booked', 'checked_in', 'checking_out', 'checked_out', 'ended', 'cancelled'] as const;
export type StayStage = (typeof stayStages)[number];

/** What the stay knows of one of its doors. */
export interface StayDoor {
  deviceId: string;
  /** No longer part of the stay (an upsert removed it); still locked if the stay had unlocked it. */
  removed: boolean;
  /** Its check-in unlock is done with: sent, refused, or missed (never tried again). */
  checkInSettled: boolean;
  /** The stay unlocked it, or may have (and so owes it a lock). */
  unlockedByStay: boolean;
  /** Locked by the stay at check-out (or cancel). */
  locked: boolean;
  /**
   * The stay stopped trying to lock it: `gave_up` at the retry horizon (attention stays), or
   * `superseded` when a newer request at the door (another stay's check-in, staff) overtook it.
   */
  stopped: 'gave_up' | 'superseded' | null;
  /** `success`, a failure code, or null before any action. */
  lastOutcome: 'success' | FailureCode | null;
  lastAction: LockAction | null;
  /** ISO-8601 of the last outcome. */
  lastOutcomeAt: string | null;
  /** Lock actions the stay ran for this door. */
  actions: number;
  /** Why a person is needed at this door (raised alerts not yet resolved); empty when none is. */
  attention: AlertKind[];
}

/** A door as a stay first holds it: nothing done, nothing owed, no attention. */
export function newStayDoor(deviceId: string): StayDoor {
  return {
    deviceId,
    removed: false,
    checkInSettled: false,
    unlockedByStay: false,
    locked: false,
    stopped: null,
    lastOutcome: null,
    lastAction: null,
    lastOutcomeAt: null,
    actions: 0,
    attention: [],
  };
}

/** The `reservation` query, and the answer to each update. */
export interface ReservationView {
  reservationKey: string;
  stage: StayStage;
  checkIn: string;
  checkOut: string;
  unlockAtCheckIn: boolean;
  lockAtCheckOut: boolean;
  doors: StayDoor[];
  /** What the stay waits for next, in words, and when (ISO-8601; null when nothing is due). */
  waitingFor: { what: string; at: string | null };
  /** Some door needs a person. */
  attention: boolean;
  /** Changes accepted so far (upserts that changed something, check-out now, cancel). */
  revisions: number;
}

/** What the stay's next step is decided from (decisions/reservation.ts). */
export interface StayFacts {
  plan: ReservationPlan;
  doors: StayDoor[];
  cancelled: boolean;
  /** Epoch ms check-out began; null before. */
  checkOutBeganMs: number | null;
  /** Epoch ms the stay first owed a lock (check-out, cancel, a removed door): retries and attention count from it. */
  lockingSinceMs: number | null;
  /** Epoch ms before which a failed round is not tried again; null: no round failed. */
  retryAtMs: number | null;
}

/** What a stay carries into its next run (continue-as-new). */
export interface StayCarry extends StayFacts {
  revisions: number;
  /** Rounds of lock actions run so far (child workflow IDs count them). */
  rounds: number;
  /** Alerts not yet delivered, oldest first (absent: none). */
  pendingAlerts?: Alert[];
  /** Lock-state events heard lately, per door (absent: none heard). */
  lockEvents?: Record<string, HeardLockEvent[]>;
  /** The lock each door got at check-out: its attempt, and when the stay learned it succeeded (epoch ms). */
  checkOutLocks?: Record<string, CheckOutLock>;
}

/** A `lock.locked` / `lock.unlocked` a stay heard of one of its doors. */
export interface HeardLockEvent {
  kind: 'locked' | 'unlocked';
  /** Seam's `occurred_at`, epoch ms. */
  atMs: number;
  /** The attempt that moved it, when Seam started it. */
  actionAttemptId?: string;
}

/** The lock a stay's door got at check-out. */
export interface CheckOutLock {
  actionAttemptId: string;
  /** When the lock action finished (epoch ms): later than the lock itself, by the time it took to learn it. */
  finishedAtMs: number;
}

/** Lock-state events a stay keeps per door. */
export const stayLockEventMemory = 20;
