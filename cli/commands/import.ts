import type { Command } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { transaction } from '../../app/db/db.js';
import { openControlDb } from '../../app/db/open.js';
import { DEFAULT_MAPPING_YAML } from '../../app/import/mongo/default-mapping.js';
import { readDump, tenantOwners, upsertUsers } from '../../app/import/mongo/io.js';
import { parseMapping } from '../../app/import/mongo/mapping.js';
import { countEntries, type ExistingTenants, importRequestId, type ImportPlan, planImport, type ReportEntry } from '../../app/import/mongo/plan.js';
import type { ChangeRequestInput, ImportedTenant } from '../../fleet/changes/request.js';
import { sealValue } from '../../fleet/seal.js';
import type { SubmitOutcome } from '../../fleet/submit.js';
import { cliActor, describeOutcome, type FleetWriter, openFleetWriter, sealingRecipient } from '../changes.js';
import { UsageError } from '../errors.js';
import { type CommandContext, println } from '../io.js';
import { registerImportHeroku } from './import-heroku.js';

type ImportedTenantInput = z.input<typeof ImportedTenant>;

interface MongoOptions {
  from?: string;
  mapping?: string;
  report?: string;
  dryRun?: boolean;
  printMapping?: boolean;
}

/**
 * `buckfleet import ...`: existing customers moved in from other systems. Each source is a
 * subcommand of this group (`import mongo` here; `import heroku` attaches to the same `imp`).
 */
export function registerImport(program: Command, ctx: CommandContext): void {
  const imp = program.command('import').summary('move existing customers in').description('Move existing customers in from the systems buckfleet replaces.');
  imp
    .command('mongo')
    .summary('import users, bots and billing from a mongoexport dump')
    .description(
      'Import the old MongoDB bot manager from a mongoexport dump (one JSON Lines file per collection: users, bots, ' +
        'subscriptions, payments; canonical or relaxed Extended JSON). Users go into the control database (one ' +
        'transaction); each bot becomes a tenant with its paid periods and its token sealed, all in ONE tenant.import PR ' +
        'for an admin. Bad records are reported with file:line and skipped. Running it again changes nothing.',
    )
    .option('--from <dir>', 'the dump folder')
    .option('--mapping <file>', 'the field mapping (YAML); the shipped one when absent (see --print-mapping)')
    .option('--report <file>', 'where to write the JSON report (default: <dir>/import-report.json)')
    .option('--dry-run', 'write nothing: print what would be imported')
    .option('--print-mapping', 'print the shipped mapping, to copy and edit for another schema')
    .action(async (options: MongoOptions) => {
      if (options.printMapping) {
        ctx.io.stdout.write(DEFAULT_MAPPING_YAML);
        return;
      }
      if (options.from === undefined) throw new UsageError('import mongo: --from <dir> is required');
      await importMongo(ctx, { ...options, from: options.from });
    });
  registerImportHeroku(imp, ctx);
}

async function importMongo(ctx: CommandContext, options: MongoOptions & { from: string }): Promise<void> {
  const { io } = ctx;
  const dir = resolve(io.cwd, options.from);
  const mappingFile = options.mapping === undefined ? '(shipped mapping)' : options.mapping;
  const mappingText = options.mapping === undefined ? DEFAULT_MAPPING_YAML : await readFile(resolve(io.cwd, options.mapping), 'utf8');
  const mapping = parseMapping(mappingText, mappingFile);
  const records = await readDump(dir, mapping);

  const writer = await openFleetWriter(io);
  const { fleet, revision } = await writer.main();
  const plan = planImport(records, await existingTenants(writer, revision));
  const dryRun = options.dryRun === true;

  let outcome: SubmitOutcome | null = null;
  if (!dryRun) {
    // Sealed before the transaction opens: nothing slow while rows are locked.
    const recipient = plan.tenants.length > 0 ? await sealingRecipient(writer.config, fleet, io.cwd) : null;
    const tenants: ImportedTenantInput[] = [];
    for (const t of plan.tenants) {
      tenants.push({
        slug: t.slug,
        owner: t.owner,
        plan: t.plan,
        ...(t.displayName === null ? {} : { displayName: t.displayName }),
        ...(t.createdAt === null ? {} : { createdAt: t.createdAt }),
        secrets: recipient === null ? {} : { BOT_TOKEN: await sealValue(recipient, t.token.reveal()) },
        billing: t.billing,
      });
    }
    const db = await openControlDb(writer.config, { cwd: io.cwd });
    try {
      // Users and the PR together: if the PR cannot be opened, no user row stays behind.
      await transaction(db.pool, async (tx) => {
        const written = await upsertUsers(tx, plan.users);
        markUsers(plan, written);
        if (tenants.length > 0) {
          const input: ChangeRequestInput = { kind: 'tenant.import', id: importRequestId(plan.tenants), requestedBy: cliActor(io), source: 'mongo', tenants };
          outcome = await writer.submit(input);
        }
      });
    } finally {
      await db.close();
    }
  }

  const counts = countEntries(plan.entries);
  for (const [collection, c] of Object.entries(counts)) {
    println(io.stdout, `${collection}: ${c.imported} ${dryRun ? 'to import' : 'imported'}, ${c.unchanged} unchanged, ${c.skipped} skipped, ${c.conflicting} conflicting`);
  }
  for (const e of plan.entries) if (e.outcome === 'skipped' || e.outcome === 'conflicting') println(io.stdout, `${e.file}:${e.line}: ${e.outcome}: ${e.reason ?? ''}`);
  const prLine = dryRun
    ? `dry run: ${plan.tenants.length} tenants would be proposed in one PR; nothing was written`
    : outcome === null
      ? 'no new tenants: no PR opened'
      : describeOutcome(`import ${plan.tenants.length} tenants`, outcome);
  println(io.stdout, prLine);
  if (!dryRun) {
    const reportFile = options.report === undefined ? join(dir, 'import-report.json') : resolve(io.cwd, options.report);
    const report = { source: 'mongo', dump: dir, dryRun, fleetRevision: revision, result: prLine, counts, entries: plan.entries satisfies ReportEntry[] };
    await writeFile(reportFile, `${JSON.stringify(report, null, 2)}\n`);
    println(io.stdout, `report: ${reportFile}`);
  }
}

/** A user line's entry says what the database did: inserted or filled is imported, else unchanged. */
function markUsers(plan: ImportPlan, written: ReadonlyMap<number, 'inserted' | 'filled' | 'unchanged'>): void {
  for (const [id, at] of plan.userEntries) {
    const e = plan.entries[at];
    if (e === undefined) continue;
    const w = written.get(id);
    plan.entries[at] = w === 'unchanged' ? { ...e, outcome: 'unchanged', reason: 'already in the control database' } : { ...e, outcome: 'imported', ...(w === 'filled' ? { reason: 'filled empty fields of a known user' } : {}) };
  }
}

/** Tenants on main, and those an open import PR adds (so a second run does not propose them again). */
async function existingTenants(writer: FleetWriter, main: string): Promise<ExistingTenants> {
  const mainFiles = (await writer.repo.read(main)).files;
  const onMainOwners = tenantOwners(mainFiles);
  const inOpenPr = new Map<string, { owner: number; pr: number }>();
  for (const pr of await writer.repo.listOpen()) {
    if (!pr.labels.includes('tenant.import')) continue;
    for (const [slug, owner] of tenantOwners((await writer.repo.read(pr.head)).files, new Set(onMainOwners.keys()))) inOpenPr.set(slug, { owner, pr: pr.number });
  }
  return { onMain: new Map([...onMainOwners].map(([slug, owner]) => [slug, { owner }])), inOpenPr };
}
