import type { RoomSnapshot } from './visit-room';

/** A visit change, sent to each other instance holding (or having held) one of its seats. */
export interface RoomMessage {
  kind: 'visit.room';
  room: RoomSnapshot;
  frames: { connectionId: string; text: string }[];
}

/** A signal for a participant whose socket is on the receiving instance. */
export interface SignalMessage {
  kind: 'visit.signal';
  appointmentId: string;
  /** The recipient: whose seat the signal is for. */
  userId: string;
  connectionId: string;
  text: string;
}

/** A frame for every socket of one user on the receiving instance. */
export interface UserMessage {
  kind: 'visit.user';
  userId: string;
  text: string;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/**
 * Bus payloads are checked when they arrive, not cast: an instance running other code (a rolling
 * deploy) or a damaged row must not put `undefined` where a socket id belongs.
 */
export function isRoomMessage(message: unknown): message is RoomMessage {
  if (!isObject(message) || !isObject(message.room) || !Array.isArray(message.frames)) {
    return false;
  }
  const { room } = message;
  return (
    isString(room.appointmentId) &&
    typeof room.version === 'number' &&
    isObject(room.seats) &&
    message.frames.every((f) => isObject(f) && isString(f.connectionId) && isString(f.text))
  );
}

export function isSignalMessage(message: unknown): message is SignalMessage {
  return (
    isObject(message) &&
    isString(message.appointmentId) &&
    isString(message.userId) &&
    isString(message.connectionId) &&
    isString(message.text)
  );
}

export function isUserMessage(message: unknown): message is UserMessage {
  return isObject(message) && isString(message.userId) && isString(message.text);
}
