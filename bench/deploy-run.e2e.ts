import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { afterAll, beforeAll, it } from 'vitest';
import { containers } from '../test/e2e/assertions.js';
import { describeWithHosts, docker } from '../test/hosts/index.js';
import { type MeetingPoint, startMeetingPoint } from '../test/hosts/meeting-point.js';
import type { Relay } from '../test/hosts/relay.js';
import { importModuleImage } from '../test/images/module-image.js';
import { startTelegramEmulator, type TelegramEmulator } from '../test/telegram/emulator.js';
import { TestUser } from '../test/telegram/user.js';
import { type DeployScenario, SCENARIOS } from './deploy-scenarios.js';
import { deployPhases, dockerTime } from './deploy-phases.js';
import { referenceModulesDir } from './deploy-modules.js';
import { journalOf, waitDeployed } from './purchase-journal.js';
import { deliverPaid, paidCheckout, type Purchase, storeOrder } from './purchase-order.js';
import { closeAll, OWN_BOT, type PurchaseWorld, startPurchaseWorld } from './purchase-world.js';

/**
 * One scenario of `npm run bench:deploy` (bench/deploy.bench.ts runs each in a child of its
 * own): a purchase from the signed Stripe event to the reference bot answering /start, written
 * as JSON to BENCH_OUT. A vitest file only because the e2e harness needs vitest's globalSetup.
 */
const scenario: DeployScenario | undefined = SCENARIOS.find((s) => s.id === process.env.BENCH_SCENARIO);
const VERSION = '1.1.0';

describeWithHosts(`deploy benchmark: ${scenario?.id ?? '(no BENCH_SCENARIO)'}`, () => {
  let emulator: TelegramEmulator;
  let meeting: MeetingPoint;
  let relay: Relay;
  let modules: Awaited<ReturnType<typeof referenceModulesDir>>;
  let pw: PurchaseWorld;
  let slug = '';

  beforeAll(async () => {
    if (!scenario) throw new Error(`BENCH_SCENARIO must be one of ${SCENARIOS.map((s) => s.id).join(', ')}`);
    emulator = await startTelegramEmulator(OWN_BOT);
    meeting = startMeetingPoint();
    relay = await meeting.relay(Number(new URL(emulator.apiRoot).port));
    modules = await referenceModulesDir(`http://${relay.address}:${relay.port}`);
    pw = await startPurchaseWorld({
      emulator,
      meetingPoint: meeting,
      sharedHosts: 1,
      capacity: 10,
      modulesDir: modules.dir,
      files: (files) => {
        // 1.0.0 is listed for its migrations (a fresh 1.1.0 applies every released version's); nothing runs it.
        const versions = Object.fromEntries(['1.0.0', VERSION].map((v) => [v, { image: `ghcr.io/buckfleet/core:${v}`, releasedAt: '2026-03-01T10:00:00.000Z' }]));
        files['catalog/core.yaml'] = stringify({ name: 'core', title: { en: 'Multi-bot' }, versions });
        delete files['catalog/welcome.yaml'];
      },
      warmModules: { core: VERSION },
      onHost: async (host) => void (await importModuleImage(host, 'core', VERSION)),
      ...(process.env.BENCH_LOG ? { logFile: process.env.BENCH_LOG } : {}),
    });
    slug = `bench-${pw.world.suffix}-${scenario.id}`.slice(0, 40);
    pw.world.cloud.setBootDelay(scenario.bootDelayMs);
  }, 10 * 60_000);

  afterAll(async () => {
    await closeAll([() => pw?.close(slug === '' ? [] : [slug]), () => relay?.close(), () => emulator?.close(), () => meeting?.close(), () => modules?.cleanup()]);
  }, 5 * 60_000);

  it('deploys a purchase and the bot answers /start', async () => {
    if (!scenario) return;
    const purchase: Purchase = { slug, plan: scenario.placement === 'dedicated' ? 'pro' : 'basic', owner: 310_001, botToken: '7300000001:AAH_bench_deploy_customer_token_0000000' };
    emulator.customerBots.set(purchase.botToken, { id: 7_300_000_001, username: 'bench_deploy_bot' });
    await storeOrder(pw.db, purchase);
    const delivery = paidCheckout(purchase);

    const sent = await deliverPaid(pw.planeUrl, slug, delivery);
    if (sent.status !== 200) throw new Error(`the Stripe webhook answered ${sent.status}`);
    const deployed = await waitDeployed(pw.db, [slug], { timeoutMs: 5 * 60_000, everyMs: 50 });
    if (!deployed.has(slug)) throw new Error(`${slug} was not deployed in 5 minutes: ${JSON.stringify(await journalOf(pw.db, slug))}`);
    const customer = new TestUser(emulator, purchase.botToken, 610_001, { firstName: 'Bea' });
    await customer.send('/start');
    const hello = await customer.waitFor(`(core ${VERSION})`, 60_000);
    const answeredAt = Date.now();

    const host = pw.hostOf(scenario.placement === 'dedicated' ? `bf-${slug}` : 'bf-host-shared-1');
    const [core] = await containers(host, `bf-${slug}`);
    if (!core) throw new Error(`no container of bf-${slug}`);
    const startedAt = dockerTime((await docker(host, ['inspect', '--format', '{{.State.StartedAt}}', core.id])).stdout);
    const journal = await journalOf(pw.db, slug);
    const committedAt = await pw.main.committedAt(slug);
    if (committedAt === null || journal.plannedAt === null) throw new Error('main never held the tenant, or no operation was opened');
    const phases = deployPhases({ sentAt: sent.sentAt, respondedAt: sent.answeredAt, committedAt, plannedAt: journal.plannedAt, steps: journal.steps, containerStartedAt: startedAt, answeredAt });
    const out = { scenario: scenario.id, placement: scenario.placement, bootDelayMs: scenario.bootDelayMs, warmupMs: pw.warmupMs, reply: hello.text, phases, steps: journal.steps.map((s) => ({ ...s, ms: s.finishedAt === null ? null : s.finishedAt - s.startedAt })) };
    await writeFile(process.env.BENCH_OUT ?? '/dev/stdout', JSON.stringify(out, null, 2));
  }, 10 * 60_000);
});
