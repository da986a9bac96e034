/** The slice of a pino logger that fleet/ uses; structured fields first, message second. */
export interface Log {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export const silentLog: Log = { info: () => undefined, warn: () => undefined };
