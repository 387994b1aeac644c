/** Reads a version from an If-Match header: `3`, `"3"` or `W/"3"`. Anything else is undefined. */
export function parseIfMatchVersion(header: string | undefined): number | undefined {
  if (header === undefined) {
    return undefined;
  }
  const match = /^\s*(?:W\/"(\d{1,9})"|"(\d{1,9})"|(\d{1,9}))\s*$/.exec(header);
  return match ? Number(match[1] ?? match[2] ?? match[3]) : undefined;
}
