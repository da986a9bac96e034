import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODULES_DIR } from '../test/e2e/world.js';

/**
 * A modules folder for the burst: the e2e busybox stand-in of `core` (test/e2e/modules/core, the
 * image every test host has), except for its port. Stacks on test hosts share the host's
 * network, and a tenant bought through Stripe has no module config (the order carries none), so
 * every stack would listen on the default port. Here the port is derived from the owner's
 * Telegram id (the `owner` env source), distinct per tenant in the burst: 20000 + id mod 20000.
 */
const MODULE_YAML = `# The e2e stand-in (busybox httpd) with a port per tenant: see bench/burst-module.ts.
name: core
title: { en: Test multi-bot, ru: Тестовый мультибот }
description: { en: A busybox web server standing in for the multi-bot., ru: Веб-сервер busybox вместо мультибота. }
image: buckfleet-test/core:{version}
command: ['/bin/sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 127.0.0.1:$((20000 + OWNER_ID % 20000)) -h /www']
env:
  OWNER_ID: { from: owner }
  BOT_TOKEN: { from: secret, key: BOT_TOKEN }
  DATABASE_URL: { from: database }
  CHATS: { from: chats }
# Every 5 s, as the reference core: at 1 s, the checks of 100 stacks (a runc exec each) kept
# the 2 cores here at a load average above 200.
healthcheck: { test: ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:$((20000 + OWNER_ID % 20000))/'], intervalSeconds: 5, retries: 12 }
`;

export async function burstModulesDir(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'bf-bench-burst-modules-'));
  await cp(join(MODULES_DIR, 'core'), join(dir, 'core'), { recursive: true });
  await writeFile(join(dir, 'core', 'module.yaml'), MODULE_YAML);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
