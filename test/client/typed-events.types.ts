/**
 * Type-level tests of typed events, checked by `npm run typecheck` (this file is compiled, never run):
 * each `Equals` must hold, and each `@ts-expect-error` line must be an error.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, type ParsedEvent } from '../../src/client/index.js';
import type { SchemaError } from '../../src/protocol/index.js';
import { createChannel, createSession } from '../../src/server/index.js';
import { valibotSchemas, zodSchemas } from '../fixtures/schemas.js';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function holds<_T extends true>(): void {}

type Price = { symbol: string; price: number };
type Goal = { team: string; minute: number };

export async function clientTypes(url: string): Promise<void> {
  for await (const event of connect(url, { schemas: zodSchemas })) {
    if (event.error) {
      holds<Equals<typeof event.error, SchemaError>>();
      holds<Equals<typeof event.data, string>>();
      continue;
    }
    if (event.type === 'price') holds<Equals<typeof event.data, Price>>();
    else if (event.type === 'goal') {
      holds<Equals<typeof event.data, Goal>>();
      // @ts-expect-error a goal has no price
      event.data.price;
    } else if (event.type === 'reset') holds<Equals<typeof event.reason, string>>();
    else holds<Equals<typeof event, never>>();
  }
  for await (const event of connect(url, { schemas: valibotSchemas, onEvent: (e) => e.lastEventId })) {
    if (event.error === undefined && event.type === 'price') holds<Equals<typeof event.data, Price>>();
  }
  // Without schemas, events are what the parser gives: untyped strings.
  for await (const event of connect(url)) holds<Equals<typeof event, ParsedEvent>>();
}

export function serverTypes(req: IncomingMessage, res: ServerResponse): void {
  const session = createSession(req, res, { schemas: valibotSchemas });
  session.send({ symbol: 'ACME', price: 1 }, { event: 'price', id: '1' });
  // @ts-expect-error the data must match the schema of its event type
  session.send({ symbol: 'ACME' }, { event: 'price' });
  // @ts-expect-error an event type without a schema
  session.send({}, { event: 'weather' });
  // @ts-expect-error a typed send names its event type
  session.send({ symbol: 'ACME', price: 1 });
  const channel = createChannel({ schemas: zodSchemas });
  channel.broadcast({ team: 'home', minute: 3 }, { event: 'goal' });
  // @ts-expect-error a goal is not a price
  channel.broadcast({ team: 'home', minute: 3 }, { event: 'price' });
  // An untyped session still takes anything.
  createSession(req, res).send({ anything: true });
  channel.subscribe(session);
}
