import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { reconcilePass } from '../../reconciler/reconcile.js';
import { containers, httpGet } from '../e2e/assertions.js';
import { startWorld, type World } from '../e2e/world.js';
import { describeWithHosts, docker, type TestHost } from '../hosts/index.js';

/**
 * Hostile module config, through the whole path a customer's value takes: tenant.yaml on main →
 * validation → plan → docker-compose.yml written over SSH → `docker compose up` on a real test
 * host → the container's environment. Each trap is one a shell or compose would fall into: `$(…)`
 * and backticks (command substitution), `${VAR}` and `$VAR` (compose and shell interpolation —
 * `${BOT_TOKEN}` would copy the bot token into a public value), quotes, backslashes, newlines.
 */
const MARKER = `bf-pwned-${randomBytes(4).toString('hex')}`;
/** /tmp exists both on the test host (this machine's filesystem) and in the busybox image. */
const markerFile = (n: number) => join('/tmp', `${MARKER}-${n}`);
const HOSTILE = [
  `shop $(touch ${markerFile(1)}) \`touch ${markerFile(2)}\``,
  `\${BOT_TOKEN} \${HOME:-x} $HOME $$ $(( 1 + 1 )) 'single' "double" \\back\\slash`,
  `second line; touch ${markerFile(3)} # not a comment`,
  `  indented\ttab ünï ✓ %s %n`,
].join('\n');
/** What a compose file must hold for HOSTILE to arrive as itself: every `$` doubled. */
const ESCAPED = HOSTILE.replace(/\$/g, '$$$$');

describeWithHosts('hostile module config reaches the container byte for byte, and nothing runs', () => {
  let world: World;
  let slug = '';
  let host: TestHost;
  let coreId = '';

  beforeAll(async () => {
    world = await startWorld([{ name: 'inj', placement: 'shared' }], {
      files: (files) => {
        const path = Object.keys(files).find((p) => /^tenants\/inj-[0-9a-f]+\/tenant\.yaml$/.test(p));
        if (path === undefined) throw new Error('the world has no inj tenant');
        const tenant = parse(files[path] ?? '') as { modules: { core: { config: Record<string, unknown> } } };
        tenant.modules.core.config.BOT_NAME = HOSTILE;
        files[path] = stringify(tenant);
      },
    });
    slug = world.tenants[0]?.slug ?? '';
    const deps = (await world.reconciler()).deps;
    // A shared host boots on the first pass; the stack comes up on a later one.
    for (let i = 0; i < 4; i++) {
      const report = await reconcilePass(deps);
      if (report.owners.find((o) => o.owner === slug)?.status === 'ready') break;
    }
    const booted = world.hosts.get('bf-host-shared-1');
    if (!booted) throw new Error('the shared host never booted');
    host = booted;
    const stack = await containers(host, `bf-${slug}`);
    expect(stack.map((c) => `${c.service}:${c.running}:${c.health}`)).toEqual(['core:true:healthy']);
    coreId = stack[0]?.id ?? '';
  }, 240_000);

  afterAll(async () => {
    await world?.close();
  }, 120_000);

  it('writes the value into docker-compose.yml with every $ escaped as $$', async () => {
    const text = await readFile(join(world.home, 'hostfs', 'stacks', `bf-${slug}`, 'docker-compose.yml'), 'utf8');
    const compose = parse(text) as { services: { core: { environment: Record<string, string> } } };
    expect(compose.services.core.environment.BOT_NAME).toBe(ESCAPED);
    // No lone `$` anywhere in the file's environments: compose would interpolate it.
    for (const value of Object.values(compose.services.core.environment)) expect(value.replace(/\$\$/g, '')).not.toContain('$');
  });

  it('the container gets exactly the configured value in its environment', async () => {
    const inspected = JSON.parse((await docker(host, ['inspect', coreId])).stdout) as { Config: { Env: string[] } }[];
    expect(inspected[0]?.Config.Env).toContain(`BOT_NAME=${HOSTILE}`);
    // As a process in the container reads it (printf %s: no trailing newline added, none lost).
    const seen = await docker(host, ['exec', coreId, 'sh', '-c', 'printf %s "$BOT_NAME"']);
    expect(seen.stdout).toBe(HOSTILE);
    // And as the test module serves it: its command writes "$BOT_NAME" to index.html.
    expect(await httpGet(host, coreId, world.tenants[0]?.port ?? 0)).toBe(HOSTILE);
  });

  it('ran no command: no marker file on the host nor in the container', async () => {
    for (const n of [1, 2, 3]) expect(existsSync(markerFile(n)), markerFile(n)).toBe(false);
    expect(readdirSync('/tmp').filter((f) => f.startsWith(MARKER))).toEqual([]);
    const inContainer = await docker(host, ['exec', coreId, 'ls', '-a', '/tmp']);
    expect(inContainer.stdout).not.toContain(MARKER);
  });
});
