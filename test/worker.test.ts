import { secretsOf, workerConfigFromEnv } from '../src/worker';

describe('workerConfigFromEnv', () => {
  test('workerConfigFromEnv: reads the alert receiver; secretsOf redacts its secret', () => {
    const alertSecret = 'alert-secret-0123456789abcdef0123456789';
    const config = workerConfigFromEnv({
      SEAM_API_KEY: 'seam_test_key',
      TEMPORAL_ADDRESS: 'localhost:7233',
      LOCKSTEP_ALERT_URL: 'https://alerts.example.com/lockstep',
      LOCKSTEP_ALERT_SECRET: alertSecret,
    });
    expect(config.alerts).toEqual({ url: 'https://alerts.example.com/lockstep', secret: alertSecret });
    expect(secretsOf(config)).toEqual(expect.arrayContaining(['seam_test_key', alertSecret]));
  });

  test('workerConfigFromEnv: without LOCKSTEP_ALERT_URL there is no receiver', () => {
    const config = workerConfigFromEnv({ SEAM_API_KEY: 'seam_test_key', TEMPORAL_ADDRESS: 'localhost:7233' });
    expect(config.alerts).toBeUndefined();
    expect(secretsOf(config)).not.toContain(undefined);
  });
});
