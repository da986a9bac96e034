import { z } from 'zod';
import { ModuleName } from '../../../fleet/schema/index.js';
import type { BotDeps } from '../../ports.js';

/**
 * What an admin's next text message means: a tenant search, a broadcast's text, or nothing. Kept
 * in bot_state (one key per admin), so a restart between the button and the text loses nothing,
 * and read back through zod: a row is data, not code. A state older than {@link INPUT_TTL_MS} is
 * ignored, so text typed much later is not taken for a search or a broadcast by surprise.
 */

export const INPUT_TTL_MS = 30 * 60_000;

const Audience = z.object({ module: ModuleName.nullable() });
export type Audience = z.infer<typeof Audience>;

/** Longest broadcast: one Telegram message (4096 characters). */
export const MAX_BROADCAST = 4096;
/** Longest search text. */
export const MAX_QUERY = 64;

const AdminInput = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('search'), since: z.string() }),
  z.object({ mode: z.literal('broadcast-text'), since: z.string(), audience: Audience }),
  /** The preview was sent as `previewMessageId`; its Send button confirms exactly this draft. */
  z.object({ mode: z.literal('broadcast-confirm'), since: z.string(), audience: Audience, text: z.string().min(1).max(MAX_BROADCAST), previewMessageId: z.number().int().positive() }),
]);
export type AdminInput = z.infer<typeof AdminInput>;

/** Distributive Omit, so each mode keeps its own fields. */
type WithoutSince<T> = T extends unknown ? Omit<T, 'since'> : never;

export interface InputStore {
  get(admin: number): Promise<AdminInput | null>;
  set(admin: number, input: WithoutSince<AdminInput>): Promise<void>;
  clear(admin: number): Promise<void>;
}

export function inputStore(deps: BotDeps): InputStore {
  const adapter = deps.storage.adapter<unknown>('admin-input:');
  return {
    async get(admin) {
      const raw = await adapter.read(String(admin));
      if (raw === undefined) return null;
      const parsed = AdminInput.safeParse(raw);
      if (!parsed.success) {
        deps.log.warn({ admin, problems: parsed.error.issues.map((i) => i.path.join('.')).join(', ') }, 'admin input state does not parse; ignored');
        return null;
      }
      if (deps.now().getTime() - Date.parse(parsed.data.since) > INPUT_TTL_MS) return null;
      return parsed.data;
    },
    async set(admin, input) {
      await adapter.write(String(admin), { ...input, since: deps.now().toISOString() });
    },
    async clear(admin) {
      await adapter.delete(String(admin));
    },
  };
}
