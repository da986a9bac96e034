import { randomUUID } from 'node:crypto';
import { closeSync, fstatSync, openSync, read, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { GitError, RefMovedError, TransientGitError } from '../errors.js';

export interface GitRunOptions {
  readonly input?: string | Uint8Array;
  readonly env?: Record<string, string>;
  /**
   * Megabytes of output (`ls-tree -r` of a whole fleet): git writes it to an unlinked temp file,
   * read at once when git exits. Through a pipe it arrives in thousands of small chunks, each an
   * event for Node (`cat-file` of 20k blobs: ~13k chunks, twice git's own time).
   */
  readonly largeOutput?: boolean;
}

/**
 * The one place git plumbing runs. simple-git has no stdin, and plumbing needs it
 * (`cat-file --batch`, `hash-object --stdin`), so plumbing goes through this runner: argv arrays
 * only, never a shell string, and every failure classified by `classifyGitFailure`.
 */
export interface GitRunner {
  /** Runs git; any non-zero exit throws the classified error. */
  run(args: readonly string[], options?: GitRunOptions): Promise<Buffer>;
  /**
   * For commands whose exit code 1 is an answer rather than a failure (`merge-base --is-ancestor`,
   * `rev-parse --verify -q`, `merge-tree --write-tree`): 0 → `ok: true`, 1 → `ok: false`, and
   * anything else throws like `run`. Without it, "no" and "broken" would look the same.
   */
  probe(args: readonly string[], options?: GitRunOptions): Promise<{ ok: boolean; stdout: Buffer }>;
  /**
   * Runs git with its output spilled to a file (as `largeOutput`) and yields that output while
   * git still writes it, in chunks of up to {@link STREAM_CHUNK} bytes, in order: a reader
   * starts on the first bytes, one process serves a whole cold load, and git never waits for
   * the reader. Ends once git has exited and every byte is read; a non-zero exit then throws
   * the classified error. A consumer that stops early ends git.
   *
   * A chunk is valid until the next one is asked for (its buffer is reused): copy what you keep.
   */
  stream(args: readonly string[], options?: Pick<GitRunOptions, 'input'>): AsyncIterable<Buffer>;
}

/**
 * Env that makes git ignore the machine's config and never prompt. `LC_ALL=C` keeps git's
 * messages in English: `classifyGitFailure` reads them, and a translated "cannot lock ref"
 * would turn a retryable failure into a permanent one.
 */
export const ISOLATED_GIT_ENV: Record<string, string> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'buckfleet',
  GIT_AUTHOR_EMAIL: 'buckfleet@localhost',
  GIT_COMMITTER_NAME: 'buckfleet',
  GIT_COMMITTER_EMAIL: 'buckfleet@localhost',
  LC_ALL: 'C',
};

/** Bytes read from a streamed output at once: ~1,500 manifests, tens of milliseconds to validate. */
export const STREAM_CHUNK = 1 << 20;
/** How long a streamed read waits for git to write more before looking again. */
const STREAM_POLL_MS = 2;

export function gitRunner(gitDir: string): GitRunner {
  /**
   * Starts git; stdin from a spilled file (its fd) or a string, stdout to a spilled file or a
   * pipe. Files are made before git starts and nothing is awaited in between, so git runs to its
   * end even while the caller keeps the event loop busy.
   */
  const start = (args: readonly string[], io: { stdin: number | string | Uint8Array | undefined; stdout: number | null; env?: Record<string, string> }) =>
    execa('git', ['--git-dir', gitDir, ...args], {
      ...(typeof io.stdin === 'number' ? { stdin: io.stdin as 0 } : io.stdin === undefined ? { stdin: 'ignore' as const } : { input: io.stdin }),
      env: { ...ISOLATED_GIT_ENV, ...io.env },
      encoding: 'buffer',
      reject: false,
      stripFinalNewline: false,
      // execa documents "a file descriptor integer" for stdin and stdout; its types list fewer.
      stdout: io.stdout === null ? 'pipe' : (io.stdout as 1),
    });
  const exec = async (args: readonly string[], options: GitRunOptions) => {
    const input = options.largeOutput && options.input !== undefined ? spillInput(options.input) : null;
    const output = options.largeOutput ? spillOutput() : null;
    try {
      const result = await start(args, { stdin: input?.fd ?? options.input, stdout: output?.fd ?? null, ...(options.env ? { env: options.env } : {}) });
      if (result.exitCode === undefined) throw notRun(args, result);
      const stderr = () => stderrOf(result);
      const stdout = output ? await output.readAll() : Buffer.from(result.stdout ?? new Uint8Array());
      return { exitCode: result.exitCode, stdout, stderr };
    } finally {
      input?.close();
      output?.close();
    }
  };
  async function* stream(args: readonly string[], options: Pick<GitRunOptions, 'input'> = {}): AsyncGenerator<Buffer> {
    const input = options.input !== undefined ? spillInput(options.input) : null;
    const output = spillOutput();
    const child = start(args, { stdin: input?.fd, stdout: output.fd });
    let exited = false;
    const done = child.then((result) => {
      exited = true;
      return result;
    });
    // Two buffers, taken in turn: the thread pool reads the next chunk into one while the
    // consumer has the other. A buffer per chunk would churn megabytes through malloc, which
    // keeps them (RSS) long after they are freed.
    const buffers = [Buffer.allocUnsafe(STREAM_CHUNK), Buffer.allocUnsafe(STREAM_CHUNK)] as const;
    // Whether git had exited is read before each read is issued: a read that then finds nothing
    // new has seen the whole file, since git's writes all land before it exits.
    const readFrom = (at: number, chunks: number) => {
      const finished = exited;
      return output.readChunk(at, chunks % 2 === 0 ? buffers[0] : buffers[1]).then((chunk) => ({ chunk, finished }));
    };
    let at = 0;
    let chunks = 0;
    let next = readFrom(at, chunks);
    try {
      for (;;) {
        const { chunk, finished } = await next;
        if (chunk.length === 0) {
          if (finished) break;
          await Promise.race([done, delay(STREAM_POLL_MS)]);
          next = readFrom(at, chunks);
          continue;
        }
        at += chunk.length;
        chunks++;
        // Into the other buffer, while the consumer works on this one.
        next = readFrom(at, chunks);
        yield chunk;
      }
      const result = await done;
      if (result.exitCode === undefined) throw notRun(args, result);
      if (result.exitCode !== 0) throw classifyGitFailure(args[0] ?? 'git', stderrOf(result));
    } finally {
      if (!exited) child.kill();
      // A consumer that stopped early leaves a read of the next chunk in flight: it must end
      // before its file is closed, and what it read (or failed to) is no longer wanted.
      await next.catch(() => undefined);
      await done;
      input?.close();
      output.close();
    }
  }
  return {
    stream,
    async run(args, options = {}) {
      const r = await exec(args, options);
      if (r.exitCode === 0) return r.stdout;
      throw classifyGitFailure(args[0] ?? 'git', r.stderr());
    },
    async probe(args, options = {}) {
      const r = await exec(args, options);
      if (r.exitCode === 0 || r.exitCode === 1) return { ok: r.exitCode === 0, stdout: r.stdout };
      throw classifyGitFailure(args[0] ?? 'git', r.stderr());
    },
  };
}

/** What execa says of a git run that ended: the parts the runner reads. */
interface Ended {
  readonly signal?: string;
  readonly originalMessage?: string;
  readonly shortMessage?: string;
  readonly cause?: unknown;
  readonly stderr?: Uint8Array | string;
}

/**
 * No exit code: git never ran (spawn failed: E2BIG, EMFILE, no git) or a signal ended it. Said
 * as what it is, not as a git message that is not there.
 */
function notRun(args: readonly string[], result: Ended): GitError {
  const why = result.signal ? `was ended by ${result.signal}` : `could not start: ${result.originalMessage ?? result.shortMessage}`;
  return new GitError(redactUrls(`git ${args[0] ?? ''} ${why}`), { op: args[0] ?? 'git' }, { cause: result.cause });
}

const stderrOf = (result: Ended): string => Buffer.from(result.stderr ?? new Uint8Array()).toString('utf8').trim();

/**
 * A private temp file, unlinked as soon as it is open: nothing is left behind if the process
 * dies, and nothing else can open it by name meanwhile (created exclusive, 0600).
 */
function unlinkedFile(): number {
  const path = join(tmpdir(), `buckfleet-git-${randomUUID()}`);
  const fd = openSync(path, 'wx+', 0o600);
  try {
    unlinkSync(path);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

/**
 * git's stdin from a file rather than a pipe: a pipe needs Node's event loop to fill it. Written
 * at explicit positions, which leave the file offset at 0, where git starts reading.
 */
function spillInput(input: string | Uint8Array) {
  const fd = unlinkedFile();
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  try {
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at, at);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return { fd, close: () => closeSync(fd) };
}

const readAt = promisify(read);

/**
 * git's stdout into a file, read at once when git has exited. Read by the thread pool: copying
 * megabytes out of the page cache (~60 ms for a cold load's 20 MB here) then overlaps with
 * whatever the event loop does meanwhile (validating the previous batch).
 */
function spillOutput() {
  const fd = unlinkedFile();
  return {
    fd,
    /** What git has written from `at` on so far, maybe nothing, as much as fits `into`. */
    readChunk: async (at: number, into: Buffer): Promise<Buffer> => {
      const { bytesRead } = await readAt(fd, into, 0, into.length, at);
      return into.subarray(0, bytesRead);
    },
    readAll: async (): Promise<Buffer> => {
      const { size } = fstatSync(fd);
      const buffer = Buffer.allocUnsafe(size);
      let at = 0;
      while (at < size) {
        const { bytesRead } = await readAt(fd, buffer, at, size - at, at);
        if (bytesRead === 0) break;
        at += bytesRead;
      }
      return buffer.subarray(0, at);
    },
    close: () => closeSync(fd),
  };
}

/**
 * A compare-and-swap lost: `update-ref <ref> <new> <old>` found the ref elsewhere. Git 2.39 words
 * it as "is at X but expected Y" (ref moved), "reference already exists" (expected absent) or
 * "unable to resolve reference" (expected a commit, but the ref was deleted); newer gits say
 * "reference is missing but expected X" for the last one.
 */
const REF_MOVED =
  /cannot lock ref '[^']*': (?:is at [0-9a-f]+ but expected [0-9a-f]+|reference already exists|unable to resolve reference|reference is missing but expected)/i;

/**
 * Lock contention (another git process holds `<ref>.lock`, `packed-refs.lock`, `index.lock`,
 * `config.lock`) and network hiccups. Only these are retried: a bare "cannot lock ref" is not
 * enough, since it also prefixes permanent failures such as a file/directory name clash
 * ("'refs/heads/a' exists; cannot create 'refs/heads/a/b'").
 */
const TRANSIENT =
  /Unable to create '[^']*\.lock': File exists|could not lock config file|Connection (?:reset|refused|timed out)|Could not resolve host|The remote end hung up|early EOF|RPC failed|HTTP (?:429|5\d\d)|Operation timed out/i;

/**
 * Git says what went wrong only in stderr text; this is the single function that reads it.
 * Lock contention and network hiccups are transient; a ref that moved under a compare-and-swap
 * means "rebuild on the new head"; everything else needs a person.
 */
export function classifyGitFailure(op: string, stderr: string): GitError {
  const ctx = { op, stderr: redactUrls(stderr) };
  const firstLine = ctx.stderr.split('\n').find((l) => l.trim() !== '') ?? 'no error output';
  const message = `git ${op} failed: ${firstLine}`;
  if (REF_MOVED.test(stderr)) return new RefMovedError(message, ctx);
  if (TRANSIENT.test(stderr)) return new TransientGitError(message, ctx);
  return new GitError(message, ctx);
}

/**
 * Credentials in URLs never reach an error message: the user-info part (up to the last `@` of the
 * authority, since passwords may hold an unescaped `@`) and the query (tokens travel there too).
 */
export function redactUrls(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/?#'"]*@/gi, '$1[REDACTED]@')
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^\s?#'"]*)\?[^\s#'"]*/gi, '$1?[REDACTED]');
}
