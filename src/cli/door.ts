/**
 * `lockstep door <deviceId>`: what a door (`door/<deviceId>`, every lock action's ordering
 * point) knows, runs and holds — the answer to "why has my unlock not gone out yet?".
 */
import { queryDoor } from '../client';
import { lockActionInputSchema } from '../contract';
import { exitCodes, oneChecked, parse, unlessNotFound, withClient, type Io } from './args';
import { renderDoor } from './render-views';

export async function doorCommand(io: Io, argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean', default: false } });
  const deviceId = oneChecked(positionals, 'deviceId', lockActionInputSchema.shape.deviceId);
  return withClient(io, async (client) => {
    const view = await unlessNotFound(queryDoor(client, deviceId));
    if (!view) {
      // The door workflow starts with the first lock action of its device.
      io.err(`lockstep: door ${deviceId}: no lock action has reached this door yet`);
      return exitCodes.actionFailed;
    }
    io.out(values.json ? JSON.stringify(view, null, 2) : renderDoor(view, Date.now()));
    return exitCodes.ok;
  });
}
