/** A client frame that passed the envelope checks; `data` is always an object. */
export interface ClientFrame {
  event: string;
  data: Record<string, unknown>;
  id?: string;
}

export type ParsedFrame =
  | { ok: true; frame: ClientFrame }
  | { ok: false; id?: string; code: 'INVALID_FRAME'; message: string };

const ID_SHAPE = /^[\w.:-]{1,64}$/;

/** Checks the envelope `{event, data, id?}`; the payload itself is validated by its DTO. */
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
  if (id !== undefined && (typeof id !== 'string' || !ID_SHAPE.test(id))) {
    return invalid('id must be a string of 1 to 64 letters, digits, "_", ".", ":" or "-"');
  }
  const validId = id;
  if (typeof event !== 'string' || event === '') {
    return invalid('The frame has no event', validId);
  }
  if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) {
    return invalid('data must be a JSON object', validId);
  }
  return {
    ok: true,
    frame: { event, data: (data as Record<string, unknown> | undefined) ?? {}, id: validId },
  };
}

function invalid(message: string, id?: string): ParsedFrame {
  return { ok: false, id, code: 'INVALID_FRAME', message };
}
