import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sealValue } from '../fleet/seal.js';
import { startFakeDigitalOcean } from '../test/fake-do/index.js';
import { makeTempBareRepo } from '../test/git.js';
import { testDatabase } from '../test/pg/database.js';
import { run } from './main.js';
import { captureIo, VALID_FLEET } from './testing.js';

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('buckfleet reconcile --once progress', () => {
  // beta is past_due and never paid: nothing runs, so the pass has no step and needs no host.
  it('plain listr lines (not a TTY) before the summary lines the workflows read; a failed pass as ✖ and one error line', async (ctx) => {
    const { 'tenants/acme/tenant.yaml': _a, 'tenants/acme/billing.yaml': _b, 'tenants/gamma/tenant.yaml': _c, 'tenants/gamma/billing.yaml': _d, ...files } = VALID_FLEET;
    const identity = await generateX25519Identity();
    const sealed = await sealValue(await identityToRecipient(identity), '7000123456:AAH-fake_customer_token_for_reconcile1');
    const fleet = await makeTempBareRepo({ ...files, 'tenants/beta/secrets.age': `values:\n  BOT_TOKEN: |\n${sealed.trim().split('\n').map((l) => `    ${l}`).join('\n')}\n` });
    cleanups.push(fleet.cleanup);
    const home = await mkdtemp(join(tmpdir(), 'buckfleet-reconcile-'));
    cleanups.push(() => rm(home, { recursive: true, force: true }));
    const cloud = await startFakeDigitalOcean();
    cleanups.push(() => cloud.close());
    const db = await testDatabase(ctx);
    await writeFile(join(home, 'age.txt'), `${identity}\n`, { mode: 0o600 });
    const io = captureIo(home, { DATABASE_URL: db.url, FLEET_REPO: fleet.gitDir, DIGITALOCEAN_TOKEN: cloud.token, DIGITALOCEAN_API_URL: cloud.url, BUCKFLEET_HOME: join(home, 'home'), AGE_IDENTITY_FILE: join(home, 'age.txt') });
    expect(await run(['reconcile', '--once'], io)).toBe(0);
    const main = (await fleet.repo.head('main'))!.slice(0, 12);
    expect(io.out()).toEqual(['❯ reconcile main', `✔ reconciled main ${main}: 1 owners`, 'beta: ready (nothing to do)', `main ${main}: 1 owners reconciled`]);
    expect(io.err()).toEqual([]);

    const broken = await makeTempBareRepo({ ...files, 'tenants/beta/billing.yaml': 'status: paid\npaidThrough: null\n' });
    cleanups.push(broken.cleanup);
    const failing = captureIo(home, { ...io.env, FLEET_REPO: broken.gitDir });
    expect(await run(['reconcile', '--once'], failing)).toBe(1);
    const brokenMain = (await broken.repo.head('main'))!.slice(0, 12);
    const why = `main (${brokenMain}) does not validate: 1 problems (run buckfleet validate)`;
    expect(failing.out()).toEqual(['❯ reconcile main', `✖ reconcile main [FAILED: ${why}]`]);
    expect(failing.err()).toEqual([`buckfleet: ${why}`]);
  }, 60_000);
});
