import type { Command } from 'commander';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { tenantOwners } from '../../app/import/mongo/io.js';
import { BOT_TOKEN } from '../../bot/token-check.js';
import type { ChangeRequestInput } from '../../fleet/changes/request.js';
import type { Fleet } from '../../fleet/model.js';
import { sealValue } from '../../fleet/seal.js';
import { cliActor, describeOutcome, type FleetWriter, openFleetWriter, requestId, sealingRecipient } from '../changes.js';
import {
  type AppOutcome,
  type HerokuExport,
  HerokuApp,
  HerokuConfig,
  HerokuExport as HerokuExportSchema,
  HerokuInputError,
  HerokuMapping,
  orphanConfigs,
  parseInput,
  type PlannedTenant,
  planHerokuImport,
  unknownMappingApps,
} from '../heroku/plan.js';
import { type CommandContext, println } from '../io.js';

interface ImportHerokuOptions {
  from: string;
  mapping?: string;
  report?: string;
  dryRun?: boolean;
}

/**
 * Adds `heroku` to the `import` command group: the Heroku apps of an export → one tenant.import
 * change (the kind `import mongo` brought in), so an admin reviews the move as one PR.
 */
export function registerImportHeroku(importCmd: Command, ctx: CommandContext): void {
  importCmd
    .command('heroku')
    .summary('import Heroku apps as tenants')
    .description(
      'Turn an export of Heroku apps into tenants: one tenant.import change (a PR that waits for an admin), with each app\'s config ' +
        'vars as its tenant\'s secrets, each sealed with age (the token var becomes BOT_TOKEN). DATABASE_URL is not copied: the report ' +
        'and the PR say which `buckfleet db copy` moves the data. Modules of the mapping are listed as `buckfleet module install` to run ' +
        'after the merge (an import installs core). --from is one JSON file `{ "apps": <heroku apps --json>, "config": ' +
        '{ "<app>": <heroku config --json -a app> } }` or a folder with apps.json and config/<app>.json. --mapping (YAML or JSON) ' +
        'says which var holds the token (tokenVar, default BOT_TOKEN) and the owner\'s Telegram id (ownerVar, default ' +
        'OWNER_TELEGRAM_ID, or apps.<app>.owner), the plan, the modules and the slug rule (slug.stripPrefix/stripSuffix/prefix). ' +
        'Apps with a problem are skipped with the reason; running it again changes nothing.',
    )
    .requiredOption('--from <file|dir>', 'the Heroku export: a JSON file or a folder')
    .option('--mapping <file>', 'how apps become tenants (YAML or JSON)')
    .option('--report <file>', 'also write the report as JSON: one entry per app (outcome, slug, reason, follow-ups; never a value)')
    .option('--dry-run', 'print what would be imported; seal and submit nothing')
    .action(async (options: ImportHerokuOptions) => {
      const exp = await readExport(resolve(ctx.io.cwd, options.from), options.from);
      const mapping = options.mapping === undefined ? HerokuMapping.parse({}) : await readMapping(resolve(ctx.io.cwd, options.mapping), options.mapping);
      const writer = await openFleetWriter(ctx.io);
      const { fleet } = await writer.main();
      const offer = { ...offerOf(fleet), pending: await pendingImports(writer, new Set(fleet.tenants.keys())) };
      const outcomes = planHerokuImport(exp, mapping, offer, (t) => BOT_TOKEN.test(t));
      const out = (line: string) => println(ctx.io.stdout, line);
      for (const name of unknownMappingApps(exp, mapping)) out(`warning: the mapping names app ${name}, which is not in the export`);
      for (const name of orphanConfigs(exp)) out(`warning: config for app ${name}, which is not in the apps list, is ignored`);

      const imports = outcomes.flatMap((o) => (o.kind === 'import' ? [o.tenant] : []));
      for (const o of outcomes) {
        if (o.kind === 'skip') out(`skipped   ${o.app}: ${o.reason}`);
        if (o.kind === 'unchanged') out(`unchanged ${o.app} → tenant ${o.slug}: already on main`);
        if (o.kind === 'pending') out(`pending   ${o.app} → tenant ${o.slug}: in open PR #${o.pr}, waiting for an admin (buckfleet pr merge ${o.pr})`);
      }
      const verb = options.dryRun === true ? 'would import' : 'import';
      for (const t of imports) {
        out(`${verb} ${t.app} → tenant ${t.slug} (owner ${t.owner}, plan ${t.plan}; secrets, sealed: ${[...t.secrets.keys()].join(', ')})`);
        for (const line of followUps(t)) out(`  ${line}`);
        if (t.dropped.length > 0) out(`  not copied: ${t.dropped.join(', ')}`);
      }
      const skipped = outcomes.filter((o) => o.kind === 'skip').length;
      const unchanged = outcomes.filter((o) => o.kind === 'unchanged').length;
      const pending = outcomes.filter((o) => o.kind === 'pending').length;
      const summary = (imported: string) => `heroku import: ${imported}, ${pending} in open PRs, ${unchanged} unchanged, ${skipped} skipped`;
      let pr: string | null = null;
      if (imports.length === 0) out(summary('nothing to import'));
      else if (options.dryRun === true) out(summary(`${imports.length} would be imported (dry run: nothing sealed or submitted)`));
      else {
        pr = await submitImport(ctx, writer, fleet, imports);
        out(pr);
        out(summary(`${imports.length} imported`));
      }
      if (options.report !== undefined) await writeFile(resolve(ctx.io.cwd, options.report), `${JSON.stringify(reportJson(outcomes, pr, options.dryRun === true), null, 2)}\n`);
    });
}

/**
 * All apps of a run as one tenant.import change: one PR an admin reviews as a whole (the kind
 * always waits for review), written as one commit, so no app is ever half-written.
 */
async function submitImport(ctx: CommandContext, writer: FleetWriter, fleet: Fleet, imports: readonly PlannedTenant[]): Promise<string> {
  const what = `import ${imports.length} tenant${imports.length === 1 ? '' : 's'} from heroku`;
  const recipient = await sealingRecipient(writer.config, fleet, ctx.io.cwd);
  const sealed = new Map<string, Record<string, string>>();
  for (const t of imports) {
    const values: Record<string, string> = {};
    for (const [name, value] of t.secrets) values[name] = await sealValue(recipient, value);
    sealed.set(t.slug, values);
  }
  return describeOutcome(what, await writer.submit(requestOf(ctx, imports, sealed)));
}

/** The report file: what happened to each app, by name; the plaintext values are left behind. */
function reportJson(outcomes: readonly AppOutcome[], pr: string | null, dryRun: boolean) {
  return {
    dryRun,
    pr,
    apps: outcomes.map((o) =>
      o.kind === 'import'
        ? { app: o.tenant.app, outcome: dryRun ? 'would-import' : 'imported', slug: o.tenant.slug, owner: o.tenant.owner, plan: o.tenant.plan, secrets: [...o.tenant.secrets.keys()], notCopied: o.tenant.dropped, followUps: followUps(o.tenant) }
        : o.kind === 'unchanged'
          ? { app: o.app, outcome: 'unchanged', slug: o.slug }
          : o.kind === 'pending'
            ? { app: o.app, outcome: 'pending', slug: o.slug, pr: o.pr }
            : { app: o.app, outcome: 'skipped', reason: o.reason },
    ),
  };
}

/** What is left to do by hand for a tenant once the PR is merged and the tenant deployed. */
function followUps(t: PlannedTenant): string[] {
  return [...t.modules.map((m) => `then: buckfleet module install ${t.slug} ${m}`), ...t.notes];
}

/**
 * The tenant.import request; its id leaves the secret values out (only their names count), so
 * the same export imported again is the same request, the same branch and the same PR.
 */
function requestOf(ctx: CommandContext, imports: readonly PlannedTenant[], sealed: ReadonlyMap<string, Record<string, string>>): ChangeRequestInput {
  const basis = imports.map((t) => ({ app: t.app, slug: t.slug, owner: t.owner, plan: t.plan, modules: t.modules, secrets: [...t.secrets.keys()] }));
  const todo = imports.flatMap((t) => followUps(t).map((line) => `${t.slug}: ${line}`));
  const reason = [`Heroku apps ${imports.map((t) => t.app).join(', ')} (buckfleet import heroku).`, ...(todo.length > 0 ? ['After the merge:', ...todo] : [])].join(' ');
  return {
    kind: 'tenant.import',
    id: requestId('tenant.import', 'heroku', basis),
    requestedBy: cliActor(ctx.io),
    // The request's reason is capped at 500 characters; the command's report has every line.
    reason: reason.length > 500 ? `${reason.slice(0, 440)}… (the rest is in the output of buckfleet import heroku)` : reason,
    source: 'heroku',
    tenants: imports.map((t) => ({ slug: t.slug, owner: { telegramUserId: t.owner }, plan: t.plan, secrets: sealed.get(t.slug) ?? {} })),
  };
}

/**
 * Tenants that open tenant.import PRs add, with their owner and PR: an app already proposed is
 * not proposed again (sealing it again would only be other ciphertext of the same values), and
 * an export that grew since opens a PR for the new apps only.
 */
async function pendingImports(writer: FleetWriter, onMain: ReadonlySet<string>): Promise<Map<string, { owner: number; pr: number }>> {
  const pending = new Map<string, { owner: number; pr: number }>();
  for (const pr of await writer.repo.listOpen()) {
    if (!pr.labels.includes('tenant.import')) continue;
    for (const [slug, owner] of tenantOwners((await writer.repo.read(pr.head)).files, onMain)) pending.set(slug, { owner, pr: pr.number });
  }
  return pending;
}

function offerOf(fleet: Fleet) {
  return {
    plans: Object.keys(fleet.config.plans),
    modules: [...fleet.catalog.keys()],
    tenants: new Map([...fleet.tenants].map(([slug, r]) => [slug, r.tenant.owner.telegramUserId] as const)),
  };
}

/** The export as one JSON file or a folder (apps.json + config/<app>.json); issues name the file. */
async function readExport(path: string, shown: string): Promise<HerokuExport> {
  const info = await stat(path).catch(() => null);
  if (info === null) throw new HerokuInputError([{ file: shown, field: '(file)', message: 'not found' }]);
  if (!info.isDirectory()) return parseInput(HerokuExportSchema, await readJson(path, shown), shown);
  const appsFile = join(shown, 'apps.json');
  const apps = parseInput(HerokuApp.array(), await readJson(join(path, 'apps.json'), appsFile), appsFile);
  const config: Record<string, HerokuConfig> = {};
  const configDir = join(path, 'config');
  const files = (await readdir(configDir).catch(() => [])).filter((f) => f.endsWith('.json')).sort();
  for (const file of files) {
    const shownFile = join(shown, 'config', file);
    config[file.slice(0, -'.json'.length)] = parseInput(HerokuConfig, await readJson(join(configDir, file), shownFile), shownFile);
  }
  return { apps, config };
}

async function readMapping(path: string, shown: string): Promise<HerokuMapping> {
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) throw new HerokuInputError([{ file: shown, field: '(file)', message: 'cannot be read' }]);
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch {
    throw new HerokuInputError([{ file: shown, field: '(file)', message: 'is not valid YAML or JSON' }]);
  }
  return parseInput(HerokuMapping, value ?? {}, shown);
}

/** JSON.parse's message quotes the text around the error, which may be a config value: not shown. */
async function readJson(path: string, shown: string): Promise<unknown> {
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) throw new HerokuInputError([{ file: shown, field: '(file)', message: 'cannot be read' }]);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HerokuInputError([{ file: shown, field: '(file)', message: 'is not valid JSON' }]);
  }
}
