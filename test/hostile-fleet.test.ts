import { execa } from 'execa';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo, tempDir, VALID_FLEET } from '../cli/testing.js';
import { run } from '../cli/main.js';
import { LocalFleetRepo } from '../fleet/repo/local/index.js';
import { FleetInvalidError, reconcilePass, type ReconcilerDeps } from '../reconciler/reconcile.js';
import { makeTempBareRepo, type TempBareRepo } from './git.js';

/**
 * The corpus of bad fleet files (issue 9's hostile input), each pushed to `main` of a real fleet
 * repo as someone with push access could: `buckfleet validate` (what a fleet PR's check runs)
 * names the file, the line and what is wrong, and a reconcile pass on that main applies nothing —
 * it stops before it touches anything of the world. The parser-level guarantees (every alias, the
 * exact byte cap, nesting depth …) are fleet/load/hostile.test.ts's; this is the path a bad
 * commit takes through the product.
 */

const TOKEN = '7123456789:AAHplainTokenPushedByMistake_0123456789';
const TENANT = 'tenants/acme/tenant.yaml';
const CATALOG = 'catalog/welcome.yaml';
const acme = VALID_FLEET[TENANT] ?? '';
const welcome = VALID_FLEET[CATALOG] ?? '';

function aliasBomb(): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
  return `${acme}${lines.join('\n')}\n`;
}

interface HostileCase {
  readonly name: string;
  /** Files written over the valid fleet: text, or a symlink's target. */
  readonly files: Readonly<Record<string, string | { readonly symlinkTo: string }>>;
  /** Every line `buckfleet validate` prints for it, before the count. */
  readonly expected: readonly string[];
}

const ALIAS = '(file): aliases (*name) are not allowed in manifests';
const CASES: readonly HostileCase[] = [
  // Every line that uses an alias is named: the file's own lines 1-8, then a0 (9) and a1..a11 (10-20).
  { name: 'an alias bomb', files: { [TENANT]: aliasBomb() }, expected: Array.from({ length: 11 }, (_, i) => `${TENANT}:${10 + i}: ${ALIAS}`) },
  { name: 'a 10 MB file', files: { [TENANT]: `${acme}notes: "${'x'.repeat(10 * 1024 * 1024)}"\n` }, expected: [`${TENANT}:1: (file): refused: file is 10486002 bytes; a manifest may be at most 262144`] },
  { name: 'duplicate keys', files: { [TENANT]: `${acme}plan: pro\n` }, expected: [`${TENANT}:9: plan: duplicate key "plan": a key may appear only once`] },
  {
    name: 'a symlink out of the tree where a manifest belongs (path traversal)',
    files: { [TENANT]: { symlinkTo: '../../../../../../etc/passwd' } },
    expected: [`${TENANT}:1: (file): refused: symbolic links are not allowed in a fleet repo`],
  },
  {
    name: 'a plaintext bot token in tenant.yaml',
    files: { [TENANT]: acme.replace('  welcome: { version: 0.3.1, channel: auto }', `  welcome: { version: 0.3.1, channel: auto, config: { GREETING: "${TOKEN}" } }`) },
    expected: [`${TENANT}:7: modules.welcome.config.GREETING: looks like a Telegram bot token: secrets belong in secrets.age, encrypted`],
  },
  {
    name: 'an unknown module',
    files: { [TENANT]: acme.replace('  core: { version: 1.2.0 }', '  core: { version: 1.2.0 }\n  crypto-miner: { version: 1.0.0 }') },
    expected: [`${TENANT}:7: modules.crypto-miner: unknown module "crypto-miner": no catalog/crypto-miner.yaml`],
  },
  { name: 'an impossible version range', files: { [CATALOG]: welcome.replace('">=1.2.0 <2"', '">=2 <1"') }, expected: [`${CATALOG}:7: versions.0.3.1.requires.core: no version satisfies this range`] },
];

/** Ports that fail the test if the pass reaches them: a bad main must stop before any. */
function untouchable<T extends object>(port: string, touched: string[]): T {
  return new Proxy({} as T, {
    get(_, key) {
      if (key === 'then') return undefined;
      touched.push(`${port}.${String(key)}`);
      throw new Error(`the pass reached ${port}.${String(key)} on a main that does not validate`);
    },
  });
}

let root: string;

beforeAll(async () => {
  root = await tempDir('hostile-fleet');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await execa('git', args, { cwd, env: { GIT_AUTHOR_NAME: 'mallory', GIT_AUTHOR_EMAIL: 'm@example.org', GIT_COMMITTER_NAME: 'mallory', GIT_COMMITTER_EMAIL: 'm@example.org' } })).stdout;
}

/** A fleet repo whose main is the valid fleet, then `files` pushed on top by plain git. */
async function pushedOnTop(c: HostileCase): Promise<{ readonly bare: TempBareRepo; readonly checkout: string; readonly head: string }> {
  const bare = await makeTempBareRepo({ ...VALID_FLEET });
  const checkout = join(root, c.name.replace(/[^a-z0-9]+/g, '-'));
  await git(root, 'clone', '-q', bare.gitDir, checkout);
  for (const [path, content] of Object.entries(c.files)) {
    const file = join(checkout, path);
    await mkdir(dirname(file), { recursive: true });
    await rm(file, { force: true });
    if (typeof content === 'string') await writeFile(file, content);
    else await symlink(content.symlinkTo, file);
  }
  await git(checkout, 'add', '-A');
  await git(checkout, 'commit', '-qm', c.name);
  await git(checkout, 'push', '-q', 'origin', 'HEAD:main');
  return { bare, checkout, head: await git(checkout, 'rev-parse', 'HEAD') };
}

describe('a bad fleet file pushed to main', () => {
  it.each(CASES)('$name: validate names the file, line and problem; the reconciler applies nothing', async (c) => {
    const { bare, checkout, head } = await pushedOnTop(c);
    try {
      const io = captureIo(root);
      expect(await run(['validate', checkout], io)).toBe(1);
      const lines = io.out();
      expect(lines.at(-1)).toBe(`fleet is invalid: ${c.expected.length} problem${c.expected.length === 1 ? '' : 's'}`);
      expect(lines.slice(0, -1)).toEqual(c.expected);
      expect(io.err()).toEqual([]);
      expect(lines.join('\n')).not.toContain(TOKEN.split(':')[1]);

      const touched: string[] = [];
      const deps: ReconcilerDeps = {
        fleet: await LocalFleetRepo.open(bare.gitDir),
        modules: untouchable('modules', touched),
        store: untouchable('store', touched),
        locks: untouchable('locks', touched),
        steps: untouchable('steps', touched),
        settings: untouchable('settings', touched),
        random: () => 0.5,
        cloud: untouchable('cloud', touched),
        runtime: untouchable('runtime', touched),
        tenantDb: untouchable('tenantDb', touched),
        hostKeys: untouchable('hostKeys', touched),
        sshUser: 'buckfleet',
        sshPort: 22,
        hostConcurrency: 1,
      };
      const pass = reconcilePass(deps);
      await expect(pass).rejects.toThrow(FleetInvalidError);
      await expect(pass).rejects.toThrow(`main (${head.slice(0, 12)}) does not validate`);
      expect(touched).toEqual([]);
    } finally {
      await bare.cleanup();
    }
  });
});

