import { isIn, isUUID } from 'class-validator';
import { COMMON_ERRORS } from '../../common/app-error';

export const SIGNAL_TYPES = ['offer', 'answer', 'ice-candidate', 'bye'] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

/** WebRTC negotiation relayed to the other participant; its payload is never stored or logged. */
export interface SignalDto {
  appointmentId: string;
  /** The recipient's user id (PRODUCT §9); may be left out when there is one other participant. */
  to?: string;
  type: SignalType;
  /** An SDP description, an ICE candidate, or null for the end of candidates. */
  payload?: Record<string, unknown> | null;
}

const FIELDS = new Set(['appointmentId', 'to', 'type', 'payload']);

/**
 * Checks a `signal` frame's data by hand (it skips the validation pipe: see DirectFrames), with
 * the same rules and the same VALIDATION_FAILED answer as the DTOs: a UUID, perhaps a recipient's
 * UUID, a known type, an object or null payload, nothing else.
 */
export function readSignal(data: Record<string, unknown>): SignalDto {
  const { appointmentId, to, type, payload } = data;
  // The hot path: a well-formed signal, checked without building anything.
  if (
    typeof appointmentId === 'string' &&
    isUUID(appointmentId) &&
    (to === undefined || isRecipient(to)) &&
    isIn(type, SIGNAL_TYPES) &&
    isPayload(payload) &&
    onlyKnownFields(data)
  ) {
    return data as unknown as SignalDto;
  }
  return refuse(data);
}

function isRecipient(to: unknown): boolean {
  return typeof to === 'string' && isUUID(to);
}

/** An object, null or absent. */
function isPayload(payload: unknown): boolean {
  return (
    payload === undefined ||
    payload === null ||
    (typeof payload === 'object' && !Array.isArray(payload))
  );
}

function onlyKnownFields(data: Record<string, unknown>): boolean {
  for (const key in data) {
    if (!FIELDS.has(key)) {
      return false;
    }
  }
  return true;
}

/** Names every field that is wrong, as the validation pipe would. */
function refuse(data: Record<string, unknown>): never {
  const fields: Record<string, string[]> = {};
  for (const key of Object.keys(data)) {
    if (!FIELDS.has(key)) {
      fields[key] = [`property ${key} should not exist`];
    }
  }
  const { appointmentId, to, type, payload } = data;
  if (typeof appointmentId !== 'string' || !isUUID(appointmentId)) {
    fields.appointmentId = ['appointmentId must be a UUID'];
  }
  if (to !== undefined && !isRecipient(to)) {
    fields.to = ['to must be a UUID'];
  }
  if (!isIn(type, SIGNAL_TYPES)) {
    fields.type = [`type must be one of the following values: ${SIGNAL_TYPES.join(', ')}`];
  }
  if (!isPayload(payload)) {
    fields.payload = ['payload must be an object'];
  }
  throw COMMON_ERRORS.validation({ fields });
}

/**
 * The `signal` frame the peer gets, as text. Written by hand because it is the relay's hot
 * path (about half the cost of serialising the whole object): the visit id and the sender are
 * UUIDs and the type one of SIGNAL_TYPES, none of which JSON would escape; only the payload is
 * serialised.
 */
export function signalFrame(
  appointmentId: string,
  from: string,
  type: SignalType,
  payload: SignalDto['payload'],
): string {
  return `{"event":"signal","data":{"appointmentId":"${appointmentId}","from":"${from}","type":"${type}","payload":${JSON.stringify(payload ?? null)}}}`;
}
