import type { Action } from '../actions.js';
import { type StepContext, targetOf } from '../context.js';
import type { DesiredTenant, EnvValue } from '../desired.js';
import { StalledError, TransientError, WaitingError } from '../errors.js';
import type { HostTarget, ObservedStack } from '../ports.js';
import { renderCompose } from '../render-compose.js';
import { RemoteCommandError } from '../resources/compose-stack/errors.js';

type Of<K extends Action['kind']> = Extract<Action, { kind: K }>;

async function requireTarget(ctx: StepContext, a: Action & { host: string }): Promise<HostTarget> {
  const target = await targetOf(ctx, a.host);
  if (target === null) throw new WaitingError('HostNotReady', `${a.host} has no address or pinned key yet`, 10_000, { owner: a.owner, action: a.id });
  return target;
}

/**
 * Writes the tenant's compose file and brings it up, then holds the health gate: every service
 * running, healthy where it has a check, and labelled with the planned spec. Compose recreates
 * only the services whose definition changed, so modules that did not change keep running.
 */
export async function stackDeploy(ctx: StepContext, a: Of<'stack.deploy'>): Promise<Record<string, unknown>> {
  const tenant = ctx.desired.tenants.get(a.tenant);
  if (!tenant) throw new StalledError('NotDesired', `${a.tenant} is not in the fleet any more`, { owner: a.owner, action: a.id });
  const target = await requireTarget(ctx, a);
  const compose = renderCompose(tenant, await resolver(ctx, tenant), { networkMode: ctx.settings.networkMode });
  await ctx.runtime.writeStack(target, { project: a.project, compose });
  try {
    await ctx.runtime.up(target, a.project);
  } catch (error) {
    throw badImage(error, a) ?? error;
  }
  await healthGate(ctx, target, tenant, a);
  return { services: tenant.services.map((s) => `${s.name}@${s.image}`) };
}

/**
 * An image that cannot be pulled (no such image or tag, no access) will not appear by retrying:
 * a person must release it or fix the catalog. Compose says so only in its output.
 */
const IMAGE_MISSING = /pull access denied|manifest unknown|manifest for .* not found|repository does not exist|No such image|not found: manifest/i;

export function badImage(error: unknown, a: Of<'stack.deploy'>): StalledError | null {
  const tail = error instanceof RemoteCommandError ? error.stderrTail : '';
  const line = tail.split('\n').find((l) => IMAGE_MISSING.test(l));
  if (line === undefined) return null;
  return new StalledError('BadImage', `${a.project}: an image cannot be pulled (${line.trim()}); release it or fix the catalog`, { owner: a.owner, action: a.id }, { cause: error });
}

/** Secrets are opened here, just before the file is written, and exist nowhere else in memory for long. */
async function resolver(ctx: StepContext, tenant: DesiredTenant): Promise<(v: EnvValue) => string> {
  const opened = new Map<string, string>();
  for (const s of tenant.services) {
    for (const v of Object.values(s.env)) if ('secret' in v && !opened.has(v.sealed)) opened.set(v.sealed, await ctx.secrets.open(v.sealed));
  }
  const url = ctx.tenantDb.connectionUrl(tenant.slug, ctx.dbPassword(tenant.slug));
  return (v) => ('value' in v ? v.value : 'secret' in v ? (opened.get(v.sealed) ?? '') : url);
}

async function healthGate(ctx: StepContext, target: HostTarget, tenant: DesiredTenant, a: Of<'stack.deploy'>): Promise<void> {
  const deadline = ctx.now().getTime() + ctx.settings.healthTimeoutMs;
  let pause = 250;
  let last = 'not observed yet';
  for (;;) {
    const stack = (await ctx.runtime.listStacks(target)).find((s) => s.project === tenant.project);
    last = unhealthy(tenant, stack);
    if (last === '') return;
    if (ctx.now().getTime() + pause > deadline) {
      throw new TransientError('Unhealthy', `${tenant.project} did not become healthy in ${ctx.settings.healthTimeoutMs / 1000}s: ${last}`, { owner: a.owner, action: a.id });
    }
    await ctx.sleep(pause);
    // At most a second between looks: a look is one command over the host's kept SSH connection,
    // and a longer pause was up to that much more time between "healthy" and the customer told.
    pause = Math.min(pause * 2, 1_000);
  }
}

/** What keeps a stack from passing the gate, or '' when it passes. */
function unhealthy(tenant: DesiredTenant, stack: ObservedStack | undefined): string {
  if (!stack) return 'no containers';
  const problems: string[] = [];
  for (const want of tenant.services) {
    const have = stack.services.find((s) => s.service === want.name);
    if (!have) problems.push(`${want.name} missing`);
    else if (have.spec !== want.spec) problems.push(`${want.name} still the old version`);
    else if (have.state !== 'running') problems.push(`${want.name} ${have.state}`);
    else if (have.health !== 'healthy' && have.health !== 'none') problems.push(`${want.name} ${have.health}`);
  }
  return problems.join(', ');
}

export async function stackStop(ctx: StepContext, a: Of<'stack.stop'>): Promise<Record<string, unknown>> {
  await ctx.runtime.stop(await requireTarget(ctx, a), a.project);
  return {};
}

/** Removes containers and files; volumes stay (a moved tenant's data, a deleted one's last copy beside its dump). */
export async function stackRemove(ctx: StepContext, a: Of<'stack.remove'>): Promise<Record<string, unknown>> {
  await ctx.runtime.remove(await requireTarget(ctx, a), a.project, { volumes: false });
  return {};
}
