import { stringify } from 'yaml';
import { SPEC_LABEL } from './ports.js';
import type { DesiredTenant, EnvValue } from './desired.js';

/** Compose interpolates `$` in values; `$$` is a literal dollar, so no value is ever expanded. */
const literal = (value: string) => value.replace(/\$/g, '$$$$');

/**
 * The docker-compose.yml of a tenant. Environments are written inline (YAML carries any value,
 * quotes and newlines included), with every `$` escaped, so a config value like `$(rm -rf /)`
 * reaches the container as exactly that text. `resolve` turns planned env values into text:
 * the only place decrypted secrets meet the file, at apply time.
 */
export function renderCompose(tenant: DesiredTenant, resolve: (value: EnvValue) => string, opts: { networkMode: 'host' | 'bridge' }): string {
  const services: Record<string, unknown> = {};
  const volumes: Record<string, object> = {};
  for (const s of tenant.services) {
    const environment = Object.fromEntries(Object.entries(s.env).map(([k, v]) => [k, literal(resolve(v))]));
    volumes[`${s.name}-data`] = {};
    services[s.name] = {
      image: s.image,
      ...(s.command ? { command: s.command.map(literal) } : {}),
      restart: 'unless-stopped',
      ...(opts.networkMode === 'host' ? { network_mode: 'host' } : {}),
      environment,
      labels: { [SPEC_LABEL]: s.spec, 'buckfleet.tenant': tenant.slug, 'buckfleet.module': s.name },
      volumes: [`${s.name}-data:/data`],
      ...(s.healthcheck
        ? { healthcheck: { test: s.healthcheck.test.map(literal), interval: `${s.healthcheck.intervalSeconds}s`, timeout: '5s', retries: s.healthcheck.retries } }
        : {}),
    };
  }
  return stringify({ version: '2.4', services, volumes }, { lineWidth: 0 });
}
