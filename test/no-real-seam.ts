// No test may reach the real Seam: drop every SEAM_* variable a developer's shell may carry.
for (const name of Object.keys(process.env)) {
  if (name.startsWith('SEAM_')) delete process.env[name];
}
