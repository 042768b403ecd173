import {
  alertConfigFromEnv,
  isConfigError,
  metricsAddressFromEnv,
  minAlertSecretLength,
  type ConfigError,
  type Env,
} from '../../src/ops/config';

const secret = 'alert-secret-0123456789abcdef0123456789';
const url = 'https://alerts.example.com/lockstep?token=abc';

/** The ConfigError `alertConfigFromEnv(env)` throws. */
function configErrorOf(env: Env): ConfigError {
  try {
    alertConfigFromEnv(env);
  } catch (err) {
    if (isConfigError(err)) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('alertConfigFromEnv', () => {
  test('alertConfigFromEnv: unset (or empty) means no receiver: undefined', () => {
    expect(alertConfigFromEnv({})).toBeUndefined();
    expect(alertConfigFromEnv({ LOCKSTEP_ALERT_URL: '', LOCKSTEP_ALERT_SECRET: '' })).toBeUndefined();
  });

  test('alertConfigFromEnv: a URL and a secret of at least 32 characters', () => {
    expect(alertConfigFromEnv({ LOCKSTEP_ALERT_URL: url, LOCKSTEP_ALERT_SECRET: secret })).toEqual({ url, secret });
    const http = 'http://127.0.0.1:9000/alerts';
    const shortest = 's'.repeat(minAlertSecretLength);
    expect(alertConfigFromEnv({ LOCKSTEP_ALERT_URL: http, LOCKSTEP_ALERT_SECRET: shortest })).toEqual({
      url: http,
      secret: shortest,
    });
  });

  test('alertConfigFromEnv: a URL without a secret is a ConfigError naming LOCKSTEP_ALERT_SECRET', () => {
    const err = configErrorOf({ LOCKSTEP_ALERT_URL: url });
    expect(err.variable).toBe('LOCKSTEP_ALERT_SECRET');
    expect(err.message).toMatch(/^LOCKSTEP_ALERT_SECRET: is required when LOCKSTEP_ALERT_URL is set/);
  });

  test('alertConfigFromEnv: a secret without a URL is a ConfigError too (alerts were meant to go somewhere)', () => {
    const err = configErrorOf({ LOCKSTEP_ALERT_SECRET: secret });
    expect(err.variable).toBe('LOCKSTEP_ALERT_SECRET');
    expect(err.message).toContain('LOCKSTEP_ALERT_URL is not');
  });

  test.each([
    [
      'a short secret',
      { LOCKSTEP_ALERT_URL: url, LOCKSTEP_ALERT_SECRET: secret.slice(0, 31) },
      'LOCKSTEP_ALERT_SECRET',
    ],
    [
      'a URL that is not one',
      { LOCKSTEP_ALERT_URL: 'alerts.example.com', LOCKSTEP_ALERT_SECRET: secret },
      'LOCKSTEP_ALERT_URL',
    ],
    [
      'a URL of another scheme',
      { LOCKSTEP_ALERT_URL: 'ftp://alerts.example.com', LOCKSTEP_ALERT_SECRET: secret },
      'LOCKSTEP_ALERT_URL',
    ],
    [
      'a URL with a password',
      { LOCKSTEP_ALERT_URL: `https://ops:${secret}@alerts.example.com/`, LOCKSTEP_ALERT_SECRET: secret },
      'LOCKSTEP_ALERT_URL',
    ],
  ])('alertConfigFromEnv: %s is a ConfigError naming the variable, never its value', (_case, env, variable) => {
    const err = configErrorOf(env);
    expect(err.variable).toBe(variable);
    expect(err.message.startsWith(`${variable}: `)).toBe(true);
    expect(err.message).not.toContain(env.LOCKSTEP_ALERT_SECRET.slice(0, 31));
    expect(err.message).not.toContain(env.LOCKSTEP_ALERT_URL);
  });
});

describe('metricsAddressFromEnv', () => {
  test('metricsAddressFromEnv: unset (or empty) means no metrics; host:port and [ipv6]:port are taken as they are', () => {
    expect(metricsAddressFromEnv({})).toBeUndefined();
    expect(metricsAddressFromEnv({ LOCKSTEP_METRICS_ADDR: '' })).toBeUndefined();
    expect(metricsAddressFromEnv({ LOCKSTEP_METRICS_ADDR: '0.0.0.0:9464' })).toBe('0.0.0.0:9464');
    expect(metricsAddressFromEnv({ LOCKSTEP_METRICS_ADDR: 'worker-1.internal:9464' })).toBe('worker-1.internal:9464');
    expect(metricsAddressFromEnv({ LOCKSTEP_METRICS_ADDR: '[::1]:9464' })).toBe('[::1]:9464');
  });

  test.each(['http://0.0.0.0:9464', '0.0.0.0', ':9464', '0.0.0.0:0', '0.0.0.0:70000', '0.0.0.0:9464/metrics'])(
    'metricsAddressFromEnv: %s is a ConfigError naming LOCKSTEP_METRICS_ADDR',
    (value) => {
      expect(() => metricsAddressFromEnv({ LOCKSTEP_METRICS_ADDR: value })).toThrow(/^LOCKSTEP_METRICS_ADDR: must/);
    },
  );
});
