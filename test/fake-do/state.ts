/** What a create asked for, handed to the provisioner: everything a real droplet would boot from. */
export interface ProvisionSpec {
  readonly id: number;
  readonly name: string;
  readonly region: string;
  readonly size: string;
  readonly image: string;
  readonly tags: readonly string[];
  /** The cloud-init user data, as sent. */
  readonly userData: string;
}

/**
 * Makes a droplet real (or pretends to): the e2e tests boot a network-namespace test host from
 * the parsed cloud-init and return its address; the default hands out 192.0.2.x (TEST-NET-1).
 */
export type Provisioner = (spec: ProvisionSpec) => Promise<{ readonly ipv4: string }>;
/** Undoes a provision, on delete and on `close()`. */
export type Deprovisioner = (droplet: FakeDroplet) => Promise<void>;

/** A droplet as the fake keeps it; `droplets()` returns these for assertions. */
export interface FakeDroplet extends ProvisionSpec {
  readonly createdAt: Date;
  /** When the droplet turns active, if the provisioner has answered by then (Infinity: held). */
  activeAt: number;
  /** Set once the provisioner resolved. */
  ipv4: string | null;
  /** Set if the provisioner rejected: the droplet then stays `new`, as a failed boot would look. */
  provisionError: unknown;
  /** Settles when the provisioner does (never rejects). */
  readonly provisioned: Promise<void>;
}

export interface FakeState {
  readonly droplets: FakeDroplet[];
  readonly counters: { droplet: number; action: number };
  readonly baseUrl: () => string;
  readonly bootDelayMs: () => number;
  readonly provision: Provisioner;
  readonly deprovision: Deprovisioner;
}

export function statusOf(d: FakeDroplet, now: number): 'new' | 'active' {
  return d.ipv4 !== null && now >= d.activeAt ? 'active' : 'new';
}

/** A private (VPC) address beside the public one, from TEST-NET-2: clients must pick the public one. */
const privateAddress = (id: number) => `198.51.100.${(id % 254) + 1}`;

/** The droplet as the API shows it (snake_case, the fields dots reads and a few it merely parses). */
export function apiDroplet(d: FakeDroplet, now: number): Record<string, unknown> {
  const status = statusOf(d, now);
  const ip = d.ipv4;
  const v4 =
    status === 'active' && ip !== null
      ? [
          { ip_address: privateAddress(d.id), netmask: '255.255.240.0', gateway: '', type: 'private' },
          { ip_address: ip, netmask: '255.255.255.0', gateway: ip.replace(/\.\d+$/, '.1'), type: 'public' },
        ]
      : [];
  return {
    id: d.id,
    name: d.name,
    memory: 1024,
    vcpus: 1,
    disk: 25,
    locked: false,
    status,
    kernel: null,
    created_at: d.createdAt.toISOString(),
    features: ['droplet_agent', 'private_networking'],
    backup_ids: [],
    next_backup_window: null,
    snapshot_ids: [],
    image: { id: 1, name: d.image, distribution: 'Ubuntu', slug: d.image, public: true, regions: [d.region], type: 'base', status: 'available' },
    volume_ids: [],
    size: { slug: d.size, memory: 1024, vcpus: 1, disk: 25, transfer: 1, price_monthly: 6, price_hourly: 0.00893, regions: [d.region], available: true },
    size_slug: d.size,
    networks: { v4, v6: [] },
    region: { name: d.region, slug: d.region, features: ['metadata'], available: true, sizes: [d.size] },
    tags: [...d.tags],
    vpc_uuid: '00000000-0000-4000-8000-000000000000',
  };
}
