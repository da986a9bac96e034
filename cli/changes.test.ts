import { armor, Decrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempBareRepo, type TempBareRepo } from '../test/git.js';
import { run } from './main.js';
import { captureIo, VALID_FLEET } from './testing.js';

/**
 * The change commands against a real local fleet repo (a bare git repo): what they print, what
 * lands on main or waits in a PR, and that the bot token never shows anywhere but sealed.
 */

const TOKEN = '7000123456:AAH-fake_customer_token_must_not_leak1';
/** Suspend, resume and install merge by themselves here; create and update wait for an admin. */
const FLEET = {
  ...VALID_FLEET,
  'fleet.yaml': `${VALID_FLEET['fleet.yaml']}mergePolicy:\n  default: review\n  kinds: { tenant.suspend: auto, tenant.resume: auto, module.install: auto }\n`,
};

let fleet: TempBareRepo;
let identity: string;
let env: Record<string, string>;

beforeEach(async () => {
  fleet = await makeTempBareRepo(FLEET);
  identity = await generateX25519Identity();
  env = { FLEET_REPO: fleet.gitDir, AGE_RECIPIENT: await identityToRecipient(identity), USER: 'olga', BUCKFLEET_HOME: join(fleet.gitDir, '..', 'home') };
});
afterEach(() => fleet.cleanup());

async function cli(argv: string[], stdin?: string) {
  const io = captureIo(join(fleet.gitDir, '..'), env);
  const code = await run(argv, stdin === undefined ? io : { ...io, stdin: Readable.from([Buffer.from(stdin)]) });
  return { code, out: io.out(), err: io.err() };
}

const git = (...args: string[]) => execFileSync('git', ['--git-dir', fleet.gitDir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const onMain = (path: string): string | null => {
  try {
    return git('show', `main:${path}`);
  } catch {
    return null;
  }
};
const billingStatus = (slug: string) => (parse(onMain(`tenants/${slug}/billing.yaml`) ?? '{}') as { status?: string }).status;

async function tokenFile(content: string): Promise<string> {
  const path = join(fleet.gitDir, '..', 'token.txt');
  await writeFile(path, content, { mode: 0o600 });
  return path;
}

describe('buckfleet tenant create / pr list / pr merge', () => {
  it('opens a tenant.create PR with the token sealed, shows it in pr list, merges it with pr merge; the token is never printed', async () => {
    const file = await tokenFile(`${TOKEN}\n`);
    const args = ['tenant', 'create', 'delta', '--owner', '444', '--plan', 'basic', '--module', 'welcome', '--chat', '-1001234567', '--token-file', file];

    const created = await cli(args);
    expect(created.err).toEqual([]);
    expect(created.code).toBe(0);
    expect(created.out).toEqual([expect.stringMatching(/^create tenant delta: PR #1 open, waiting for an admin \(buckfleet pr merge 1\) local:/)]);
    expect(onMain('tenants/delta/tenant.yaml')).toBeNull();

    // The same command again is the same request: the same PR, nothing new.
    const again = await cli(args);
    expect(again.out).toEqual([expect.stringMatching(/^create tenant delta: PR #1 open/)]);

    const list = await cli(['pr', 'list']);
    expect(list.code).toBe(0);
    expect(list.out[0]).toMatch(/^PR\s+KIND\s+SUBJECT\s+AGE\s+REQUESTED BY$/);
    expect(list.out.slice(1)).toEqual([expect.stringMatching(/^#1\s+tenant\.create\s+Create tenant delta\s+\d+s ago\s+olga on the command line$/)]);

    const merged = await cli(['pr', 'merge', '1']);
    expect(merged.err).toEqual([]);
    expect(merged.out).toEqual([expect.stringMatching(/^PR #1 merged \(tenant\.create: Create tenant delta\) as [0-9a-f]{12} /)]);
    expect((await cli(['pr', 'list'])).out).toEqual(['no open change PRs']);

    const tenant = parse(onMain('tenants/delta/tenant.yaml')!) as { owner: unknown; modules: Record<string, { version: string }>; chats: unknown };
    expect(tenant.owner).toEqual({ telegramUserId: 444 });
    expect(tenant.modules).toMatchObject({ core: { version: '1.2.0' }, welcome: { version: '0.3.1' } });
    expect(tenant.chats).toEqual([{ id: -1001234567, type: 'supergroup' }]);
    // Sealed to the recipient: only the identity opens it, and it opens to the token.
    const sealed = (parse(onMain('tenants/delta/secrets.age')!) as { values: { BOT_TOKEN: string } }).values.BOT_TOKEN;
    const d = new Decrypter();
    d.addIdentity(identity);
    expect(await d.decrypt(armor.decode(sealed), 'text')).toBe(TOKEN);
    expect(git('log', '--all', '-p')).not.toContain(TOKEN);

    // After the merge the same command answers from the merged PR; another owner is refused.
    expect((await cli(args)).out).toEqual([expect.stringMatching(/^create tenant delta: PR #1 merged local:/)]);
    const taken = await cli(['tenant', 'create', 'delta', '--owner', '555', '--plan', 'basic']);
    expect(taken).toEqual({ code: 1, out: [], err: ['buckfleet: the name "delta" is taken'] });

    const show = await cli(['tenant', 'show', 'delta']);
    expect(show.code).toBe(0);
    expect(show.out.slice(0, 8)).toEqual([
      'tenant delta',
      'owner:      444',
      'plan:       basic (Basic)',
      'placement:  shared:h-one',
      'modules:    core@1.2.0 (notify), welcome@0.3.1 (notify)',
      'chats:      -1001234567 supergroup',
      'secrets:    BOT_TOKEN (sealed)',
      expect.stringMatching(/^billing: {4}active, nothing paid yet$/),
    ]);
    // No control database here: local mode with nothing running.
    expect(show.out[8]).toBe('status:     unknown (the control database is not running (local mode: start it with `buckfleet up`))');

    for (const r of [created, again, list, merged, show]) expect([...r.out, ...r.err].join('\n')).not.toContain(TOKEN);
  });

  it('reads the token from stdin', async () => {
    const created = await cli(['tenant', 'create', 'echo', '--owner', '445', '--plan', 'pro', '--token-stdin'], `${TOKEN}\n`);
    expect(created.code).toBe(0);
    expect(created.out).toEqual([expect.stringMatching(/^create tenant echo: PR #1 open/)]);
    expect(created.out.join('')).not.toContain(TOKEN);
    const branch = git('for-each-ref', '--format=%(refname:short)', 'refs/heads/bf/').trim();
    expect(git('show', `${branch}:tenants/echo/tenant.yaml`)).toContain('type: dedicated');
    expect(git('show', `${branch}:tenants/echo/secrets.age`)).toContain('-----BEGIN AGE ENCRYPTED FILE-----');
  });

  it('says what is wrong in one line: unknown plan, unknown module, broken requires, a token of the wrong form, usage', async () => {
    const base = ['tenant', 'create', 'foxtrot', '--owner', '446'];
    expect(await cli([...base, '--plan', 'gold'])).toEqual({ code: 1, out: [], err: ['buckfleet: there is no plan "gold" (plans: basic, pro)'] });
    expect(await cli([...base, '--plan', 'basic', '--module', 'weather'])).toEqual({ code: 1, out: [], err: ['buckfleet: there is no module "weather" in the catalog'] });
    expect(await cli([...base, '--plan', 'basic', '--module', 'core@1.1.0', '--module', 'welcome'])).toEqual({
      code: 1,
      out: [],
      err: ['buckfleet: welcome@0.3.1 requires core >=1.2.0 <2, but core is 1.1.0'],
    });

    const wrongForm = await cli([...base, '--plan', 'basic', '--token-file', await tokenFile('not-a-token-but-secret-text')]);
    expect(wrongForm.code).toBe(1);
    expect(wrongForm.err).toEqual([expect.stringMatching(/^buckfleet: the bot token from .*token\.txt is not in @BotFather's form/)]);
    expect(wrongForm.err.join('')).not.toContain('secret-text');
    expect((await cli([...base, '--plan', 'basic', '--token-file', 'missing.txt'])).err).toEqual(['buckfleet: --token-file missing.txt: cannot read it (ENOENT)']);

    expect((await cli([...base, '--plan', 'basic', '--token-file', 'x', '--token-stdin'])).code).toBe(2);
    expect(await cli(['tenant', 'create', 'foxtrot', '--plan', 'basic'])).toMatchObject({ code: 2, err: ["buckfleet: required option '--owner <id>' not specified"] });
    expect(await cli(['tenant', 'create', 'Fox Trot', '--owner', '446', '--plan', 'basic'])).toMatchObject({ code: 2, err: [expect.stringMatching(/^buckfleet: tenant "Fox Trot": /)] });
    expect(await cli([...base, '--plan', 'basic', '--chat', '42'])).toMatchObject({ code: 2, err: [expect.stringMatching(/^buckfleet: --chat 42: a group or channel id is negative/)] });
    // Nothing was written by any of them.
    expect(git('for-each-ref', '--format=%(refname)', 'refs/heads/')).toBe('refs/heads/main\n');
  });
});

describe('buckfleet tenant suspend / resume, module install / update', () => {
  it('suspends and resumes (merged by policy), each a new change; says when there is nothing to change', async () => {
    const suspended = await cli(['tenant', 'suspend', 'acme', '--reason', 'abuse report']);
    expect(suspended).toEqual({ code: 0, out: [expect.stringMatching(/^suspend tenant acme: PR #1 merged local:/)], err: [] });
    expect(billingStatus('acme')).toBe('suspended');
    expect(onMain('tenants/acme/billing.yaml')).toContain('abuse report');

    const resumed = await cli(['tenant', 'resume', 'acme']);
    expect(resumed.out).toEqual([expect.stringMatching(/^resume tenant acme: PR #2 merged/)]);
    expect(billingStatus('acme')).toBe('active');

    // Suspending again after the resume is a new request, not an answer from PR #1.
    expect((await cli(['tenant', 'suspend', 'acme'])).out).toEqual([expect.stringMatching(/^suspend tenant acme: PR #3 merged/)]);
    expect(billingStatus('acme')).toBe('suspended');

    expect(await cli(['tenant', 'resume', 'zulu'])).toEqual({ code: 1, out: [], err: ['buckfleet: there is no tenant "zulu" on main'] });
  });

  it('installs a module (merged by policy) and refuses unknown modules and broken requires', async () => {
    const installed = await cli(['module', 'install', 'beta', 'welcome']);
    expect(installed).toEqual({ code: 0, out: [expect.stringMatching(/^install welcome on beta: PR #1 merged/)], err: [] });
    expect(onMain('tenants/beta/tenant.yaml')).toContain('welcome:');

    expect(await cli(['module', 'install', 'beta', 'weather'])).toEqual({ code: 1, out: [], err: ['buckfleet: there is no module "weather" in the catalog'] });
    expect(await cli(['module', 'install', 'gamma', 'welcome@0.3.1'])).toEqual({ code: 1, out: [], err: ['buckfleet: welcome@0.3.1 requires core >=1.2.0 <2, but core is 1.1.0'] });
    expect(await cli(['module', 'install', 'beta', 'welcome@9.9.9'])).toEqual({ code: 1, out: [], err: ['buckfleet: welcome@9.9.9 is not released'] });
    expect(await cli(['module', 'install', 'beta', 'welcome@x'])).toMatchObject({ code: 2 });
  });

  it('updates a module to the latest release (a PR for review), or says it runs it already', async () => {
    const updated = await cli(['module', 'update', 'gamma', 'core']);
    expect(updated).toEqual({ code: 0, out: [expect.stringMatching(/^update core on gamma \(1\.1\.0 → 1\.2\.0\): PR #1 open, waiting for an admin/)], err: [] });
    expect((await cli(['module', 'update', 'gamma', 'core@1.2.0'])).out).toEqual([expect.stringMatching(/PR #1 open/)]);
    expect((await cli(['pr', 'list'])).out[1]).toMatch(/^#1\s+module\.update\s+Update core to 1\.2\.0\s/);
    expect((await cli(['pr', 'merge', '#1'])).code).toBe(0);
    expect(onMain('tenants/gamma/tenant.yaml')).toMatch(/core:\n\s+version: 1\.2\.0/);

    expect(await cli(['module', 'update', 'acme', 'core'])).toEqual({ code: 0, out: ['update core on acme: nothing to change, it runs core@1.2.0, the latest release'], err: [] });
    expect(await cli(['module', 'update', 'beta', 'welcome'])).toEqual({ code: 1, out: [], err: ['buckfleet: beta does not have welcome; install it with buckfleet module install beta welcome'] });
    expect(await cli(['module', 'update', 'beta', 'weather'])).toEqual({ code: 1, out: [], err: ['buckfleet: there is no module "weather" in the catalog'] });
    expect(await cli(['pr', 'merge', '7'])).toEqual({ code: 1, out: [], err: [expect.stringMatching(/^buckfleet: no pull request #7 in /)] });
    expect(await cli(['pr', 'merge', '1'])).toEqual({ code: 1, out: [], err: ['buckfleet: PR #1 is already merged'] });
    expect(await cli(['pr', 'merge', 'one'])).toEqual({ code: 2, out: [], err: ['buckfleet: "one" is not a PR number'] });
  });
});
