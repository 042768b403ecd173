/**
 * SIGINT / SIGTERM as operators expect: the first stops gracefully, a second exits at once
 * (code 130). Shared by the worker and the dev stack.
 */
export interface ShutdownHandlers {
  /** The first signal: begin a graceful stop. */
  first(signal: NodeJS.Signals): void;
  /** A second signal, just before the process exits: stop what must not outlive it. */
  again(signal: NodeJS.Signals): void;
}

/** Installs the handlers; the returned function removes them. */
export function onShutdownSignals(handlers: ShutdownHandlers): () => void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      handlers.first(signal);
    } else {
      handlers.again(signal);
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
