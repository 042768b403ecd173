/**
 * How lockstep reaches Temporal: the Temporal way, through `@temporalio/envconfig` — a profile
 * in the Temporal config file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) overridden by
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY and TEMPORAL_TLS*. So Temporal Cloud
 * works by environment alone, and the same variables serve the `temporal` CLI.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { ConfigError, type Env } from './config';

export const defaultTemporalAddress = 'localhost:7233';
export const defaultTemporalNamespace = 'default';

export interface TemporalConnectConfig {
  connectionOptions: NativeConnectionOptions & { address: string };
  namespace: string;
}

/** @throws {ConfigError} when the Temporal config file or variables cannot be read. */
export function temporalConnectConfig(env: Env = process.env): TemporalConnectConfig {
  const overrideEnvVars = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
  );
  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars });
  } catch {
    // Not the library's message: a TOML parse error quotes the offending line, which may hold
    // an api_key.
    const source = env.TEMPORAL_CONFIG_FILE ? 'TEMPORAL_CONFIG_FILE' : 'TEMPORAL_PROFILE';
    throw new ConfigError(
      source,
      'the Temporal client configuration could not be loaded (unreadable file, invalid TOML or unknown profile)',
    );
  }
  const address = loaded.connectionOptions.address || defaultTemporalAddress;
  if (!/^[^\s:/]+(:\d{1,5})?$/.test(address) && !/^\[[0-9a-fA-F:]+\](:\d{1,5})?$/.test(address)) {
    throw new ConfigError('TEMPORAL_ADDRESS', 'must be host:port, e.g. localhost:7233 or my-ns.a1b2c.tmprl.cloud:7233');
  }
  return {
    connectionOptions: { ...loaded.connectionOptions, address },
    namespace: loaded.namespace || defaultTemporalNamespace,
  };
}
