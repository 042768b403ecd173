import { isConfigError } from '../../src/ops/config';
import { tracingFromEnv } from '../../src/ops/tracing-config';

describe('tracingFromEnv', () => {
  test('tracingFromEnv: off with no OTLP endpoint, or when OTEL_SDK_DISABLED / OTEL_TRACES_EXPORTER=none say so', () => {
    expect(tracingFromEnv({})).toBeUndefined();
    expect(tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBeUndefined();
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracingFromEnv({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
    expect(tracingFromEnv({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
  });

  test('tracingFromEnv: the traces endpoint wins over the general one; the service name defaults to lockstep; header values are kept to be redacted', () => {
    expect(
      tracingFromEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/v1/traces',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=secret-one, x-team=ops',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'authorization=Bearer secret-two',
      }),
    ).toEqual({
      endpoint: 'https://traces.example.com/v1/traces',
      serviceName: 'lockstep',
      headerValues: ['secret-one', 'ops', 'Bearer secret-two'],
    });
    expect(
      tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'front-desk' })
        ?.serviceName,
    ).toBe('front-desk');
  });

  test.each(['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'])(
    'tracingFromEnv: a malformed %s is a ConfigError naming it',
    (name) => {
      let error: unknown;
      try {
        tracingFromEnv({ [name]: 'collector:4318' });
      } catch (err) {
        error = err;
      }
      expect(isConfigError(error) && error.message).toBe(`${name}: must be an http(s) URL`);
    },
  );
});
