/**
 * Droplets: the cloud edge of the reconciler. `DigitalOceanProvider` is the production
 * `CloudProvider`; `cloudInit` and `generateHostKey` make what a new droplet boots with.
 * The in-process stand-in for tests is `test/fake-do/`.
 */
export { type CloudInitInput, type ComposePackage, cloudInit, parseCloudInit, type ParsedCloudInit } from './cloud-init.js';
export { DigitalOceanProvider, type DigitalOceanOptions } from './digitalocean.js';
export { DigitalOceanSaidNo, DigitalOceanUnreachable, type DropletOp, type DropletOpContext } from './errors.js';
export { generateHostKey, type HostKey } from './host-key.js';
