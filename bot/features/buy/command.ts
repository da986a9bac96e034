/** `/name` or `/name@bot` at the very start of a message, lowercased; null for anything else. */
export function commandOf(message: { text?: string; entities?: readonly { type: string; offset: number; length: number }[] }): string | null {
  const entity = message.entities?.[0];
  if (message.text === undefined || entity?.type !== 'bot_command' || entity.offset !== 0) return null;
  return message.text.slice(1, entity.length).split('@')[0]?.toLowerCase() ?? null;
}
