/** What a fixture that owns a real part (a server, a process) offers its test file. */
export interface StartStop {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `fixture` in `beforeAll` and stops it in `afterAll`: one for the whole test file. */
export function forTestFile<F extends StartStop>(fixture: F): F {
  beforeAll(() => fixture.start());
  afterAll(() => fixture.stop());
  return fixture;
}
