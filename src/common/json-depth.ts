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
 * '' when that is `value` itself, or undefined when it does not. Iterative, so a value of any
 * depth is looked at without recursion; it stops at the first container past the limit and
 * visits each object or array once, so a flat value costs a few steps whatever its size.
 */
export function tooDeepUnder(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  if (maxDepth < 1) {
    return '';
  }
  // Containers still to look into, each with its depth and the top-level key it lies under.
  const pending: unknown[] = [];
  const depths: number[] = [];
  const keys: string[] = [];
  const push = (child: unknown, depth: number, key: string) => {
    if (typeof child === 'object' && child !== null) {
      pending.push(child);
      depths.push(depth);
      keys.push(key);
    }
  };
  if (Array.isArray(value)) {
    value.forEach((child, index) => push(child, 2, String(index)));
  } else {
    for (const key in value) {
      push((value as Record<string, unknown>)[key], 2, key);
    }
  }
  while (pending.length > 0) {
    const container = pending.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    const key = keys.pop() as string;
    if (depth > maxDepth) {
      return key;
    }
    if (Array.isArray(container)) {
      for (const child of container) {
        push(child, depth + 1, key);
      }
    } else {
      for (const field in container) {
        push(container[field], depth + 1, key);
      }
    }
  }
  return undefined;
}
