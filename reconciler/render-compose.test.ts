import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { DesiredTenant, EnvValue } from './desired.js';
import { renderCompose } from './render-compose.js';

const tenant: DesiredTenant = {
  slug: 'acme',
  run: true,
  runReason: 'paid',
  host: { key: 'host:shared-1', tag: 't', dropletName: 'd', region: 'fra1', size: 's', image: 'i' },
  project: 'bf-acme',
  database: 'bf_acme',
  migrations: [],
  services: [
    {
      name: 'core',
      image: 'ghcr.io/acme/core:1.1.0',
      command: ['/bin/sh', '-c', 'echo $HOME'],
      env: { GREETING: { value: 'hi $(rm -rf /) "q" \'s\'\nnext' }, BOT_TOKEN: { secret: 'BOT_TOKEN', sealed: 'x' }, DATABASE_URL: { database: true } },
      healthcheck: { test: ['CMD', 'wget', '-q', 'http://127.0.0.1:8080/health'], intervalSeconds: 2, retries: 5 },
      spec: 'abc123',
    },
  ],
};

const resolve = (v: EnvValue) => ('value' in v ? v.value : 'secret' in v ? 'tok$en' : 'postgres://u:p@db/bf_acme');

describe('renderCompose', () => {
  it('writes each service with escaped, inline env, labels and health check', () => {
    const doc = parse(renderCompose(tenant, resolve, { networkMode: 'host' })) as { services: Record<string, Record<string, unknown>> };
    expect(doc.services.core).toEqual({
      image: 'ghcr.io/acme/core:1.1.0',
      command: ['/bin/sh', '-c', 'echo $$HOME'],
      restart: 'unless-stopped',
      network_mode: 'host',
      environment: { GREETING: 'hi $$(rm -rf /) "q" \'s\'\nnext', BOT_TOKEN: 'tok$$en', DATABASE_URL: 'postgres://u:p@db/bf_acme' },
      labels: { 'buckfleet.spec': 'abc123', 'buckfleet.tenant': 'acme', 'buckfleet.module': 'core' },
      volumes: ['core-data:/data'],
      healthcheck: { test: ['CMD', 'wget', '-q', 'http://127.0.0.1:8080/health'], interval: '2s', timeout: '5s', retries: 5 },
    });
  });

  it('leaves out host networking on bridge hosts', () => {
    const doc = parse(renderCompose(tenant, resolve, { networkMode: 'bridge' })) as { services: Record<string, Record<string, unknown>> };
    expect(doc.services.core).not.toHaveProperty('network_mode');
  });
});
