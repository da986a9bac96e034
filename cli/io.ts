/** Where a command's output goes and what it reads from its surroundings; tests pass their own. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** The environment the configuration is read from (DESIGN.md's variables). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative paths in arguments and in the configuration resolve against this. */
  readonly cwd: string;
  /** Standard input, for secrets that must not be arguments (`--token-stdin`); absent: nothing to read. */
  readonly stdin?: AsyncIterable<Buffer | string>;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), stdin: process.stdin };
}

/** What every command gets: the io and a place to report a negative result. */
export interface CommandContext {
  readonly io: CliIo;
  /** 0 unless the command found a problem it reported itself (an invalid fleet: 1). */
  exitCode: number;
}

export const println = (stream: CliIo['stdout'], line: string): void => {
  stream.write(`${line}\n`);
};
