/** The deploy benchmark's scenarios (issue 9) and the targets each is held to. */
export interface DeployScenario {
  readonly id: string;
  readonly title: string;
  readonly placement: 'shared' | 'dedicated';
  /** The fake DigitalOcean keeps a new droplet `new` this long (test/fake-do bootDelayMs). */
  readonly bootDelayMs: number;
  /** Total, /start answered, must be under this (ms); null: only the overhead target applies. */
  readonly totalTargetMs: number | null;
}

/** Everything but compose up, the health wait and the droplet boot. */
export const OVERHEAD_TARGET_MS = 2_000;

export const SCENARIOS: readonly DeployScenario[] = [
  // A shared tenant lands on a running host: the droplet boot never shows; 15 s is the target whatever the boot.
  { id: 'shared', title: '(a) shared, DO at zero latency', placement: 'shared', bootDelayMs: 0, totalTargetMs: 15_000 },
  { id: 'dedicated', title: '(b) dedicated, DO at zero latency', placement: 'dedicated', bootDelayMs: 0, totalTargetMs: null },
  { id: 'dedicated-boot55', title: '(c) dedicated, droplet boot 55 s', placement: 'dedicated', bootDelayMs: 55_000, totalTargetMs: 90_000 },
];
