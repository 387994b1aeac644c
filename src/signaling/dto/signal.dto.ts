import { isIn, isUUID } from 'class-validator';
import { COMMON_ERRORS } from '../../common/app-error';

export const SIGNAL_TYPES = ['offer', 'answer', 'ice-candidate', 'bye'] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

/** WebRTC negotiation relayed to the other participant; its payload is never stored or logged. */
export interface SignalDto {
  appointmentId: string;
  type: SignalType;
  /** An SDP description, an ICE candidate, or null for the end of candidates. */
  payload?: Record<string, unknown> | null;
}

const FIELDS = new Set(['appointmentId', 'type', 'payload']);

/**
 * Checks a `signal` frame's data by hand (it skips the validation pipe: see DirectFrames), with
 * the same rules and the same VALIDATION_FAILED answer as the DTOs: a UUID, a known type, an
 * object or null payload, nothing else.
 */
export function readSignal(data: Record<string, unknown>): SignalDto {
  const fields: Record<string, string[]> = {};
  for (const key of Object.keys(data)) {
    if (!FIELDS.has(key)) {
      fields[key] = [`property ${key} should not exist`];
    }
  }
  const { appointmentId, type, payload } = data;
  if (typeof appointmentId !== 'string' || !isUUID(appointmentId)) {
    fields.appointmentId = ['appointmentId must be a UUID'];
  }
  if (!isIn(type, SIGNAL_TYPES)) {
    fields.type = [`type must be one of the following values: ${SIGNAL_TYPES.join(', ')}`];
  }
  const payloadOk =
    payload === undefined ||
    payload === null ||
    (typeof payload === 'object' && !Array.isArray(payload));
  if (!payloadOk) {
    fields.payload = ['payload must be an object'];
  }
  if (Object.keys(fields).length > 0) {
    throw COMMON_ERRORS.validation({ fields });
  }
  return data as unknown as SignalDto;
}
