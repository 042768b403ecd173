/**
 * The decisions of a lock action, as plain functions over plain data, one file per family: may
 * we act (capability), when may we send (sending), how long until the next read (polling), did
 * it work and what to warn of (outcome); and of a door schedule's run, which time it acts for
 * and until when it may unlock (scheduling). Workflows and activities call these; unit tests
 * prove them without Temporal. No Node APIs, no zod: the workflow sandbox imports this folder.
 */
export * from './capability';
export * from './door';
export * from './outcome';
export * from './polling';
export * from './reservation';
export * from './scheduling';
export * from './sending';
