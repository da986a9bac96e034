/**
 * Turning outbox rows (app/outbox.ts: kind + payload, written by the reconciler, billing and the
 * bot) into Telegram messages. One file per group of kinds, each exporting a `Renderers` record;
 * index.ts merges them. Texts come from bot/locales; payloads are checked with zod, since rows
 * outlive the code that wrote them.
 */

export interface RenderedButton {
  readonly text: string;
  readonly data?: string;
  readonly url?: string;
}

export interface Rendered {
  readonly text: string;
  readonly buttons?: readonly (readonly RenderedButton[])[];
  /**
   * Messages with the same topic for the same user edit one message instead of adding new ones
   * (a deploy's progress); absent: a new message.
   */
  readonly topic?: string;
}

/** Translates a key in the recipient's language. */
export type Translate = (key: string, variables?: Record<string, string | number>) => string;

/** What a renderer may ask for beyond its payload; resolved at send time, never stored. */
export interface RenderExtras {
  /**
   * The connection details of a tenant's database: only the deploy.running message asks, once,
   * while sending. Null when this process cannot derive them (no age identity).
   */
  readonly databaseCredentials: ((tenant: string) => Promise<DatabaseCredentials | null>) | null;
}

export interface DatabaseCredentials {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
}

export type Renderer = (payload: unknown, t: Translate, extras: RenderExtras) => Rendered | Promise<Rendered>;

export type Renderers = Readonly<Record<string, Renderer>>;

/** The payload does not fit its kind: the row is marked failed with this message, not retried. */
export class PayloadError extends Error {
  override readonly name = 'PayloadError';
}
