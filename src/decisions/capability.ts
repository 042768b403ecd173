/**
 * May this device be commanded now? A pure decision over the capability snapshot.
 */
import type { CapabilitySnapshot, FailureCode } from '../contract';
import { describeAction, type LockAction } from '../contract/core';

export type CapabilityVerdict =
  { act: true } | { act: false; code: Extract<FailureCode, 'CAPABILITY_MISSING' | 'DEVICE_OFFLINE'>; reason: string };

/**
 * A device may be commanded when Seam says it can do the action remotely (the flag must be
 * present and true: absent means Seam does not know it can) and it is online.
 */
export function assessCapability(snapshot: CapabilitySnapshot, action: LockAction): CapabilityVerdict {
  const flag = action === 'LOCK_DOOR' ? 'canRemotelyLock' : 'canRemotelyUnlock';
  const value = snapshot[flag];
  if (value !== true) {
    const seamField = action === 'LOCK_DOOR' ? 'can_remotely_lock' : 'can_remotely_unlock';
    return {
      act: false,
      code: 'CAPABILITY_MISSING',
      reason: `device ${snapshot.deviceId} cannot ${describeAction(action)} remotely (${seamField} is ${value === null ? 'absent' : 'false'})`,
    };
  }
  if (!snapshot.online) {
    const errors = snapshot.errors.map((e) => e.code);
    return {
      act: false,
      code: 'DEVICE_OFFLINE',
      reason: `device ${snapshot.deviceId} is offline${errors.length > 0 ? ` (${errors.join(', ')})` : ''}`,
    };
  }
  return { act: true };
}
