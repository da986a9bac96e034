import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { buildModule, MODULES_DIR } from '../../modules/build.js';
import { ModuleManifest } from '../../modules/schema.js';
import { tool } from '../hosts/capabilities.js';
import { docker } from '../hosts/dockerd.js';
import { registerCleanup } from '../hosts/registry.js';
import { type Relay, startRelay } from '../hosts/relay.js';

/**
 * Runnable images of the reference modules (modules/<name>/src) for test hosts, which have no
 * registry to pull from: a rootfs of this machine's `node` binary and the shared libraries it
 * links (ldd), CA certificates, and the module's esbuild bundle at /app/index.cjs — the same path
 * as in the production Dockerfile, so module.yaml's health check (`node /app/index.cjs
 * healthcheck`) works in both — imported with `docker import`, the version baked in as
 * BUCKFLEET_MODULE_VERSION as the Dockerfile's VERSION build arg does. Runs as uid 1000, not root.
 *
 *   const { tag, tags } = await importModuleImage(host, 'core', '1.1.0');
 *   // tag: buckfleet-test/ref-core:1.1.0; tags also holds ghcr.io/buckfleet/core:1.1.0,
 *   // module.yaml's image, so a stack rendered from the real module.yaml starts without a pull.
 */
export type ReferenceModule = 'core' | 'welcome' | 'scheduled-posts';

export const testImageTag = (module: string, version: string) => `buckfleet-test/ref-${module}:${version}`;

export class ModuleImageError extends Error {
  override readonly name = 'ModuleImageError';
  constructor(
    readonly module: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`test image of ${module}: ${message}`, options);
  }
}

/** One rootfs tar per module and process: the bundle does not depend on the version. */
const tars = new Map<string, Promise<string>>();

async function buildRootfsTar(module: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `bft-ref-${module}-`));
  registerCleanup(() => {
    tars.delete(module);
    rmSync(dir, { recursive: true, force: true });
    return [];
  });
  const root = join(dir, 'rootfs');
  const bundle = await buildModule(module, join(dir, 'bundle'));
  const put = (from: string, to: string) => {
    mkdirSync(dirname(join(root, to)), { recursive: true });
    copyFileSync(from, join(root, to)); // follows symlinks: libc.so.6 → the real file
  };
  put(process.execPath, '/usr/local/bin/node');
  for (const lib of await sharedLibraries(process.execPath)) put(lib, lib);
  for (const certs of ['/etc/ssl/certs/ca-certificates.crt']) if (existsSync(certs)) put(certs, certs);
  put(bundle, '/app/index.cjs');
  mkdirSync(join(root, 'tmp'), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  const tar = join(dir, 'rootfs.tar');
  await execa(tool('tar'), ['-C', root, '--numeric-owner', '--owner=0', '--group=0', '-cf', tar, '.']);
  return tar;
}

/**
 * The absolute paths `ldd` lists for a binary, the dynamic loader included (`linux-vdso` has
 * none: the kernel maps it).
 */
export async function sharedLibraries(binary: string): Promise<string[]> {
  const r = await execa('ldd', [binary], { reject: false });
  if (r.exitCode !== 0) throw new ModuleImageError('node', `ldd ${binary} failed: ${r.stderr || r.stdout}`);
  return [...r.stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!).filter((p, i, all) => all.indexOf(p) === i);
}

/** module.yaml's image with the version filled in, e.g. ghcr.io/buckfleet/core:1.1.0. */
export function manifestImage(module: string, version: string): string {
  const file = join(MODULES_DIR, module, 'module.yaml');
  const parsed = ModuleManifest.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new ModuleImageError(module, `${file} is not a valid module.yaml: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data.image.replace('{version}', version);
}

/**
 * Imports the reference `module` at `version` into `host`'s dockerd, tagged
 * `buckfleet-test/ref-<module>:<version>` and with module.yaml's image name. Returns the tags.
 */
export async function importModuleImage(host: { readonly dockerHost: string }, module: ReferenceModule, version: string): Promise<{ tag: string; tags: string[] }> {
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) throw new ModuleImageError(module, `not a version: ${version}`);
  let tar = tars.get(module);
  if (tar === undefined) {
    tar = buildRootfsTar(module).catch((error: unknown) => {
      tars.delete(module); // the next call tries again
      throw error instanceof ModuleImageError ? error : new ModuleImageError(module, error instanceof Error ? error.message : String(error), { cause: error });
    });
    tars.set(module, tar);
  }
  const tag = testImageTag(module, version);
  const changes = [
    'ENV PATH=/usr/local/bin:/usr/bin:/bin',
    'ENV NODE_ENV=production',
    `ENV BUCKFLEET_MODULE_VERSION=${version}`,
    'WORKDIR /app',
    'USER 1000:1000',
    'CMD ["node", "/app/index.cjs"]',
  ];
  const imported = await docker(host, ['import', ...changes.flatMap((c) => ['--change', c]), await tar, tag]);
  if (imported.exitCode !== 0) throw new ModuleImageError(module, `docker import ${tag} failed: ${imported.stderr}`);
  const alias = manifestImage(module, version);
  const tagged = await docker(host, ['tag', tag, alias]);
  if (tagged.exitCode !== 0) throw new ModuleImageError(module, `docker tag ${alias} failed: ${tagged.stderr}`);
  return { tag, tags: [tag, alias] };
}

/**
 * Makes a service of this machine that listens on loopback only (the Telegram emulator, for
 * one) reachable from a test host: a TCP relay on the root side of the host's veth
 * (10.231.<n>.1), which the host reaches and nothing outside this machine does.
 */
export async function relayToHost(host: { readonly address: string }, targetPort: number): Promise<Relay> {
  const rootSide = host.address.replace(/\.2$/, '.1');
  if (rootSide === host.address) throw new Error(`test host address ${host.address} is not the .2 of a /30`);
  return startRelay(rootSide, targetPort);
}
