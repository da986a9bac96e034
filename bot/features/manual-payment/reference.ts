/**
 * A payment reference as the admins read it: one line of visible text. Line breaks, tabs and
 * invisible format characters (right-to-left overrides, zero-width spaces) become spaces, runs of
 * white space one space, the ends are trimmed. A second line could otherwise pose as a line of
 * the admin notification itself ("Amount: …"), and an override reverse what the admin reads.
 * Everything else (shell syntax, quotes) is kept as sent: it is data, stored as a parameter.
 */
export function oneLineReference(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ' ').replace(/\s+/g, ' ').trim();
}
