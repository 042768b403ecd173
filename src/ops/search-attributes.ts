/**
 * A worker's check that its namespace has lockstep's search attributes: workflows that write an
 * unregistered one fail their workflow tasks over and over. Missing ones are added where the
 * worker's credentials allow it; otherwise it stops with a configuration error (exit 78) that
 * names the command an operator runs.
 */
import { temporal } from '@temporalio/proto';
import type { SearchAttributeType } from '@temporalio/common';
import { lockstepSearchAttributes, registerSearchAttributesCommand } from '../contract/search-attributes';
import { ConfigError } from './config';

type OperatorService = temporal.api.operatorservice.v1.OperatorService;
type LockstepKey = (typeof lockstepSearchAttributes)[number];

const indexedValueTypes: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  TEXT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** Registers `keys` on `namespace` (the Java time-skipping server takes this, though it cannot list them). */
export async function addSearchAttributes(
  operator: OperatorService,
  namespace: string,
  keys: readonly LockstepKey[] = lockstepSearchAttributes,
): Promise<void> {
  const searchAttributes = Object.fromEntries(keys.map((key) => [key.name, indexedValueTypes[key.type]]));
  await operator.addSearchAttributes({ namespace, searchAttributes });
}

/**
 * Makes sure every lockstep search attribute exists on `namespace`; returns the names it added.
 * @throws {ConfigError} when some are missing and this worker may not add them.
 */
export async function ensureSearchAttributes(operator: OperatorService, namespace: string): Promise<string[]> {
  const { customAttributes } = await operator.listSearchAttributes({ namespace });
  const missing = lockstepSearchAttributes.filter((key) => !(key.name in (customAttributes ?? {})));
  if (missing.length === 0) return [];
  try {
    await addSearchAttributes(operator, namespace, missing);
  } catch (err) {
    throw new ConfigError(
      'search attributes',
      `${missing.map((key) => key.name).join(', ')} missing on namespace ${namespace}, and this worker may not add them ` +
        `(${err instanceof Error ? err.message : String(err)}). Run: ${registerSearchAttributesCommand(namespace, missing)}`,
    );
  }
  return missing.map((key) => key.name);
}
