import { copyModules, healthEvery, type ModulesCopy } from '../test/e2e/modules-copy.js';

/**
 * A modules folder for the burst: the e2e busybox stand-in of `core` (test/e2e/modules/core, the
 * image every test host has), except for its port and its health checks. Stacks on test hosts
 * share the host's network, and a tenant bought through Stripe has no module config (the order
 * carries none), so every stack would listen on the default port. Here the port is derived from
 * the owner's Telegram id (the `owner` env source), distinct per tenant in the burst:
 * 20000 + id mod 20000. Health checks run every 5 s, as the reference core's.
 */
const PORT = '$((20000 + OWNER_ID % 20000))';

export function burstModulesDir(): Promise<ModulesCopy> {
  return copyModules({
    core: (module) => {
      const slower = healthEvery(5)(module);
      return {
        ...slower,
        command: ['/bin/sh', '-c', `mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 127.0.0.1:${PORT} -h /www`],
        env: {
          OWNER_ID: { from: 'owner' },
          BOT_TOKEN: { from: 'secret', key: 'BOT_TOKEN' },
          DATABASE_URL: { from: 'database' },
          CHATS: { from: 'chats' },
        },
        healthcheck: { ...(slower.healthcheck as Record<string, unknown>), test: ['CMD-SHELL', `wget -q -O /dev/null http://127.0.0.1:${PORT}/`] },
      };
    },
  });
}
