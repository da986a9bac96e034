import { randomInt } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { TransientError } from '../../errors.js';
import type { CloudProvider, Droplet, DropletSpec } from '../../ports.js';

/**
 * The `local` provider's cloud (no DIGITALOCEAN_TOKEN): nothing is created anywhere. A
 * "droplet" is a record in `<dir>/<id>.json` that says a host of the fleet has a place on this
 * machine's docker, so the reconciler's plan/apply model stays the same as in production: a host is
 * found by its tag, created once (the step looks first), waited for (`ready` asks docker), and
 * deleted when the fleet drops it. The records live on disk rather than in memory so that a restart
 * observes the same hosts and plans nothing new.
 *
 * `ipv4` carries the pseudo-host's name (`local-<id>`), not an address: every pseudo-host is this
 * machine's docker, and `LocalHostRuntime` reads the name as the folder that holds that host's
 * stacks, so the stacks of one host are never observed on another (which the plan would read as a
 * tenant left behind on its old host, and remove).
 */

const Record = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  tags: z.array(z.string()),
  region: z.string(),
  size: z.string(),
});
type PseudoDropletRecord = z.infer<typeof Record>;

/** The pseudo-host name of a local droplet, as `ipv4` carries it. */
export const localHostName = (id: number) => `local-${id}`;

/** A record as the Droplet the reconciler sees: always active, "addressed" by its pseudo-host name. */
export function pseudoDroplet(record: PseudoDropletRecord): Droplet {
  return { id: record.id, name: record.name, tags: [...record.tags], status: 'active', ipv4: localHostName(record.id), region: record.region, size: record.size };
}

/** A record file's content, or null when it is not one (a stray file, one half written by an older version). */
export function parseRecord(text: string): PseudoDropletRecord | null {
  try {
    const parsed = Record.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const RECORD_FILE = /^(\d{1,10})\.json$/;

export interface LocalCloudOptions {
  /** Where the records live (`<BUCKFLEET_HOME>/local/droplets`). */
  readonly dir: string;
  /** Ids of new records; crypto's by default. */
  readonly newId?: () => number;
}

export class LocalCloud implements CloudProvider {
  readonly #dir: string;
  readonly #newId: () => number;

  constructor(options: LocalCloudOptions) {
    this.#dir = options.dir;
    this.#newId = options.newId ?? (() => randomInt(1, 2 ** 31 - 1));
  }

  async listDroplets(tag: string): Promise<Droplet[]> {
    return (await this.#records()).filter((r) => r.tags.includes(tag)).map(pseudoDroplet);
  }

  /**
   * Writes a new record; `wx` never overwrites one, so two ids that happen to collide cannot make
   * two hosts share a folder. Looking first for the tag is the step's job, as with DigitalOcean.
   */
  async createDroplet(spec: DropletSpec): Promise<Droplet> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    for (let attempt = 0; ; attempt++) {
      const record: PseudoDropletRecord = { id: this.#newId(), name: spec.name, tags: [...spec.tags], region: spec.region, size: spec.size };
      try {
        await writeFile(join(this.#dir, `${record.id}.json`), `${JSON.stringify(record)}\n`, { flag: 'wx', mode: 0o600 });
        return pseudoDroplet(record);
      } catch (error) {
        if (errorCode(error) !== 'EEXIST' || attempt >= 5) throw new TransientError('LocalCloudWrite', `could not record local host ${spec.name} in ${this.#dir}: ${message(error)}`, {}, { cause: error });
      }
    }
  }

  async getDroplet(id: number): Promise<Droplet | null> {
    return (await this.#records()).map(pseudoDroplet).find((d) => d.id === id) ?? null;
  }

  /** Forgets the record. Stacks were removed by their own steps before (the plan orders them first). */
  async deleteDroplet(id: number): Promise<void> {
    await rm(join(this.#dir, `${id}.json`), { force: true });
  }

  async #records(): Promise<PseudoDropletRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw new TransientError('LocalCloudRead', `could not read the local hosts in ${this.#dir}: ${message(error)}`, {}, { cause: error });
    }
    const records: PseudoDropletRecord[] = [];
    for (const name of names.filter((n) => RECORD_FILE.test(n)).sort()) {
      // A record deleted between readdir and here is simply gone.
      const text = await readFile(join(this.#dir, name), 'utf8').catch(() => null);
      const record = text === null ? null : parseRecord(text);
      if (record !== null) records.push(record);
    }
    return records;
  }
}

const errorCode = (error: unknown) => (error instanceof Error && 'code' in error ? String(error.code) : null);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
