/**
 * Drives a Seam simulator in another process through its `/_simulator/` control routes (loopback
 * only, no auth): scenarios, faults, key rotation, and the counts and command log that fault
 * suites judge by.
 */
import type { CommandLogEntry, DeviceCounts, DeviceScenarioInput, FaultRuleInput } from './seam-simulator';

export class SimulatorControl {
  constructor(readonly url: string) {}

  private async call<T>(route: string, body: unknown = {}): Promise<T> {
    const response = await fetch(`${this.url}/_simulator/${route}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    if (!response.ok) throw new Error(`simulator ${route}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  async setDevice(device: DeviceScenarioInput): Promise<void> {
    await this.call('devices/set', device);
  }

  async setGlobalFaults(faults: FaultRuleInput[]): Promise<void> {
    await this.call('faults/set', { faults });
  }

  async rotateApiKey(apiKey: string): Promise<void> {
    await this.call('api_key/rotate', { apiKey });
  }

  async commandLog(): Promise<CommandLogEntry[]> {
    return (await this.call<{ commands: CommandLogEntry[] }>('commands/list')).commands;
  }

  /** Action attempts in creation order: id, device and status (`pending` until ended). */
  async actionAttempts(): Promise<Array<{ actionAttemptId: string; deviceId: string; status: string }>> {
    return (
      await this.call<{ action_attempts: Array<{ actionAttemptId: string; deviceId: string; status: string }> }>(
        'action_attempts/list',
      )
    ).action_attempts;
  }

  /** Ends a pending attempt (one whose scenario says `outcome: 'never'`) now. */
  async resolveActionAttempt(actionAttemptId: string, status: 'success' | 'error'): Promise<void> {
    await this.call('action_attempts/resolve', { action_attempt_id: actionAttemptId, status });
  }

  /** Counts per device id. */
  async counts(): Promise<Map<string, DeviceCounts>> {
    const { devices } = await this.call<{ devices: Array<{ deviceId: string; counts: DeviceCounts }> }>('devices/list');
    return new Map(devices.map((d) => [d.deviceId, d.counts]));
  }
}
