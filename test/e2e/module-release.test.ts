import { cp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../app/config.js';
import { type ControlPlane, startControlPlane } from '../../app/control-plane.js';
import { parseRoles } from '../../app/roles.js';
import { approveChange } from '../../fleet/approve.js';
import { tenantFile } from '../../fleet/paths.js';
import { MAIN } from '../../fleet/repo/types.js';
import type { TenantManifest } from '../../fleet/schema/index.js';
import { reconcilePass } from '../../reconciler/reconcile.js';
import { describeWithHosts, type TestHost } from '../hosts/index.js';
import { type MeetingPoint, startMeetingPoint } from '../hosts/meeting-point.js';
import type { Relay } from '../hosts/relay.js';
import { importModuleImage } from '../images/module-image.js';
import { makeModulesRepo, type ModulesRepo } from '../modules-repo.js';
import { startTelegramEmulator, type TelegramEmulator } from '../telegram/emulator.js';
import { TestUser } from '../telegram/user.js';
import { buckfleet } from './child.js';
import { containers, tenantTables } from './assertions.js';
import { startWorld, type World } from './world.js';

/** The test runs the reconcile passes itself, one at a time: no loop beside them. */
const WITHOUT_RECONCILER = parseRoles('http,bot,outbox,billing,rollouts');

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OWN_BOT = { token: '7000000003:AAbuckfleetE2eReleaseBotToken_01234', id: 7_000_000_003, username: 'buckfleet_release_bot' };
const NOTES = 'Core 1.1.0\n\n- Joins of the chats you serve are recorded, so modules such as welcome can greet new members.';

/**
 * A module release as it happens in production, with the real reference `core` (its test image:
 * node + the bundle, no registry) on real test hosts: a tag `core@1.1.0` in a modules
 * repository → `buckfleet release` (as the release workflow runs it) → one update PR for the
 * `auto` tenant, an "Update now" message for the `notify` tenant's owner → the admin merges →
 * the reconciler updates the stack and applies 1.1.0's migration → the deployed bot answers
 * /start with 1.1.0 through the Telegram emulator → `buckfleet rollback` opens a revert PR →
 * merged and reconciled, the bot answers with 1.0.0 again.
 */
describeWithHosts('releasing a module by tag: update PR, deploy, Update now, rollback', () => {
  let world: World;
  let meeting: MeetingPoint;
  let emulator: TelegramEmulator;
  let relay: Relay;
  let modules: ModulesRepo;
  let plane: ControlPlane;
  let auto = '';
  let notify = '';
  const approve = (pr: number) => approveChange({ repo: world.repo.repo, prs: world.repo.repo }, pr);
  const pass = async () => reconcilePass((await world.reconciler()).deps);
  /**
   * Passes until every owner is ready, at most three: the reconciler converges over passes, and
   * a step that meets a transient fault (seen once in CI under load) is retried by the next one.
   * Returns what each pass left not ready, so a failure names the owner, its status and error.
   */
  const converge = async (): Promise<string[][]> => {
    const left: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const report = await pass();
      left.push(report.owners.filter((o) => o.status !== 'ready').map((o) => `${o.owner}: ${o.status} ${o.error ?? ''}`));
      if (left.at(-1)?.length === 0) break;
      // Kept in the run's output even when a later pass converges: the fault is worth knowing.
      console.warn(`pass ${i + 1} left not ready: ${JSON.stringify(left.at(-1))}`);
    }
    return left;
  };
  const mainTenant = async (slug: string) => parse((await world.repo.repo.read((await world.repo.repo.head(MAIN)) ?? '')).files.get(tenantFile(slug)) ?? 'null') as TenantManifest;
  const host = (): TestHost => {
    const h = world.hosts.get('bf-host-shared-1');
    if (!h) throw new Error('the shared host has not booted');
    return h;
  };
  /** A user of a tenant's own bot (the reference core polling the emulator through the relay). */
  const customerOf = (slug: string, id: number) => new TestUser(emulator, world.botTokens[slug] ?? '', id, { firstName: 'Grace' });

  beforeAll(async () => {
    meeting = startMeetingPoint();
    emulator = await startTelegramEmulator(OWN_BOT);
    relay = await meeting.relay(Number(new URL(emulator.apiRoot).port));
    // The modules repository: this package's core, tagged 1.0.0 without 1.1.0's migration, then 1.1.0.
    modules = await makeModulesRepo();
    const core = join(ROOT, 'modules', 'core');
    const staged = join(modules.dir, 'modules', 'core');
    await cp(core, staged, { recursive: true, filter: (src) => !src.includes(`${join('migrations', '1.1.0')}`) });
    await modules.commit({}, 'core 1.0.0');
    modules.tag('core@1.0.0', 'Core 1.0.0');
    await cp(join(core, 'migrations', '1.1.0'), join(staged, 'migrations', '1.1.0'), { recursive: true });
    await modules.commit({}, 'core 1.1.0');

    world = await startWorld(
      [
        { name: 'auto', placement: 'shared' },
        { name: 'noti', placement: 'shared' },
      ],
      {
        meetingPoint: meeting,
        modulesDir: join(modules.dir, 'modules'),
        fleet: (f) => void (f.mergePolicy = { default: 'auto', kinds: { 'module.update': 'review' } }),
        files: (files) => {
          files['catalog/core.yaml'] = stringify({
            name: 'core',
            title: { en: 'Multi-bot', ru: 'Мультибот' },
            versions: { '1.0.0': { image: 'ghcr.io/buckfleet/core:1.0.0', releasedAt: '2026-03-01T10:00:00.000Z' } },
          });
          delete files['catalog/welcome.yaml'];
          for (const [path, text] of Object.entries(files)) {
            if (!path.endsWith('/tenant.yaml')) continue;
            const tenant = parse(text) as { slug: string; modules: { core: { config: Record<string, unknown>; channel?: string } } };
            const port = tenant.modules.core.config.PORT;
            tenant.modules.core.config = { PORT: port, TELEGRAM_API_ROOT: `http://${relay.address}:${relay.port}` };
            tenant.modules.core.channel = tenant.slug.startsWith('auto-') ? 'auto' : 'notify';
            files[path] = stringify(tenant);
          }
        },
        onHost: async (h) => {
          await importModuleImage(h, 'core', '1.0.0');
          await importModuleImage(h, 'core', '1.1.0');
        },
      },
    );
    [auto, notify] = world.tenants.map((t) => t.slug) as [string, string];
    for (const [i, t] of world.tenants.entries()) emulator.customerBots.set(world.botTokens[t.slug] ?? '', { id: 7_100_000_000 + i, username: `${t.slug.replace(/-/g, '_')}_bot` });
    plane = await startControlPlane(loadConfig({ ...world.env, PORT: '0', TELEGRAM_BOT_TOKEN: OWN_BOT.token, TELEGRAM_API_ROOT: emulator.apiRoot }), world.home, { log: pino({ level: 'silent' }), roles: WITHOUT_RECONCILER });
  }, 180_000);

  afterAll(async () => {
    await plane?.close();
    await world?.close();
    await relay?.close();
    await emulator?.close();
    meeting?.close();
    await modules?.cleanup();
  }, 120_000);

  it('runs core 1.0.0 for both tenants: the reference bot answers /start with its version', async () => {
    const report = await pass();
    expect(report.owners.filter((o) => o.status !== 'ready').map((o) => `${o.owner}: ${o.status} ${o.error ?? ''}`)).toEqual([]);
    expect((await containers(host(), `bf-${auto}`)).map((c) => `${c.service}:${c.running}:${c.health}`)).toEqual(['core:true:healthy']);
    const grace = customerOf(auto, 600_001);
    await grace.send('/start');
    expect((await grace.waitFor('(core', 30_000)).text).toContain('(core 1.0.0)');
    expect(await tenantTables(auto)).not.toContain('core_chat_joins');
  }, 300_000);

  it('releases core@1.1.0 by tag: one update PR for the auto tenant, "Update now" with the notes for the notify owner', async () => {
    modules.tag('core@1.1.0', NOTES);
    const released = await buckfleet(['release', 'core@1.1.0', '--repo', modules.dir], world.env);
    expect(released.exitCode, `${String(released.stdout)}\n${String(released.stderr)}`).toBe(0);
    expect(released.stdout).toContain('core@1.1.0: valid (ghcr.io/buckfleet/core:1.1.0)');
    expect(released.stdout).toContain(`notify tenants told now: ${notify}`);
    const open = await world.repo.repo.listOpen();
    expect(open.map((pr) => pr.labels[0])).toEqual(['module.update']);
    const [update] = open;
    expect(update?.body).toContain(`${auto} (1.0.0 → 1.1.0)`);
    expect(update?.body).toContain('Joins of the chats you serve are recorded');
    expect(update?.body).not.toContain(notify);

    // Released twice (a workflow re-run): nothing new.
    const again = await buckfleet(['release', 'core@1.1.0', '--repo', modules.dir], world.env);
    expect(again.exitCode).toBe(0);
    expect((await world.repo.repo.listOpen()).map((pr) => pr.number)).toEqual([update?.number]);

    // The notify tenant's owner is told once, with the notes and a button that opens the change.
    const owner = new TestUser(emulator, OWN_BOT.token, world.tenants[1] ? 300_000 + world.tenants[1].port : 0, { firstName: 'Nora' });
    const told = await owner.waitFor(`is out for your bot ${notify}`, 30_000);
    expect(told.text).toContain('Joins of the chats you serve are recorded');
    expect((await owner.messages()).filter((m) => m.text.includes('is out for your bot'))).toHaveLength(1);
    await owner.press('Update now');
    await owner.waitFor(new RegExp(`(Sent for review|Done): updating Multi-bot to 1\\.1\\.0 on ${notify}`), 20_000);
    const prs = await world.repo.repo.listOpen();
    expect(prs).toHaveLength(2);
    const nora = prs.find((pr) => pr.number !== update?.number);
    expect(nora?.body).toContain(notify);
    await approve(nora?.number ?? 0);
  }, 300_000);

  it('merges the update: the stack runs 1.1.0 with its migration applied and the bot says so; the rollback PR brings 1.0.0 back', async () => {
    const [update] = await world.repo.repo.listOpen();
    expect(update).toBeDefined();
    await approve(update?.number ?? 0);
    expect((await mainTenant(auto)).modules.core?.version).toBe('1.1.0');
    const updated = await converge();
    expect(updated.at(-1), JSON.stringify(updated)).toEqual([]);
    expect(await tenantTables(auto)).toContain('core_chat_joins');
    const grace = customerOf(auto, 600_002);
    await grace.send('/start');
    expect((await grace.waitFor('(core', 30_000)).text).toContain('(core 1.1.0)');
    const nora = customerOf(notify, 600_003);
    await nora.send('/start');
    expect((await nora.waitFor('(core', 30_000)).text).toContain('(core 1.1.0)');

    const rollback = await buckfleet(['rollback', String(update?.number)], world.env);
    expect(rollback.exitCode, String(rollback.stderr)).toBe(0);
    const revert = (await world.repo.repo.listOpen())[0];
    expect(revert?.title).toMatch(/revert/i);
    await approve(revert?.number ?? 0);
    expect((await mainTenant(auto)).modules.core?.version).toBe('1.0.0');
    expect((await mainTenant(notify)).modules.core?.version).toBe('1.1.0');
    const reverted = await converge();
    expect(reverted.at(-1), JSON.stringify(reverted)).toEqual([]);
    const back = customerOf(auto, 600_004);
    await back.send('/start');
    expect((await back.waitFor('(core', 30_000)).text).toContain('(core 1.0.0)');
    expect(await readdir(join(modules.dir, 'modules', 'core', 'migrations'))).toEqual(['1.0.0', '1.1.0']);
  }, 300_000);
});
