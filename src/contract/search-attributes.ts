/**
 * lockstep's search attributes: what an operator filters on in the Web UI or with
 * `temporal workflow list --query` (e.g. `LockstepAttention = true`). Workflow-safe (no zod, no
 * Node). The dev stack registers them; `lockstep worker` adds any that are missing, or stops
 * with exit 78 and the command that adds them where it may not (src/ops/search-attributes.ts).
 */
import { defineSearchAttributeKey } from '@temporalio/common';

/** Every door a workflow acts on: a lock action's device, a stay's doors, a door's device. */
export const deviceIdsKey = defineSearchAttributeKey('LockstepDeviceIds', 'KEYWORD_LIST');
/** A stay's reservation key (also on the lock actions it runs). */
export const reservationKeyKey = defineSearchAttributeKey('LockstepReservationKey', 'KEYWORD');
/** How it ended: `success` or a failure code (lock actions); `locked`, `cancelled`, `attention`, `superseded` (stays). */
export const outcomeKey = defineSearchAttributeKey('LockstepOutcome', 'KEYWORD');
/** A person is needed: a stay with a door not locked in time or an unlock not sent, a lock action whose outcome is unknown. */
export const attentionKey = defineSearchAttributeKey('LockstepAttention', 'BOOL');

export const lockstepSearchAttributes = [deviceIdsKey, reservationKeyKey, outcomeKey, attentionKey] as const;

/** The `temporal` CLI's name of each type (for the command that registers them). */
export const cliTypeNames = { KEYWORD_LIST: 'KeywordList', KEYWORD: 'Keyword', BOOL: 'Bool' } as const;

/** The `Name=Type` pairs of `temporal server start-dev --search-attribute`. */
export function searchAttributeFlags(): string[] {
  return lockstepSearchAttributes.map((key) => `${key.name}=${cliTypeNames[key.type]}`);
}

/** The `temporal operator search-attribute create` commands (one per type) that register `missing` on `namespace`. */
export function registerSearchAttributesCommand(
  namespace: string,
  missing: readonly (typeof lockstepSearchAttributes)[number][] = lockstepSearchAttributes,
): string {
  return missing
    .map(
      (key) =>
        `temporal operator search-attribute create --namespace ${namespace} --name ${key.name} --type ${cliTypeNames[key.type]}`,
    )
    .join(' && ');
}
