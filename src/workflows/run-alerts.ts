/**
 * The alerts of one run of a door schedule: a door that needs a person raises one, and the same
 * alert resolves when the door is done after all. Delivered one at a time, in the order raised,
 * beside the doors' tries (a receiver that is down delays no lock); the run's
 * `LockstepAttention` search attribute says whether any is raised, for `lockstep attention`.
 */
import { CancellationScope, condition, log, upsertSearchAttributes } from '@temporalio/workflow';
import type { Alert, AlertSource } from '../contract/alerts';
import type { AlertKind } from '../contract/alerts-core';
import type { ScheduledRunDoor } from '../contract/scheduled-action';
import { attentionKey } from '../contract/search-attributes';
import { doorAlert, sendAlert } from './alerts';

/**
 * How long a run that has finished with its doors still waits for its alerts: long enough for a
 * receiver's restart or deploy (a dozen tries), short enough that the schedule's next run
 * (which waits for this one) is not held by a receiver that is down for hours. An alert still
 * undelivered then is logged and dropped; the run's search attribute and result keep saying it.
 */
export const runAlertDeliveryBoundMs = 10 * 60_000;

export class RunAlerts {
  /** The deliveries so far, one after another. */
  private delivery: Promise<void> = Promise.resolve();
  private undelivered = 0;
  private readonly raised = new Set<string>();

  constructor(private readonly source: Required<Pick<AlertSource, 'workflowId' | 'scheduleId'>>) {}

  /** Raises `kind` for the door unless one is raised already. */
  raise(door: ScheduledRunDoor, kind: AlertKind, message: string): void {
    if (door.attention !== null) return;
    door.attention = kind;
    this.raised.add(door.deviceId);
    this.send(door, kind, 'raised', message);
  }

  /** Resolves the door's raised alert, if any. */
  resolve(door: ScheduledRunDoor, message: string): void {
    const kind = door.attention;
    if (kind === null) return;
    door.attention = null;
    this.raised.delete(door.deviceId);
    this.send(door, kind, 'resolved', message);
  }

  /** Waits for the alerts under way, at most `boundMs`. */
  async delivered(boundMs = runAlertDeliveryBoundMs): Promise<void> {
    if (this.undelivered === 0) return;
    if (await condition(() => this.undelivered === 0, boundMs)) return;
    log.warn('run ends with alerts undelivered', { undelivered: this.undelivered, ...this.source });
  }

  private send(door: ScheduledRunDoor, kind: AlertKind, state: Alert['state'], message: string): void {
    const alert = doorAlert(this.source, door, kind, state, message);
    const { alertId } = alert;
    upsertSearchAttributes([{ key: attentionKey, value: this.raised.size > 0 }]);
    this.undelivered++;
    // Not cancelled with the run: a cancelled run still tells what it raised and gave up on,
    // within its grace (see delivered()); sendAlert rejects on nothing else.
    this.delivery = this.delivery
      .then(() => CancellationScope.nonCancellable(() => sendAlert(alert)))
      .catch((err) => log.error('alert delivery broke', { alertId, error: String(err) }))
      .finally(() => this.undelivered--);
  }
}
