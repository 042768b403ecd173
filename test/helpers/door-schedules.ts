/**
 * The two door schedules, as a caller writes them ("lock front-door and back-door every
 * day at 23:00 Europe/Berlin except 24–26 December; unlock front-door 08:00 Monday–Friday"):
 * one base for the tests that vary them.
 */
import type { DoorScheduleDefinition } from '../../src/contract/schedules';

export function officeNight(change: Partial<DoorScheduleDefinition> = {}): DoorScheduleDefinition {
  return {
    scheduleId: 'office-night',
    action: 'lock',
    deviceIds: ['front-door', 'back-door'],
    at: '23:00',
    timezone: 'Europe/Berlin',
    skip: ['12-24..12-26'],
    ...change,
  };
}

export function officeMorning(change: Partial<DoorScheduleDefinition> = {}): DoorScheduleDefinition {
  return {
    scheduleId: 'office-morning',
    action: 'unlock',
    deviceIds: ['front-door'],
    at: '08:00',
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    timezone: 'Europe/Berlin',
    unlockWindow: '15m',
    ...change,
  };
}
