import { describe, expect, it } from 'vitest';
import type { Action } from '../actions.js';
import { StalledError } from '../errors.js';
import { RemoteCommandError } from '../resources/compose-stack/errors.js';
import { badImage } from './stacks.js';

const deploy = { kind: 'stack.deploy', id: 'acme/stack.deploy', owner: 'acme', dependsOn: [], tenant: 'acme', host: 'host:h1', project: 'bf-acme', reason: 'stack is missing' } as Extract<Action, { kind: 'stack.deploy' }>;
const failed = (stderr: string) => new RemoteCommandError({ op: 'up', host: '192.0.2.1', project: 'bf-acme' }, 1, stderr);

describe('badImage', () => {
  it.each([
    ['pull access denied for ghcr.io/acme/core, repository does not exist or may require docker login', true],
    ['ERROR: manifest for ghcr.io/acme/core:9.9.9 not found: manifest unknown: manifest unknown', true],
    ['Get "https://ghcr.io/v2/": dial tcp: lookup ghcr.io: no such host', false],
    ['Error response from daemon: driver failed programming external connectivity', false],
  ])('%s → stalled: %s', (stderr, stalled) => {
    const e = badImage(failed(`Pulling core ...\n${stderr}\n`), deploy);
    expect(e instanceof StalledError).toBe(stalled);
    if (e) expect(e.message).toBe(`bf-acme: an image cannot be pulled (${stderr}); release it or fix the catalog`);
  });

  it('leaves other errors alone', () => {
    expect(badImage(new Error('boom'), deploy)).toBeNull();
  });
});
