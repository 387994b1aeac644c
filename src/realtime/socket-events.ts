import type { ServerEventName, ServerEvents } from '../../client/server-events';

export type { ServerEventName, ServerEvents };

/**
 * A server event as frame text, its data checked against the one map of server events that the
 * client is typed by too (client/server-events.d.ts): a renamed event or a changed shape fails
 * to compile on both sides.
 */
export function frameOf<E extends ServerEventName>(event: E, data: ServerEvents[E]): string {
  return JSON.stringify({ event, data });
}
