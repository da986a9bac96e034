import { z } from 'zod';
import { HostName, Region, Size } from './common.js';

/** A shared host: a droplet onto which several tenants are packed as compose projects. */
export const HostManifest = z.strictObject({
  name: HostName,
  region: Region,
  size: Size,
  /** How many tenants fit; placement picks the host with the most room. */
  capacity: z.number().int().min(1).max(500),
  /** A cordoned host keeps its tenants but gets no new ones. */
  cordoned: z.boolean().default(false),
});
export type HostManifest = z.infer<typeof HostManifest>;
