import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { deliver, invoicePaidEvent, signed } from '../test/stripe-webhook.js';
import { openBenchDatabase, recorded } from './webhooks-db.js';
import { type BenchEvent, type LoadResult, runLoad } from './webhooks-load.js';
import { flag } from './flags.js';

/**
 * `npm run bench:webhooks`: Stripe events per second that `POST /webhooks/stripe` of the real
 * server acknowledges with every one durably recorded in the `stripe_events` inbox. The server
 * runs in a child process (bench/webhooks-server.ts) over PostgreSQL (embedded, or DATABASE_URL);
 * autocannon sends distinct, correctly signed events at 1, 10 and 50 connections after a short
 * warm-up, then resends already recorded events (Stripe's redeliveries). After each run the
 * inbox is checked: every event acknowledged as new is recorded exactly once, no duplicate
 * created a row. Any failed check makes the benchmark exit 1, after the table.
 *
 * Flags: --seconds N per run (default 10), --connections 1,10,50, --warmup N seconds (default 3).
 */

const here = dirname(fileURLToPath(import.meta.url));

const seconds = Number(flag('--seconds') ?? 10);
const connectionCounts = (flag('--connections') ?? '1,10,50').split(',').map(Number);
const warmupSeconds = Number(flag('--warmup') ?? 3);
/** Events recorded up front and resent by the duplicates runs. */
const DUPLICATE_POOL = 500;

/** Thrown after the report when the inbox does not match what the server acknowledged. */
class WebhookBenchCheckError extends Error {
  override readonly name = 'WebhookBenchCheckError';
}

interface Row extends Omit<LoadResult, 'ackedNew' | 'ackedDuplicate'> {
  readonly kind: 'new' | 'duplicate';
  readonly ackedNew: number;
  readonly ackedDuplicate: number;
  /** Rows in the inbox for this run's ids (for duplicates: for the pool it resent). */
  readonly recorded: number;
  readonly problems: readonly string[];
}

/** Event ids of one run: `evt_bench<tag><run>x<n>`, letters and digits as the route requires. */
function eventSource(prefix: string): () => BenchEvent {
  let n = 0;
  return () => {
    const id = `${prefix}x${(n += 1)}`;
    const event = invoicePaidEvent(id, { tenant: `bench-${n % 1000}`, customer: `cus_Bench${n % 1000}`, subscription: `sub_Bench${n % 1000}`, invoice: `in_${id.slice(4)}`, start: '2026-11-01T00:00:00Z', end: '2026-12-01T00:00:00Z' });
    return { id, event };
  };
}

async function startServer(databaseUrl: string, logFile: string): Promise<{ url: string; child: ChildProcess }> {
  // The server's log (info, one line per event, as in production) goes to a file, not a terminal.
  const log = await open(logFile, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'webhooks-server.ts')], {
    env: { ...process.env, BENCH_DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', log.fd],
  });
  await log.close();
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the benchmark server exited (${code}) before listening; its log: ${logFile}`)));
  });
  lines.close();
  const parsed = JSON.parse(first) as { url: string };
  return { url: parsed.url, child };
}

/** Records the pool's events once, ten at a time, each answered 200 as new. */
async function seedPool(url: string, pool: readonly BenchEvent[]): Promise<void> {
  for (let i = 0; i < pool.length; i += 10) {
    const answers = await Promise.all(pool.slice(i, i + 10).map((e) => deliver(url, signed(e.event))));
    const bad = answers.find((a) => a.status !== 200);
    if (bad) throw new WebhookBenchCheckError(`seeding the redelivery pool: answer ${bad.status} ${JSON.stringify(bad.body)}`);
  }
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

function checkNew(load: LoadResult, inbox: Awaited<ReturnType<typeof recorded>>): string[] {
  const problems: string[] = [];
  const missing = load.ackedNew.filter((id) => !inbox.ids.has(id));
  if (missing.length > 0) problems.push(`${missing.length} events acknowledged but not recorded (first: ${missing[0]})`);
  if (inbox.rows !== inbox.distinct) problems.push(`${inbox.rows - inbox.distinct} events recorded more than once`);
  if (inbox.mismatched > 0) problems.push(`${inbox.mismatched} rows hold another event's body`);
  if (new Set(load.ackedNew).size !== load.ackedNew.length) problems.push('an event was acknowledged as new twice');
  if (load.ackedDuplicate.length > 0) problems.push(`${load.ackedDuplicate.length} never-sent events answered as duplicates`);
  if (load.oddAnswers > 0) problems.push(`${load.oddAnswers} 2xx answers that are not an acknowledgement`);
  // Requests cut off at the end of the run may be recorded unanswered; more than one per connection is not that.
  if (inbox.rows > load.ackedNew.length + load.connections) problems.push(`${inbox.rows - load.ackedNew.length} rows recorded without an acknowledgement`);
  return problems;
}

function checkDuplicates(load: LoadResult, inbox: Awaited<ReturnType<typeof recorded>>): string[] {
  const problems: string[] = [];
  if (inbox.rows !== DUPLICATE_POOL || inbox.distinct !== DUPLICATE_POOL) problems.push(`the resent pool holds ${inbox.rows} rows (${inbox.distinct} distinct), not ${DUPLICATE_POOL}`);
  if (load.ackedNew.length > 0) problems.push(`${load.ackedNew.length} resent events answered as new`);
  if (load.oddAnswers > 0) problems.push(`${load.oddAnswers} 2xx answers that are not an acknowledgement`);
  return problems;
}

const summary = (load: LoadResult, kind: Row['kind'], rows: number, problems: string[]): Row => ({
  ...load,
  kind,
  ackedNew: load.ackedNew.length,
  ackedDuplicate: load.ackedDuplicate.length,
  recorded: rows,
  problems,
});

function table(rows: readonly Row[]): string {
  const head = ['events', 'connections', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'acknowledged', 'recorded', 'check'];
  const body = rows.map((r) => [r.kind, r.connections, r.rps, r.p50Ms, r.p99Ms, r.errors, r.kind === 'new' ? r.ackedNew : r.ackedDuplicate, r.recorded, r.problems.length === 0 ? 'ok' : 'FAILED'].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 || i === widths.length - 1 ? `${'-'.repeat(w + 2)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(head), rule, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const tag = `evt_bench${Date.now().toString(36)}`;
  // The machine may be shared: its 1-minute load before and after, to read the figures by.
  const loadBefore = loadavg()[0] ?? 0;
  const db = await openBenchDatabase();
  const logFile = join(tmpdir(), `buckfleet-bench-webhooks-${process.pid}.log`);
  let server: { url: string; child: ChildProcess } | undefined;
  const rows: Row[] = [];
  try {
    server = await startServer(db.url.reveal(), logFile);
    const url = server.url;
    process.stderr.write(`webhooks: server ${url}, database ${db.describe.source} (PostgreSQL ${db.describe.version}), log ${logFile}\n`);

    process.stderr.write(`webhooks: warm-up ${warmupSeconds} s at 10 connections...\n`);
    const warm = await runLoad({ url, connections: 10, seconds: warmupSeconds, next: eventSource(`${tag}w`) });
    const warmProblems = checkNew(warm, await recorded(db.pool, `${tag}w`));
    if (warmProblems.length > 0) throw new WebhookBenchCheckError(`warm-up: ${warmProblems.join('; ')}`);

    for (const connections of connectionCounts) {
      process.stderr.write(`webhooks: new events, ${connections} connections, ${seconds} s...\n`);
      const prefix = `${tag}n${connections}`;
      const load = await runLoad({ url, connections, seconds, next: eventSource(prefix) });
      const inbox = await recorded(db.pool, prefix);
      rows.push(summary(load, 'new', inbox.rows, checkNew(load, inbox)));
    }

    // The pool of redeliveries: recorded once (checked), then resent round-robin.
    const poolPrefix = `${tag}d`;
    const pool = Array.from({ length: DUPLICATE_POOL }, eventSource(poolPrefix));
    await seedPool(url, pool);
    const seededInbox = await recorded(db.pool, poolPrefix);
    if (seededInbox.rows !== DUPLICATE_POOL) throw new WebhookBenchCheckError(`seeding the redelivery pool recorded ${seededInbox.rows} of ${DUPLICATE_POOL} events`);
    for (const connections of connectionCounts) {
      process.stderr.write(`webhooks: duplicates, ${connections} connections, ${seconds} s...\n`);
      let i = 0;
      const load = await runLoad({ url, connections, seconds, next: () => pool[i++ % DUPLICATE_POOL]! });
      const inbox = await recorded(db.pool, poolPrefix);
      rows.push(summary(load, 'duplicate', inbox.rows, checkDuplicates(load, inbox)));
    }
  } finally {
    if (server) await stopServer(server.child);
    await db.close(tag);
  }

  const load = { before: Math.round(loadBefore * 100) / 100, after: Math.round((loadavg()[0] ?? 0) * 100) / 100 };
  console.log(table(rows));
  const body = rows[0]?.bodyBytes ?? 0;
  console.log(`\nreq/s = 2xx answers per second; errors = non-2xx answers + connection errors/timeouts; acknowledged = 200 answers (new: duplicate:false; duplicate: duplicate:true); recorded = inbox rows for the run's event ids. Event body ${body} bytes. Load average (1 min) before ${load.before}, after ${load.after} on ${availableParallelism()} cores.`);
  const failed = rows.filter((r) => r.problems.length > 0);
  for (const r of failed) console.log(`FAILED ${r.kind} at ${r.connections} connections: ${r.problems.join('; ')}`);

  const date = new Date().toISOString().slice(0, 10);
  const out = join(here, 'results', `webhooks-${date}.json`);
  await mkdir(dirname(out), { recursive: true });
  const machine = { cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}-${process.arch}` };
  await writeFile(out, `${JSON.stringify({ benchmark: 'webhooks', date: new Date().toISOString(), machine, loadAverage1m: load, database: db.describe, secondsPerRun: seconds, warmupSeconds, eventBodyBytes: body, duplicatePool: DUPLICATE_POOL, results: rows }, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
  if (failed.length > 0) throw new WebhookBenchCheckError(`${failed.length} run(s) failed the inbox check: see above`);
}

await main();
