const REDACTED = '[REDACTED]';

/**
 * A value that must never be printed: a token, a webhook secret, a database URL with its
 * password. Every way a value turns into text (string conversion, JSON, `util.inspect`, and so
 * `console.log`, pino and error messages) yields `[REDACTED]`; only `reveal()` gives the value,
 * so each use of the plaintext is a deliberate, greppable call at the edge that needs it.
 *
 * The value sits in a private field, so `Object.keys`, spreading and structured logging see
 * nothing either.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The plaintext, for the one client that needs it (an SDK, a connection, a signature check). */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  /** `util.inspect`, and so `console.log` and vitest's diffs, use this hook. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}
