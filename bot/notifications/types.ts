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
  /**
   * The last message of its topic (a deploy that is running, or failed): it is still edited into
   * the topic's message, and then the topic is closed, so the next message with that topic (the
   * next deploy, weeks later) is a new message the person sees, not an edit far up the chat.
   */
  readonly closesTopic?: boolean;
  /**
   * A tenant database's credentials, sent as a second message after this one, once per tenant
   * ever (the sender records it in `credentials_sent`). Its text holds a password: the sender
   * never stores or logs it. Only rendered when `RenderExtras.databaseCredentials` gave them.
   */
  readonly credentials?: { readonly tenant: string; readonly text: string };
}

/** Translates a key in the recipient's language. */
export type Translate = (key: string, variables?: Record<string, string | number>) => string;

/** What a renderer may ask for beyond its payload; resolved at send time, never stored. */
export interface RenderExtras {
  /**
   * The connection details of a tenant's database: only the deploy.running message asks, once,
   * while sending. Null when this process cannot derive them (no age identity); the sender also
   * answers null for a tenant whose credentials were sent before, without deriving anything.
   */
  readonly databaseCredentials: ((tenant: string) => Promise<DatabaseCredentials | null>) | null;
  /**
   * The customer bot's username (without `@`), as the customer's order recorded it when the
   * token was checked; null when not known. Absent: this process cannot look it up.
   */
  readonly botUsername?: (tenant: string) => Promise<string | null>;
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
