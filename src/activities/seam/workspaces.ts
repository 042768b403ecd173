/**
 * The Seam workspaces one worker serves, by alias: one client each, built once. Inputs name an
 * alias (`workspace`), never a key; the keys stay in the worker process.
 */
import { ApplicationFailure } from '@temporalio/common';
import { createSeamClient, type SeamClient, type SeamConfig, type SeamRequestObserver } from './client';

/** One workspace: how to reach it, and (for the webhook receiver) its webhook secret. */
export type SeamWorkspaceConfig = SeamConfig & { webhookSecret?: string };

/**
 * Every workspace the worker serves (LOCKSTEP_SEAM_WORKSPACES, or SEAM_API_KEY alone as the
 * workspace `default`); `defaultAlias` serves inputs that name none (null: every input must).
 */
export interface SeamWorkspacesConfig {
  workspaces: Record<string, SeamWorkspaceConfig>;
  defaultAlias: string | null;
}

/** The alias SEAM_API_KEY alone serves as. */
export const singleWorkspaceAlias = 'default';

/** One workspace as the whole fleet's default (SEAM_API_KEY, tests, the dev stack). */
export function singleWorkspace(seam: SeamConfig): SeamWorkspacesConfig {
  return { workspaces: { [singleWorkspaceAlias]: seam }, defaultAlias: singleWorkspaceAlias };
}

export interface SeamWorkspaces {
  /**
   * The client of workspace `alias`, or of the default one when undefined.
   * @throws {ApplicationFailure} UNKNOWN_WORKSPACE (non-retryable) for an alias this worker does not serve
   */
  resolve(alias: string | undefined): { alias: string; seam: SeamClient };
  /** Some workspace (for work that reaches no Seam: an invalid input's check, reads of Temporal). */
  anyAlias: string;
  /** Whether `alias` (undefined: the default) resolves. */
  serves: (alias: string | undefined) => boolean;
}

export function seamWorkspaces(config: SeamWorkspacesConfig, observe?: SeamRequestObserver): SeamWorkspaces {
  const clients = new Map(
    Object.entries(config.workspaces).map(([alias, workspace]) => [alias, createSeamClient(workspace, observe)]),
  );
  const anyAlias = config.defaultAlias ?? [...clients.keys()][0];
  return {
    anyAlias,
    serves: (alias) => {
      const wanted = alias ?? config.defaultAlias;
      return wanted !== null && clients.has(wanted);
    },
    resolve(alias) {
      const wanted = alias ?? config.defaultAlias;
      const seam = wanted === null ? undefined : clients.get(wanted);
      if (wanted === null || !seam) {
        throw ApplicationFailure.nonRetryable(
          wanted === null
            ? 'the input names no workspace and this worker has no default one (LOCKSTEP_SEAM_WORKSPACES sets none); no Seam call was made'
            : `workspace ${JSON.stringify(wanted)} is not one this worker serves (see its LOCKSTEP_SEAM_WORKSPACES); no Seam call was made`,
          'UNKNOWN_WORKSPACE',
        );
      }
      return { alias: wanted, seam };
    },
  };
}
