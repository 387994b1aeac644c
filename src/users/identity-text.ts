/**
 * Control characters (C0, DEL, C1: NUL included) and the bidirectional embeddings, overrides and
 * isolates (U+202A–U+202E, U+2066–U+2069), which can make a name display as someone else's
 * ("Dr ‮yeL" reading "Dr Ley") or reorder the text around it.
 */
const CONTROL_OR_BIDI = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/**
 * The one form an email is stored, compared and throttled in: trimmed, Unicode NFC (so `é`
 * typed as one code point or as `e` + U+0301 is one address) and lower-cased.
 */
export function normaliseEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase().normalize('NFC');
}

/** Whether `text` holds a control or bidirectional formatting character. */
export function hasControlCharacters(text: string): boolean {
  return CONTROL_OR_BIDI.test(text);
}

/**
 * Whether `email` holds compatibility characters: fullwidth `ｊｏｓｅ`, ligatures, superscripts
 * and the like, which look like (or fold to) plainer letters. They are refused rather than
 * folded with NFKC, so what an account's owner typed is what is stored.
 */
export function hasCompatibilityCharacters(email: string): boolean {
  return email.normalize('NFKC') !== email.normalize('NFC');
}
