import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  alertConfigFromEnv,
  isConfigError,
  metricsAddressFromEnv,
  minAlertSecretLength,
  pushFromEnv,
  seamWorkspacesFromEnv,
  webhookReceiverConfigFromEnv,
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
  test('metricsAddressFromEnv: unset (or empty) means no metrics; ip:port and [ipv6]:port are taken as they are', () => {
    expect(metricsAddressFromEnv({})).toBeUndefined();
    expect(metricsAddressFromEnv({ LOCKSTEP_METRICS_ADDR: '' })).toBeUndefined();
    expect(metricsAddressFromEnv({ LOCKSTEP_METRICS_ADDR: '0.0.0.0:9464' })).toBe('0.0.0.0:9464');
    expect(metricsAddressFromEnv({ LOCKSTEP_METRICS_ADDR: '[::1]:9464' })).toBe('[::1]:9464');
  });

  test.each([
    'http://0.0.0.0:9464',
    '0.0.0.0',
    ':9464',
    '0.0.0.0:0',
    '0.0.0.0:70000',
    '0.0.0.0:9464/metrics',
    // The runtime's exporter binds a socket address: a host name would crash it at start.
    'localhost:9464',
    'worker-1.internal:9464',
    '999.1.1.1:9464',
  ])('metricsAddressFromEnv: %s is a ConfigError naming LOCKSTEP_METRICS_ADDR', (value) => {
    expect(() => metricsAddressFromEnv({ LOCKSTEP_METRICS_ADDR: value })).toThrow(/^LOCKSTEP_METRICS_ADDR: must/);
  });
});

describe('webhookReceiverConfigFromEnv', () => {
  // Made up per run: 24 random bytes, as Seam's secrets are.
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;

  test('webhookReceiverConfigFromEnv: loopback 8788 by default; SEAM_WEBHOOK_SECRET is the one secret', () => {
    expect(webhookReceiverConfigFromEnv({ SEAM_WEBHOOK_SECRET: webhookSecret })).toEqual({
      host: '127.0.0.1',
      port: 8788,
      secrets: [webhookSecret],
    });
    expect(
      webhookReceiverConfigFromEnv({ SEAM_WEBHOOK_SECRET: webhookSecret, LOCKSTEP_WEBHOOK_ADDR: '[::]:9000' }),
    ).toMatchObject({ host: '::', port: 9000 });
  });

  test.each([
    ['unset', undefined, /SEAM_WEBHOOK_SECRET: is required/],
    ['not whsec_', 'seam_abc', /SEAM_WEBHOOK_SECRET: must be a Seam webhook secret/],
    ['too short', 'whsec_AAAA', /SEAM_WEBHOOK_SECRET: is too short/],
    ['not base64', 'whsec_not base64!', /SEAM_WEBHOOK_SECRET: must be a Seam webhook secret/],
  ])('webhookReceiverConfigFromEnv: a secret %s is a ConfigError that never echoes it', (_what, value, message) => {
    let error: unknown;
    try {
      webhookReceiverConfigFromEnv({ SEAM_WEBHOOK_SECRET: value });
    } catch (err) {
      error = err;
    }
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
    if (value) expect((error as Error).message).not.toContain(value);
  });

  test('webhookReceiverConfigFromEnv: LOCKSTEP_WEBHOOK_ADDR must be ip:port', () => {
    expect(() =>
      webhookReceiverConfigFromEnv({ SEAM_WEBHOOK_SECRET: webhookSecret, LOCKSTEP_WEBHOOK_ADDR: 'localhost:8788' }),
    ).toThrow(/^LOCKSTEP_WEBHOOK_ADDR: must/);
  });
});

describe('pushFromEnv', () => {
  test('pushFromEnv: off unless LOCKSTEP_PUSH is on; anything else is a ConfigError', () => {
    expect(pushFromEnv({})).toBe(false);
    expect(pushFromEnv({ LOCKSTEP_PUSH: 'off' })).toBe(false);
    expect(pushFromEnv({ LOCKSTEP_PUSH: 'on' })).toBe(true);
    expect(() => pushFromEnv({ LOCKSTEP_PUSH: 'yes' })).toThrow(/^LOCKSTEP_PUSH: must be on or off/);
  });
});

describe('seamWorkspacesFromEnv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-config-'));
  // Made up per run: the shape of a key, never a real one.
  const key = `seam_test${randomUUID().replace(/-/g, '')}`;
  const fileWith = (content: unknown, mode = 0o600) => {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    chmodSync(path, mode);
    return path;
  };
  const errorOf = (env: Env): string => {
    try {
      seamWorkspacesFromEnv(env);
    } catch (err) {
      if (isConfigError(err)) return err.message;
      throw err;
    }
    throw new Error('expected a ConfigError');
  };

  test('seamWorkspacesFromEnv: without the file, SEAM_API_KEY is the one workspace, default', () => {
    expect(seamWorkspacesFromEnv({ SEAM_API_KEY: key })).toEqual({
      workspaces: { default: { apiKey: key, endpoint: 'https://connect.getseam.com', requestTimeoutMs: 10_000 } },
      defaultAlias: 'default',
    });
  });

  test('seamWorkspacesFromEnv: the file: API keys and personal access tokens by alias, SEAM_ENDPOINT unless an entry names its own', () => {
    const path = fileWith({
      default: 'acme',
      workspaces: {
        acme: { apiKey: key },
        globex: { personalAccessToken: 'seam_at_token', workspaceId: 'ws_1', endpoint: 'http://127.0.0.1:9/' },
      },
    });
    expect(seamWorkspacesFromEnv({ LOCKSTEP_SEAM_WORKSPACES: path, SEAM_ENDPOINT: 'http://seam.internal/' })).toEqual({
      workspaces: {
        acme: { apiKey: key, endpoint: 'http://seam.internal/', requestTimeoutMs: 10_000 },
        globex: {
          personalAccessToken: 'seam_at_token',
          workspaceId: 'ws_1',
          endpoint: 'http://127.0.0.1:9/',
          requestTimeoutMs: 10_000,
        },
      },
      defaultAlias: 'acme',
    });
    expect(
      seamWorkspacesFromEnv({ LOCKSTEP_SEAM_WORKSPACES: fileWith({ workspaces: { a: { apiKey: key } } }) })
        .defaultAlias,
    ).toBeNull();
  });

  test.each([
    ['not JSON', 'not json', 'is not JSON'],
    ['no workspace', { workspaces: {} }, 'workspaces: must name at least one workspace'],
    ['an alias with capitals', { workspaces: { Acme: { apiKey: key } } }, 'aliases are lower-case'],
    ['a key pasted as an alias', { workspaces: { [key]: { apiKey: key } } }, 'aliases are lower-case'],
    [
      'a default that is not a workspace',
      { default: 'b', workspaces: { a: { apiKey: key } } },
      'default: default must be one of',
    ],
    ['a key without seam_', { workspaces: { a: { apiKey: 'sk_live_0123456789' } } }, 'workspaces.a'],
    ['an unknown field', { workspaces: { a: { apiKey: key, password: 'x' } } }, 'workspaces.a'],
  ])(
    'seamWorkspacesFromEnv: a file with %s is a ConfigError naming the variable, never a key',
    (_case, content, message) => {
      const error = errorOf({ LOCKSTEP_SEAM_WORKSPACES: fileWith(content) });
      expect(error).toMatch(/^LOCKSTEP_SEAM_WORKSPACES: /);
      expect(error).toContain(message);
      expect(error).not.toContain(key);
    },
  );

  test('seamWorkspacesFromEnv: a missing file, a file others can read, or SEAM_API_KEY beside it, are ConfigErrors', () => {
    expect(errorOf({ LOCKSTEP_SEAM_WORKSPACES: join(dir, 'missing.json') })).toContain('cannot read');
    expect(errorOf({ LOCKSTEP_SEAM_WORKSPACES: fileWith({ workspaces: { a: { apiKey: key } } }, 0o640) })).toContain(
      'mode 640',
    );
    expect(
      errorOf({ LOCKSTEP_SEAM_WORKSPACES: fileWith({ workspaces: { a: { apiKey: key } } }), SEAM_API_KEY: key }),
    ).toMatch(/^SEAM_API_KEY: is set beside LOCKSTEP_SEAM_WORKSPACES/);
  });
});

describe('webhookReceiverConfigFromEnv with LOCKSTEP_SEAM_WORKSPACES', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-webhooks-'));
  const secretOf = () => `whsec_${randomBytes(24).toString('base64')}`;
  const key = () => `seam_test${randomUUID().replace(/-/g, '')}`;

  test("webhookReceiverConfigFromEnv: every workspace's webhookSecret verifies, beside SEAM_WEBHOOK_SECRET", () => {
    const [first, second, own] = [secretOf(), secretOf(), secretOf()];
    const path = join(dir, 'workspaces.json');
    writeFileSync(
      path,
      JSON.stringify({
        workspaces: {
          hotel: { apiKey: key(), webhookSecret: first },
          offices: { apiKey: key(), webhookSecret: second },
          quiet: { apiKey: key() },
        },
        default: 'hotel',
      }),
    );
    chmodSync(path, 0o600);
    expect(webhookReceiverConfigFromEnv({ LOCKSTEP_SEAM_WORKSPACES: path }).secrets).toEqual([first, second]);
    expect(webhookReceiverConfigFromEnv({ LOCKSTEP_SEAM_WORKSPACES: path, SEAM_WEBHOOK_SECRET: own }).secrets).toEqual([
      own,
      first,
      second,
    ]);
  });
});
