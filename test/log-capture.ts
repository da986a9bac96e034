import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';

export interface CapturedLog {
  /** At `trace`, so that every line any level would write is here. */
  readonly log: Logger;
  /** Each line pino wrote, as written (JSON). */
  readonly lines: string[];
}

/** A pino logger whose output goes to memory, for tests that read what was logged. */
export function captureLog(): CapturedLog {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter((l) => l !== ''));
      done();
    },
  });
  return { log: pino({ level: 'trace' }, stream), lines };
}
