import { MAX_JSON_DEPTH, tooDeepUnder } from '../common/json-depth';

/** A client frame that passed the envelope checks; `data` is always an object. */
export interface ClientFrame {
  event: string;
  data: Record<string, unknown>;
  id?: string;
}

export type ParsedFrame =
  | { ok: true; frame: ClientFrame }
  | {
      ok: false;
      id?: string;
      code: 'INVALID_FRAME' | 'VALIDATION_FAILED';
      message: string;
      details?: Record<string, unknown>;
    };

export const MAX_ID_CHARACTERS = 128;

/**
 * Checks the envelope `{event, data, id?}` and the depth of the whole frame; the payload
 * itself is validated by its DTO. A failed frame's answer carries its id whenever the id is a
 * string, even one that is not valid, so the client waiting for it is answered; frames are
 * serialised with JSON.stringify, so any string is echoed exactly.
 */
export function parseFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return invalid('The frame is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid('A frame is a JSON object {event, data, id?}');
  }
  const { event, data, id } = value as Record<string, unknown>;
  if (id !== undefined && !isValidId(id)) {
    return invalid(
      `id must be a string of 1 to ${MAX_ID_CHARACTERS} characters`,
      typeof id === 'string' ? id : undefined,
    );
  }
  const validId = id;
  if (typeof event !== 'string' || event === '') {
    return invalid('The frame has no event', validId);
  }
  if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) {
    return invalid('data must be a JSON object', validId);
  }
  // Nesting deeper than MAX_JSON_DEPTH takes at least twice as many characters: a short frame,
  // most of them, is not walked at all; a long one is walked once per object or array in it.
  if (text.length > 2 * MAX_JSON_DEPTH) {
    const tooDeep = tooDeepUnder(value);
    if (tooDeep === 'data') {
      return tooDeepData(data as Record<string, unknown>, validId);
    }
    if (tooDeep !== undefined) {
      return invalid(`The frame nests deeper than ${MAX_JSON_DEPTH} levels`, validId);
    }
  }
  return {
    ok: true,
    frame: { event, data: (data as Record<string, unknown> | undefined) ?? {}, id: validId },
  };
}

/** 1 to 128 characters, counted as Unicode code points (an emoji is one, not two). */
function isValidId(id: unknown): id is string {
  if (typeof id !== 'string' || id.length === 0) {
    return false;
  }
  if (id.length <= MAX_ID_CHARACTERS) {
    return true;
  }
  // Only past 128 UTF-16 units can surrogate pairs matter; past 256 none can save it.
  if (id.length > 2 * MAX_ID_CHARACTERS) {
    return false;
  }
  return [...id].length <= MAX_ID_CHARACTERS;
}

/** Named like the validation pipe's answer, by the field of data the depth is under. */
function tooDeepData(data: Record<string, unknown>, id: string | undefined): ParsedFrame {
  // data is the frame's second level.
  const field = tooDeepUnder(data, MAX_JSON_DEPTH - 1) ?? '';
  return {
    ok: false,
    id,
    code: 'VALIDATION_FAILED',
    message: 'The request is not valid',
    details: { fields: { [field]: [`${field} nests deeper than ${MAX_JSON_DEPTH} levels`] } },
  };
}

function invalid(message: string, id?: string): ParsedFrame {
  return { ok: false, id, code: 'INVALID_FRAME', message };
}
