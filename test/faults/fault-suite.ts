/**
 * `make test-faults`: lockstep's promises under real faults, with real processes — the Temporal
 * dev server on a SQLite file (or, with FAULTS_CLUSTER=1, a real cluster: PostgreSQL and the
 * server's services as separate processes), two `lockstep worker` processes, the Seam simulator
 * as its own process — at FAULTS_PER_SCENARIO (default 50) lock actions per scenario. Counts come from the
 * simulator's command log and from Temporal. Prints one table, writes it as JSON
 * (FAULTS_REPORT, default .data/fault-suite.json), and exits 1 if any row is not as designed.
 *
 *   npx tsx test/faults/fault-suite.ts
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { exitOnSignals } from '../../src/dev/processes';
import { assertBuilt, repoRoot } from '../helpers/processes';
import { sendActivityTimeoutMs } from '../../src/contract/timing-budget';
import { formatTable, historyText, judge, outcomeOf, secretHits, sleep, type Row } from './judge';
import { ClusterFaultStack } from './cluster-stack';
import { clusterScenarios } from './cluster-scenarios';
import { preconditionFailures, scenarios } from './scenarios';
import { FaultStack } from './stack';

async function main(): Promise<number> {
  assertBuilt();
  exitOnSignals(); // Ctrl-C: the cluster's parts (their own process groups) are killed with this process
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const perScenario = Number(process.env.FAULTS_PER_SCENARIO || 50);
  if (!Number.isInteger(perScenario) || perScenario < 1)
    throw new Error('FAULTS_PER_SCENARIO must be a whole number of at least 1');
  const only = process.env.FAULTS_ONLY; // a substring of scenario names, to run a few
  const secrets = {
    seamApiKey: `seam_faults_${randomUUID().replace(/-/g, '')}`,
    temporalApiKey: `tmprl_faults_${randomUUID().replace(/-/g, '')}`,
  };
  // FAULTS_CLUSTER=1 (make test-faults CLUSTER=1): the same promises on a real cluster.
  const onCluster = process.env.FAULTS_CLUSTER === '1';
  const stack = onCluster ? new ClusterFaultStack(secrets) : new FaultStack(secrets);
  const rows: Row[] = [];
  const list = onCluster ? clusterScenarios : scenarios;
  const selected = list.filter((s) => !only || s.name.includes(only));
  try {
    await stack.start(2);
    for (const scenario of selected) {
      process.stderr.write(`fault suite: ${scenario.name} ...\n`);
      const startedMs = Date.now();
      const logFrom = stack.workerLog.length;
      const exitsFrom = stack.unplannedExitsSince(0).length;
      const tracked = await scenario.run(stack, perScenario);
      const untilMs = Date.now() + scenario.timeLimitMs;
      await Promise.all(
        tracked
          .filter((t) => t.handle && !t.outcome)
          .map(async (t) => (t.outcome = await outcomeOf(t.handle!, untilMs))),
      );
      // A hung action could still send: stop it, and give a send try already running on a
      // worker the time it may take to land, before the command log is read.
      const hung = tracked.filter((t) => t.outcome?.kind === 'hung');
      await Promise.all(hung.map((t) => t.handle!.terminate('fault suite: no outcome in time').catch(() => undefined)));
      if (hung.length > 0) await sleep(sendActivityTimeoutMs);
      await Promise.all(tracked.filter((t) => t.handle).map(async (t) => (t.history = await t.handle!.fetchHistory())));
      await scenario.after?.(stack);
      const violations = [
        ...(preconditionFailures.get(tracked) ?? []),
        ...((await scenario.check?.(stack, tracked)) ?? []),
        ...stack.unplannedExitsSince(exitsFrom).map((exit) => `a part exited on its own: ${exit}`),
      ];
      const commands = await stack.sim.commandLog();
      const texts = [
        ...tracked.filter((t) => t.history).map((t) => historyText(t.history!)),
        ...tracked.map((t) => JSON.stringify(t.outcome)),
        ...stack.workerLog.slice(logFrom),
      ];
      const row = judge(
        scenario,
        stack.serverKind,
        tracked,
        commands,
        secretHits(texts, [secrets.seamApiKey, secrets.temporalApiKey]),
        violations,
        (Date.now() - startedMs) / 1000,
      );
      rows.push(row);
      process.stderr.write(
        `fault suite: ${scenario.name}: ${row.asDesigned ? 'as designed' : 'VIOLATED'} in ${row.seconds.toFixed(0)} s\n`,
      );
      for (const note of row.notes.slice(0, 10)) process.stderr.write(`  ${note}\n`);
    }
  } finally {
    await stack.stop();
  }
  const wholeLogHits = secretHits(stack.workerLog, [secrets.seamApiKey, secrets.temporalApiKey]);
  const report = {
    server: stack.serverKind,
    perScenario,
    expectedScenarios: selected.length,
    rows,
    workerLogLines: stack.workerLog.length,
    wholeLogSecretHits: wholeLogHits,
    at: new Date().toISOString(),
  };
  const path = resolve(
    repoRoot,
    process.env.FAULTS_REPORT || (onCluster ? '.data/fault-suite-cluster.json' : '.data/fault-suite.json'),
  );
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(report, null, 2) + '\n');
  console.log(formatTable(rows));
  console.log(`worker log: ${stack.workerLog.length} lines, ${wholeLogHits} secret hits · report: ${path}`);
  const failed = rows.filter((r) => !r.asDesigned).length + (wholeLogHits > 0 ? 1 : 0);
  console.log(`faults: ${rows.length - rows.filter((r) => !r.asDesigned).length} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
