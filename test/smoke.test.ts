import { startSeamSimulator } from '../src/simulator/seam-simulator';
import { createLockstepWorker, startTimeSkippingEnv } from './helpers/temporal';

test('smoke', async () => {
  const env = await startTimeSkippingEnv();
  const sim = await startSeamSimulator({ apiKey: 'seam_sim_key', devices: [{ deviceId: 'd1', attempt: { pendingMs: 500 } }] });
  const { worker, taskQueue } = await createLockstepWorker(env, { apiKey: 'seam_sim_key', endpoint: sim.url });
  const t0 = Date.now();
  const result = await worker.runUntil(env.client.workflow.execute('LockDoorWorkflow', { args: [{ deviceId: 'd1' }], taskQueue, workflowId: 'w1' }));
  console.log(result, Date.now() - t0, sim.countsFor('d1'));
  await sim.close();
  await env.teardown();
});
