/**
 * The contract from another language: test/python/contract_check.py, on the official Temporal
 * Python SDK (from PyPI, in the venv `make python-check` installs), starts a lock action, a
 * failing one and a stay by type name with plain JSON against the dev server, the production
 * worker and the Seam simulator, and validates what comes back against schemas/ (a real process).
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { useLockstepFixture } from '../helpers/lockstep-fixture';
import { cleanEnv, repoRoot, runProcess } from '../helpers/processes';
import { startDevServerEnv } from '../helpers/temporal';

const fx = useLockstepFixture(startDevServerEnv);

/**
 * The venv's python, named as scripts/install-python-check.sh names it (after the hash of
 * test/python/requirements.txt): a missing one is an error naming its install step, never a skip.
 */
function contractPython(): string {
  const requirements = readFileSync(resolve(repoRoot, 'test', 'python', 'requirements.txt'));
  const hash = createHash('sha256').update(requirements).digest('hex').slice(0, 12);
  const venv = resolve(repoRoot, '.tools', `python-contract-${hash}`);
  if (!existsSync(resolve(venv, '.complete')))
    throw new Error(
      `the Python contract check is not installed at ${venv}: run \`make python-check\` (make test does)`,
    );
  return resolve(venv, 'bin', 'python');
}

test('Python (temporalio SDK): a lock, a failing lock and a stay started by type name with plain JSON; results, failure report and input valid by schemas/', async () => {
  const python = contractPython();
  const ready = fx.device({ locked: false });
  const offline = fx.device({ online: false, errors: [{ error_code: 'device_offline', message: 'offline' }] });
  const run = await runProcess(
    python,
    // Unbuffered: a run that is stopped still shows the checks it passed.
    ['-u', resolve(repoRoot, 'test', 'python', 'contract_check.py')],
    cleanEnv({
      TEMPORAL_ADDRESS: fx.env.connection.options.address,
      LOCKSTEP_TASK_QUEUE: fx.taskQueue,
      READY_DEVICE: ready,
      OFFLINE_DEVICE: offline,
      STAY_KEY: `py-stay-${randomUUID().slice(0, 8)}`,
    }),
    120_000,
  );
  expect(run.stderr).not.toMatch(/FAIL/);
  // On failure, how far it got and what it said.
  if (run.code !== 0)
    throw new Error(
      `contract_check.py exited ${run.code ?? run.signal}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`,
    );
  expect(run.stdout.split('\n').filter((line) => line.startsWith('ok '))).toEqual([
    'ok lock input is valid by the input schema',
    'ok an unknown field is refused by the input schema',
    'ok LockDoorWorkflow result matches the result schema',
    "ok the failure's details[0] matches the failure-report schema",
    "ok the ApplicationError type is the report's code (DEVICE_OFFLINE)",
    "ok the door's query answer is valid by the door-view schema",
    'ok stay input is valid by the reservation-input schema',
    'ok ReservationWorkflow started by name answers its reservation query (booked)',
    "ok the stay's query answer is valid by the reservation-view schema",
    "ok the stay's cancel update, by name",
  ]);
  expect(
    fx.sim
      .commandLog()
      .filter((c) => c.deviceId === ready)
      .map((c) => c.action),
  ).toEqual(['LOCK_DOOR']);
}, 180_000);
