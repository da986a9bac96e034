import type { Command } from 'commander';
import { latestVersion } from '../../fleet/changes/catalog.js';
import type { ChangeRequestInput } from '../../fleet/changes/request.js';
import { ChangeRejectedError } from '../../fleet/changes/types.js';
import { ModuleName, SemVer, Slug } from '../../fleet/schema/index.js';
import { cliActor, describeOutcome, openFleetWriter, parseArg, parseModuleArg, requestId } from '../changes.js';
import { type CommandContext, println } from '../io.js';
import { TenantNotFoundError } from './tenant-changes.js';

/** `buckfleet module install|update`: the module change requests the bot makes, from a terminal. */
export function registerModule(program: Command, ctx: CommandContext): void {
  const module = program.command('module').summary('install and update modules of a tenant').description('Install and update the modules of a tenant, as change requests on the fleet repo.');

  module
    .command('install')
    .summary('install a module on a tenant (a module.install change)')
    .description('Install <module> on tenant <slug>: the latest release, or the version given. Refused when the module is unknown or its `requires` do not hold with the tenant\'s other modules.')
    .argument('<slug>', 'the tenant')
    .argument('<module>', 'name or name@version')
    .action(async (slugArg: string, moduleArg: string) => {
      const { slug, name, version } = parseTarget(slugArg, moduleArg);
      const writer = await openFleetWriter(ctx.io);
      const { fleet } = await writer.main();
      const record = fleet.tenants.get(slug);
      if (record === undefined) throw new TenantNotFoundError(`there is no tenant "${slug}" on main`);
      const input: ChangeRequestInput = {
        kind: 'module.install',
        // The tenant as it is is part of the request: install, remove, install again are separate changes.
        id: requestId('module.install', `${slug}:${name}`, { tenant: record.tenant, version: version ?? null }),
        requestedBy: cliActor(ctx.io),
        slug,
        module: name,
        ...(version === undefined ? {} : { version }),
      };
      println(ctx.io.stdout, describeOutcome(`install ${name}${version === undefined ? '' : `@${version}`} on ${slug}`, await writer.submit(input)));
    });

  module
    .command('update')
    .summary('update a module of a tenant (a module.update change)')
    .description('Update <module> of tenant <slug> to the version given, or to the latest release. Refused when the tenant does not have the module or the new version\'s `requires` do not hold.')
    .argument('<slug>', 'the tenant')
    .argument('<module>', 'name or name@version')
    .action(async (slugArg: string, moduleArg: string) => {
      const { slug, name, version: asked } = parseTarget(slugArg, moduleArg);
      const writer = await openFleetWriter(ctx.io);
      const { fleet } = await writer.main();
      const record = fleet.tenants.get(slug);
      if (record === undefined) throw new TenantNotFoundError(`there is no tenant "${slug}" on main`);
      const context = { kind: 'module.update', id: `cli:module.update:${slug}:${name}`, slug };
      const version = asked ?? latestVersion(fleet, name);
      if (version === null) throw new ChangeRejectedError('not_found', `there is no module "${name}" in the catalog`, context);
      const installed = record.tenant.modules[name];
      // module.update skips such tenants and lists them in the PR; for one tenant the reason is the answer.
      if (installed === undefined) throw new ChangeRejectedError('not_found', `${slug} does not have ${name}; install it with buckfleet module install ${slug} ${name}`, context);
      if (installed.version === version) {
        println(ctx.io.stdout, `update ${name} on ${slug}: nothing to change, it runs ${name}@${version}${asked === undefined ? ', the latest release' : ''}`);
        return;
      }
      const input: ChangeRequestInput = {
        kind: 'module.update',
        id: requestId('module.update', `${slug}:${name}@${version}`, { tenant: record.tenant }),
        requestedBy: cliActor(ctx.io),
        module: name,
        version,
        tenants: [slug],
      };
      println(ctx.io.stdout, describeOutcome(`update ${name} on ${slug} (${installed.version} → ${version})`, await writer.submit(input)));
    });
}

function parseTarget(slugArg: string, moduleArg: string) {
  const slug = parseArg(Slug, slugArg, `tenant "${slugArg}"`);
  const { name, version } = parseModuleArg(moduleArg);
  return {
    slug,
    name: parseArg(ModuleName, name, `module "${moduleArg}"`),
    version: version === undefined ? undefined : parseArg(SemVer, version, `module "${moduleArg}"`),
  };
}
