// No test may reach the real Seam or a real alert receiver: drop every SEAM_* and
// LOCKSTEP_ALERT_* variable a developer's shell may carry.
for (const name of Object.keys(process.env)) {
  if (name.startsWith('SEAM_') || name.startsWith('LOCKSTEP_ALERT_')) delete process.env[name];
}
