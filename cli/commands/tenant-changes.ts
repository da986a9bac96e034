import { type Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadConfig } from '../../app/config.js';
import { BOT_TOKEN } from '../../bot/token-check.js';
import type { ChangeRequestInput } from '../../fleet/changes/request.js';
import { loadFleet } from '../../fleet/load/index.js';
import type { TenantRecord } from '../../fleet/model.js';
import { type Chat, ModuleName, PlanName, SemVer, Slug, TelegramChatId, TelegramUserId } from '../../fleet/schema/index.js';
import { sealValue } from '../../fleet/seal.js';
import { cliActor, describeOutcome, openFleetWriter, parseArg, parseModuleArg, requestId, sealingRecipient } from '../changes.js';
import { reachControlDb, readTenantStatus, type TenantHealthRow, tenantState, timeAgo } from '../control-db.js';
import { UsageError } from '../errors.js';
import { type CliIo, type CommandContext, println } from '../io.js';
import { printIssues } from '../report.js';
import { placementText, readSnapshot } from './tenant.js';

/** The bot token could not be read or is not one; never quotes what was read. */
export class BotTokenInputError extends Error {
  override readonly name = 'BotTokenInputError';
}

const collect = (value: string, previous: string[]) => [...previous, value];

interface CreateOptions {
  owner: string;
  plan: string;
  module: string[];
  chat: string[];
  tokenFile?: string;
  tokenStdin?: boolean;
  displayName?: string;
}

/** `tenant create|show|suspend|resume`: the change requests the bot makes, from a terminal. */
export function registerTenantChanges(tenant: Command, ctx: CommandContext): void {
  tenant
    .command('create')
    .summary('create a tenant (a tenant.create change)')
    .description(
      'Create tenant <slug> as a purchase in the bot does: a tenant.create change request (PR) on the fleet repo, merged when ' +
        'fleet.yaml\'s mergePolicy says auto. The bot token is read from a file or stdin, never from the command line, checked for ' +
        'form and sealed with age to the fleet\'s recipient (AGE_RECIPIENT, fleet.yaml secretsRecipient, or the local identity); ' +
        'it is never printed. Running the same command again shows the same PR.',
    )
    .argument('<slug>', 'the tenant\'s name (lowercase letters, digits, dashes)')
    .requiredOption('--owner <id>', 'the owner\'s Telegram user id')
    .requiredOption('--plan <plan>', 'a plan of fleet.yaml')
    .option('--module <name[@version]>', 'a module to install (repeatable); latest release when no version; core is always installed', collect, [])
    .option('--chat <id[:type]>', 'a chat the bot serves (repeatable); type group, supergroup or channel (default: supergroup for -100…, else group)', collect, [])
    .addOption(new Option('--token-file <file>', 'read the bot token from this file').conflicts('tokenStdin'))
    .option('--token-stdin', 'read the bot token from standard input')
    .option('--display-name <name>', 'a name people see instead of the slug')
    .action(async (slugArg: string, options: CreateOptions) => {
      const slug = parseArg(Slug, slugArg, `tenant "${slugArg}"`);
      const owner = parseArg(TelegramUserId, Number(options.owner), `--owner ${options.owner}`);
      const plan = parseArg(PlanName, options.plan, `--plan ${options.plan}`);
      const modules = options.module.map((m) => {
        const { name, version } = parseModuleArg(m);
        return { name: parseArg(ModuleName, name, `--module ${m}`), ...(version === undefined ? {} : { version: parseArg(SemVer, version, `--module ${m}`) }) };
      });
      const chats = options.chat.map(parseChat);
      // Read before anything is opened: a missing file is the operator's to fix first.
      const token = await readToken(ctx.io, options);
      const writer = await openFleetWriter(ctx.io);
      const { fleet } = await writer.main();
      const sealed = token === null ? null : await sealValue(await sealingRecipient(writer.config, fleet, ctx.io.cwd), token);
      // The id leaves the token out: its sealed form differs on every run, the request does not.
      const basis = { owner, plan, modules, chats, displayName: options.displayName ?? null, token: token !== null };
      const input: ChangeRequestInput = {
        kind: 'tenant.create',
        id: requestId('tenant.create', slug, basis),
        requestedBy: cliActor(ctx.io),
        slug,
        owner: { telegramUserId: owner },
        plan,
        modules,
        chats,
        ...(options.displayName === undefined ? {} : { displayName: options.displayName }),
        ...(sealed === null ? {} : { secrets: { BOT_TOKEN: sealed } }),
      };
      println(ctx.io.stdout, describeOutcome(`create tenant ${slug}`, await writer.submit(input)));
    });

  tenant
    .command('show')
    .summary('show one tenant')
    .description('Show tenant <slug> as main of the fleet repo has it (owner, plan, placement, modules, chats, sealed secrets by name), its billing, and its status from the control database when that can be reached.')
    .argument('<slug>', 'the tenant')
    .option('--dir <dir>', 'read a fleet repo checkout instead of FLEET_REPO')
    .action(async (slug: string, options: { dir?: string }) => {
      const loaded = loadFleet(await readSnapshot(ctx.io, options.dir));
      if (!loaded.ok) {
        printIssues(ctx.io, loaded.issues);
        ctx.exitCode = 1;
        return;
      }
      const record = loaded.fleet.tenants.get(slug);
      if (record === undefined) throw new TenantNotFoundError(`there is no tenant "${slug}" on main (buckfleet tenant list shows them)`);
      const status = await tenantHealth(ctx.io, slug);
      for (const line of showLines(record, loaded.fleet.config.plans[record.tenant.plan]?.title ?? null, status)) println(ctx.io.stdout, line);
    });

  for (const [verb, kind] of [
    ['suspend', 'tenant.suspend'],
    ['resume', 'tenant.resume'],
  ] as const) {
    tenant
      .command(verb)
      .summary(`${verb} a tenant (a ${kind} change)`)
      .description(
        verb === 'suspend'
          ? 'Suspend tenant <slug>: its billing status becomes suspended and the reconciler stops its stack (its data is kept).'
          : 'Resume tenant <slug>: its billing status becomes active again and the reconciler starts its stack.',
      )
      .argument('<slug>', 'the tenant')
      .option('--reason <text>', 'why, for the PR and billing.yaml')
      .action(async (slugArg: string, options: { reason?: string }) => {
        const slug = parseArg(Slug, slugArg, `tenant "${slugArg}"`);
        const writer = await openFleetWriter(ctx.io);
        const { fleet } = await writer.main();
        const record = fleet.tenants.get(slug);
        if (record === undefined) throw new TenantNotFoundError(`there is no tenant "${slug}" on main`);
        const input: ChangeRequestInput = {
          kind,
          // Billing as it is now is part of the request: suspend, resume, suspend again are three changes.
          id: requestId(kind, slug, { billing: record.billing, reason: options.reason ?? null }),
          requestedBy: cliActor(ctx.io),
          slug,
          ...(options.reason === undefined ? {} : { reason: options.reason }),
        };
        println(ctx.io.stdout, describeOutcome(`${verb} tenant ${slug}`, await writer.submit(input)));
      });
  }
}

export class TenantNotFoundError extends Error {
  override readonly name = 'TenantNotFoundError';
}

/** `-1001234:channel`, or just the id: -100… ids are supergroups or channels, other negative ones groups. */
function parseChat(text: string): Chat {
  const [idText = '', type] = text.split(':');
  const id = parseArg(TelegramChatId, /^-?\d+$/.test(idText) ? Number(idText) : Number.NaN, `--chat ${text}`);
  if (id >= 0) throw new UsageError(`--chat ${text}: a group or channel id is negative (users are not chats the bot serves)`);
  if (type === undefined) return { id, type: idText.startsWith('-100') ? 'supergroup' : 'group' };
  if (type === 'group' || type === 'supergroup' || type === 'channel') return { id, type };
  throw new UsageError(`--chat ${text}: the type must be group, supergroup or channel`);
}

/**
 * The token from --token-file or --token-stdin, without the newline an editor or `echo` adds.
 * Null when neither was given. What was read is never part of an error.
 */
async function readToken(io: CliIo, options: CreateOptions): Promise<string | null> {
  let text: string;
  let from: string;
  if (options.tokenFile !== undefined) {
    const path = resolve(io.cwd, options.tokenFile);
    from = options.tokenFile;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const code = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
      throw new BotTokenInputError(`--token-file ${options.tokenFile}: cannot read it (${code})`);
    }
  } else if (options.tokenStdin === true) {
    if (io.stdin === undefined) throw new UsageError('--token-stdin: there is no standard input to read');
    from = 'standard input';
    const chunks: string[] = [];
    for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    text = chunks.join('');
  } else {
    return null;
  }
  const token = text.trim();
  if (!BOT_TOKEN.test(token)) throw new BotTokenInputError(`the bot token from ${from} is not in @BotFather's form (the bot's id, ":", then 35 letters, digits, "_" or "-")`);
  return token;
}

/** A tenant's status row, or why there is none to show. */
type Health = { readonly row: TenantHealthRow | undefined } | { readonly unknown: string };

async function tenantHealth(io: CliIo, slug: string): Promise<Health> {
  const db = await reachControlDb(loadConfig(io.env), io.cwd);
  if (!db.ok) return { unknown: db.reason };
  try {
    const rows = await readTenantStatus(db.query);
    return rows === null ? { unknown: 'the control database has no tenant_status table yet (run buckfleet up once)' } : { row: rows.get(slug) };
  } finally {
    await db.close();
  }
}

function showLines({ slug, tenant, billing, secrets }: TenantRecord, planTitle: string | null, health: Health): string[] {
  const owner = `${tenant.owner.telegramUserId}${tenant.owner.username ? ` @${tenant.owner.username}` : ''}`;
  const modules = Object.entries(tenant.modules).map(([name, m]) => `${name}@${m.version} (${m.channel})`);
  const chats = tenant.chats.map((c) => `${c.id} ${c.type}${c.title ? ` "${c.title}"` : ''}`);
  const paid = billing.paidThrough === null ? 'nothing paid yet' : `paid through ${billing.paidThrough.slice(0, 10)}`;
  const state =
    'unknown' in health
      ? `unknown (${health.unknown})`
      : `${tenantState(billing.status, health.row)}${health.row === undefined ? ' (not reconciled yet)' : `, last reconcile ${timeAgo(health.row.updatedAt, new Date())}${conditionNote(health.row)}`}`;
  return [
    `tenant ${slug}${tenant.displayName ? ` (${tenant.displayName})` : ''}`,
    `owner:      ${owner}`,
    `plan:       ${tenant.plan}${planTitle === null ? '' : ` (${planTitle})`}`,
    `placement:  ${placementText(tenant.placement)}`,
    `modules:    ${modules.join(', ')}`,
    `chats:      ${chats.join(', ') || 'none'}`,
    // Names only: sealed values are ciphertext, but nobody needs them on a terminal.
    `secrets:    ${Object.keys(secrets?.values ?? {}).sort().join(', ') || 'none'}${secrets ? ' (sealed)' : ''}`,
    `billing:    ${billing.status}, ${paid}${billing.autoRenew ? ', renews by itself' : ''}${billing.statusReason ? ` (${billing.statusReason})` : ''}`,
    `status:     ${state}`,
  ];
}

/** Why a tenant is not ready, from its conditions. */
function conditionNote(row: TenantHealthRow): string {
  const c = row.conditions;
  if (c.Ready?.status === true) return '';
  const failing = c.Stalled?.status === true ? c.Stalled : c.Ready;
  return failing && failing.message !== '' ? ` (${failing.reason}: ${failing.message})` : '';
}
