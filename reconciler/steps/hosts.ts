import { TransientError, WaitingError } from '../errors.js';
import { tagOfHostKey } from '../observed.js';
import { FLEET_TAG, fleetTag } from '../ports.js';
import type { Action } from '../actions.js';
import { type StepContext, targetOf } from '../context.js';

type Of<K extends Action['kind']> = Extract<Action, { kind: K }>;

/**
 * Creates a host's droplet, looking first: a droplet is found by its tag before one is ever
 * created, and the host key is stored before the create call, so a crash anywhere in between
 * never yields two droplets nor a droplet whose key nobody pinned.
 */
export async function dropletCreate(ctx: StepContext, a: Of<'droplet.create'>): Promise<Record<string, unknown>> {
  const existing = await ctx.cloud.listDroplets(a.host.tag);
  const found = existing[0];
  if (found) {
    ctx.addresses.set(a.host.key, { dropletId: found.id, ipv4: found.ipv4 });
    return { dropletId: found.id, found: true };
  }
  const key = await ctx.newHostKey();
  await ctx.hostKeys.put(a.host.key, key.publicKey);
  const d = await ctx.cloud.createDroplet({
    name: a.host.dropletName,
    region: a.host.region,
    size: a.host.size,
    image: a.host.image,
    tags: [FLEET_TAG, fleetTag(ctx.desired.fleet), a.host.tag],
    userData: ctx.userData(key),
  });
  ctx.addresses.set(a.host.key, { dropletId: d.id, ipv4: d.ipv4 });
  return { dropletId: d.id, found: false };
}

/**
 * Waits, with a growing sleep, until the droplet is active and SSH answers with the pinned key.
 * Out of time, a droplet still coming up is Waiting (requeued, never degraded); an active one that
 * still does not answer is a fault (cut off, sshd or docker down): Transient, so it is retried
 * with backoff and its tenant is marked degraded, and people told, after repeated failures.
 */
export async function hostWait(ctx: StepContext, a: Of<'host.wait'>): Promise<Record<string, unknown>> {
  const deadline = ctx.now().getTime() + ctx.settings.hostWaitMs;
  let pause = 250;
  for (;;) {
    const known = ctx.addresses.get(a.host);
    if (known && known.ipv4 === null) {
      const d = await ctx.cloud.getDroplet(known.dropletId);
      if (d?.status === 'active' && d.ipv4) ctx.addresses.set(a.host, { dropletId: d.id, ipv4: d.ipv4 });
    }
    if (!known) {
      const [d] = await ctx.cloud.listDroplets(tagOfHostKey(a.host));
      if (d) ctx.addresses.set(a.host, { dropletId: d.id, ipv4: d.status === 'active' ? d.ipv4 : null });
    }
    const target = await targetOf(ctx, a.host);
    if (target && (await ctx.runtime.ready(target))) return { address: target.address };
    if (ctx.now().getTime() + pause > deadline) {
      const at = ctx.addresses.get(a.host);
      const droplet = target && at ? await ctx.cloud.getDroplet(at.dropletId) : null;
      if (target && droplet?.status === 'active') {
        const waited = `${Math.round(ctx.settings.hostWaitMs / 1000)}s`;
        const message = `${a.host} (${target.address}) is active but does not answer over SSH with a working docker after ${waited}: unreachable (cut off?) or its sshd or docker is down; retrying with backoff`;
        throw new TransientError('HostUnreachable', message, { owner: a.owner, action: a.id });
      }
      throw new WaitingError('HostBooting', `${a.host} does not answer over SSH yet`, 10_000, { owner: a.owner, action: a.id });
    }
    await ctx.sleep(pause);
    pause = Math.min(pause * 2, 5_000);
  }
}

/** Deletes a droplet (an absent one is fine) and forgets its host key once no droplet is left. */
export async function dropletDelete(ctx: StepContext, a: Of<'droplet.delete'>): Promise<Record<string, unknown>> {
  await ctx.cloud.deleteDroplet(a.dropletId);
  const left = (await ctx.cloud.listDroplets(tagOfHostKey(a.host))).filter((d) => d.id !== a.dropletId);
  if (left.length === 0) {
    await ctx.hostKeys.remove(a.host);
    ctx.addresses.delete(a.host);
  }
  return { dropletId: a.dropletId };
}
