/**
 * How deep a JSON document, a request body or a socket frame, may nest: the whole document
 * counts, so `{"a":{}}` is two levels and a frame's `data` starts at the second. Nothing the
 * API takes comes close (a signal's SDP or ICE payload is the frame's third level); V8's
 * JSON.parse reads any depth, but everything after it that walks a value recursively
 * (class-transformer, class-validator, JSON.stringify when relaying) dies of a RangeError
 * somewhere past a few thousand.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * The top-level key (or array index) under which `value` nests deeper than `maxDepth` levels,
 * '' when that is `value` itself, or undefined when it does not. Recursive, but never deeper
 * than `maxDepth` + 1 calls: it turns back at the first container past the limit, so a value
 * of any depth is looked at safely. Each object or array is visited once, without allocating:
 * about 150 ns for an ICE candidate frame, a fraction of its JSON.parse.
 */
export function tooDeepUnder(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  if (maxDepth < 1) {
    return '';
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      if (deeper(value[index], 2, maxDepth)) {
        return String(index);
      }
    }
    return undefined;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (deeper(record[key], 2, maxDepth)) {
      return key;
    }
  }
  return undefined;
}

/** Whether `value`, at `depth`, is or holds a container deeper than `maxDepth`. */
function deeper(value: unknown, depth: number, maxDepth: number): boolean {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  if (depth > maxDepth) {
    return true;
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      if (deeper(value[index], depth + 1, maxDepth)) {
        return true;
      }
    }
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (deeper(record[key], depth + 1, maxDepth)) {
      return true;
    }
  }
  return false;
}
