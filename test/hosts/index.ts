/**
 * Real test hosts for integration tests: a network namespace with its own address
 * (10.231.<n>.2), a real sshd and a real dockerd in it. See host.ts for the host, capabilities.ts
 * for when tests run, skip or fail, registry.ts for cleanup.
 *
 *   describeWithHosts('my feature', () => {
 *     let host: TestHost;
 *     beforeAll(async () => {
 *       const hostKey = await generateHostKey();
 *       const client = await generateClientKey();
 *       host = await startTestHost({ hostKeyFile: hostKey.privateKeyFile, authorizedKeys: client.publicKey });
 *       await importImage(host);
 *     });
 *     afterAll(() => stopAllTestHosts());
 *   });
 */
export { type Availability, describeWithHosts, hostTestsAvailable } from './capabilities.js';
export { docker } from './dockerd.js';
export { type TestHost, type TestHostOptions, startTestHost } from './host.js';
export { TEST_IMAGE, importImage } from './image.js';
export { type KeyPair, generateClientKey, generateHostKey } from './keys.js';
export { stopAllTestHosts } from './registry.js';
