/**
 * The alert receiver (src/dev/alert-receiver.ts) as a test fixture: a real HTTP server that
 * verifies every signature, started in `beforeAll` and closed in `afterAll` of its test file.
 */
import { alertReceiver, type AlertReceiver } from '../../src/dev/alert-receiver';
import { forTestFile } from './test-file-fixture';

export type { AlertReceiver as AlertReceiverFixture, ReceivedAlertRequest } from '../../src/dev/alert-receiver';
export { alertReceiver as alertReceiverFixture } from '../../src/dev/alert-receiver';

/** A receiver for the whole test file, started in `beforeAll` and closed in `afterAll`. */
export function useAlertReceiver(): AlertReceiver {
  return forTestFile(alertReceiver());
}
