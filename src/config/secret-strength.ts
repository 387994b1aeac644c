/** A secret with fewer distinct characters than this is a pattern, not a key. */
export const MIN_SECRET_DISTINCT_CHARACTERS = 8;
/**
 * The least a secret's character mix must be worth: its length times the Shannon entropy of
 * its characters. A random 32-character hex string scores about 115 (rarely below 95); `'a'`
 * repeated scores 0, `'password'` repeated 88 (and has 7 distinct characters).
 */
export const MIN_SECRET_BITS = 80;

/**
 * Whether a secret looks random enough to sign tokens with. This is an upper bound on its real
 * strength (it cannot see a dictionary word), so it only catches the obviously weak.
 */
export function isStrongSecret(secret: string): boolean {
  const characters = [...secret];
  const counts = new Map<string, number>();
  for (const character of characters) {
    counts.set(character, (counts.get(character) ?? 0) + 1);
  }
  return (
    counts.size >= MIN_SECRET_DISTINCT_CHARACTERS &&
    estimatedBits(characters.length, counts) >= MIN_SECRET_BITS
  );
}

function estimatedBits(length: number, counts: Map<string, number>): number {
  let perCharacter = 0;
  for (const count of counts.values()) {
    const p = count / length;
    perCharacter -= p * Math.log2(p);
  }
  return perCharacter * length;
}
