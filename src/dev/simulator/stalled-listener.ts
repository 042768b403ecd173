/**
 * A loopback TCP port on which a connect never completes: what a client sees when Seam's
 * address swallows SYNs (a black-holed route, a dead load balancer). Point `SEAM_ENDPOINT` at
 * its `url` to test that every call is bounded while it is still connecting.
 *
 * Why it is not a simulator fault kind: the simulator learns the route and the device only from
 * a request, and a request arrives after the connect has completed; a stall has to be decided
 * before the handshake, per port. So it is a port of its own.
 *
 * How it works (Linux): the kernel completes handshakes on its own and queues them on the
 * listening socket until the process accepts them; once that accept queue holds more than
 * `backlog` connections, it drops incoming SYNs (`net.ipv4.tcp_abort_on_overflow` = 0, the
 * default), so the client keeps retransmitting its SYN and its connect hangs. Node accepts in
 * its event loop as soon as a connection is queued, so the listener lives in a worker thread
 * whose loop is blocked in `Atomics.wait`: nothing ever accepts. The parent fills the queue with
 * connections of its own until one no longer completes, and from then on every connect stalls.
 */
import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

export interface StalledListener {
  /** `http://127.0.0.1:<port>`: connects to it hang until `close()`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A connect that has not completed in this long is taken as stalled: the queue is full. */
const handshakeWaitMs = 200;
/** backlog 1 queues two connections; more than a few means SYNs are not being dropped. */
const maxFillers = 16;

// Evaluated as plain JavaScript so the worker needs no TypeScript loader (ts-jest, tsx, dist).
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const server = require('node:net').createServer();
server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  // Blocks this thread's event loop: libuv never accepts, so the kernel's queue fills up.
  Atomics.wait(new Int32Array(workerData), 0, 0);
});
`;

/** Starts a stalled listener on loopback; `close()` it when done. */
export async function startStalledListener(): Promise<StalledListener> {
  const wake = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(workerSource, { eval: true, workerData: wake.buffer });
  const fillers: Socket[] = [];
  const close = async (): Promise<void> => {
    for (const socket of fillers) socket.destroy();
    Atomics.store(wake, 0, 1);
    Atomics.notify(wake, 0);
    await worker.terminate();
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`stalled listener: worker exited with ${code}`)));
    });
    for (;;) {
      if (fillers.length === maxFillers)
        throw new Error(
          `stalled listener: ${maxFillers} connects all completed; this kernel does not drop SYNs on a full accept queue`,
        );
      const socket = connect(port, '127.0.0.1');
      // A filler is never read from and is destroyed on close; errors must not crash the process.
      socket.on('error', () => {});
      fillers.push(socket);
      const completed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), handshakeWaitMs);
        socket.once('connect', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (!completed) return { url: `http://127.0.0.1:${port}`, port, close };
    }
  } catch (err) {
    await close();
    throw err;
  }
}
