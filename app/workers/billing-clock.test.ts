import pg from 'pg';
import { pino } from 'pino';
import { parse } from 'yaml';
import { describe, expect, it, type TestContext } from 'vitest';
import type { ClockDecisions } from '../../billing/contract.js';
import { billingFile } from '../../fleet/paths.js';
import { MAIN } from '../../fleet/repo/types.js';
import { Secret } from '../../fleet/secret.js';
import { DEDICATED_TENANT, FIXTURE_NOW, SHARED_TENANT, validFleetFiles } from '../../test/fleet-fixtures.js';
import { makeTempBareRepo } from '../../test/git.js';
import { testDatabase } from '../../test/pg/database.js';
import { migrate } from '../db/migrate.js';
import { CLOCK_LOCK_KEY, type ClockDeps, runClockTick } from './billing-clock.js';

/** What billing/'s rules might decide at some tick: one suspension, one deletion PR, two reminders. */
const DECISIONS: ClockDecisions = {
  changes: [
    {
      kind: 'billing.record',
      id: 'clock:past_due:alpha-shop:2026-04-04',
      slug: SHARED_TENANT,
      requestedBy: { type: 'system', component: 'billing-clock' },
      record: { status: { value: 'past_due', reason: 'not paid since 2026-04-04' } },
    },
    { kind: 'tenant.delete', id: 'clock:delete:bravo-news', slug: DEDICATED_TENANT, requestedBy: { type: 'system', component: 'billing-clock' } },
  ],
  reminders: [
    { dedupeKey: 'reminder:alpha-shop:2026-04-04:7', telegramUserId: 200_001, tenant: SHARED_TENANT, kind: 'billing.reminder', paidThrough: '2026-04-04T00:00:00Z', daysLeft: 7 },
    { dedupeKey: 'reminder:bravo-news:2026-03-30:3', telegramUserId: 200_002, tenant: DEDICATED_TENANT, kind: 'billing.reminder', paidThrough: '2026-03-30T00:00:00Z', daysLeft: 3 },
  ],
};

async function setUp(ctx: TestContext) {
  const db = await testDatabase(ctx);
  await migrate(new Secret(db.url));
  const fleet = await makeTempBareRepo(Object.fromEntries(validFleetFiles()));
  ctx.onTestFinished(() => fleet.cleanup());
  const deps: ClockDeps = { pool: db.pool, repo: fleet.repo, now: () => new Date(FIXTURE_NOW), log: pino({ level: 'silent' }), random: () => 0.5, decide: () => DECISIONS };
  return { db, fleet, deps };
}

describe('the billing clock worker', () => {
  it('submits what the rules decide and queues each reminder once; a second tick changes nothing', async (ctx) => {
    const { db, fleet, deps } = await setUp(ctx);

    expect(await runClockTick(deps)).toEqual({ ran: true, submitted: 2, waiting: 0, failed: 0, reminders: 2 });
    const head = await fleet.repo.head(MAIN);
    const billing = parse((await fleet.repo.read(head ?? '')).files.get(billingFile(SHARED_TENANT)) ?? '') as { status: string };
    expect(billing.status).toBe('past_due');
    // tenant.delete is never merged by itself: its PR waits for an admin.
    expect((await fleet.repo.listOpen()).map((pr) => pr.labels[0])).toEqual(['tenant.delete']);
    const outbox = await db.pool.query('SELECT dedupe_key, telegram_user_id, kind, payload FROM outbox ORDER BY id');
    expect(outbox.rows).toEqual([
      { dedupe_key: 'reminder:alpha-shop:2026-04-04:7', telegram_user_id: '200001', kind: 'billing.reminder', payload: { tenant: SHARED_TENANT, paidThrough: '2026-04-04T00:00:00Z', daysLeft: 7 } },
      { dedupe_key: 'reminder:bravo-news:2026-03-30:3', telegram_user_id: '200002', kind: 'billing.reminder', payload: { tenant: DEDICATED_TENANT, paidThrough: '2026-03-30T00:00:00Z', daysLeft: 3 } },
    ]);

    // The next minute: the status move is on main (a no-op now), the deletion PR is left as it is.
    const deletion = (await fleet.repo.listOpen())[0];
    expect(await runClockTick(deps)).toEqual({ ran: true, submitted: 1, waiting: 1, failed: 0, reminders: 0 });
    expect(await fleet.repo.head(MAIN)).toBe(head);
    expect((await fleet.repo.listOpen())[0]?.head).toBe(deletion?.head);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM outbox')).rows).toEqual([{ n: 2 }]);
  });

  it('skips the tick while another process holds the clock', async (ctx) => {
    const { db, deps } = await setUp(ctx);
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    ctx.onTestFinished(() => other.end());
    await other.query('BEGIN');
    await other.query('SELECT pg_advisory_xact_lock($1::bigint)', [CLOCK_LOCK_KEY]);

    expect(await runClockTick(deps)).toEqual({ ran: false });
    expect((await db.pool.query('SELECT count(*)::int AS n FROM outbox')).rows).toEqual([{ n: 0 }]);

    await other.query('COMMIT');
    expect(await runClockTick(deps)).toMatchObject({ ran: true, reminders: 2 });
  });

  it("goes on with the other changes when one fails, and says so", async (ctx) => {
    const { deps } = await setUp(ctx);
    const broken: ClockDeps = {
      ...deps,
      decide: () => ({ ...DECISIONS, changes: [{ ...DECISIONS.changes[0]!, slug: 'zulu-nobody' }, DECISIONS.changes[1]!] }),
    };
    expect(await runClockTick(broken)).toEqual({ ran: true, submitted: 1, waiting: 0, failed: 1, reminders: 2 });
  });
});
