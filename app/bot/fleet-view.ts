import type { FleetView } from '../../bot/ports.js';
import { formatIssue } from '../../fleet/load/index.js';
import { loadRevision } from '../../fleet/load/revision.js';
import type { Fleet } from '../../fleet/model.js';
import { type FleetRepo, MAIN } from '../../fleet/repo/types.js';

/** main does not load: the bot cannot answer from it, and says so rather than guess. */
export class FleetUnreadableError extends Error {
  override readonly name = 'FleetUnreadableError';
}

/**
 * main of the fleet repo, loaded once per commit: the bot asks on every update, and main moves
 * far less often than people press buttons. Concurrent callers share one load.
 */
export class CachedFleetView implements FleetView {
  private cached: { head: string; fleet: Promise<Fleet> } | null = null;

  constructor(private readonly repo: FleetRepo) {}

  async current(): Promise<Fleet> {
    const head = await this.repo.head(MAIN);
    if (head === null) throw new FleetUnreadableError(`the fleet repo has no ${MAIN} branch`);
    if (this.cached?.head !== head) {
      const fleet = this.load(head);
      this.cached = { head, fleet };
      // A failed load is not kept: the next call tries again.
      fleet.catch(() => {
        if (this.cached?.head === head) this.cached = null;
      });
    }
    return this.cached.fleet;
  }

  private async load(head: string): Promise<Fleet> {
    const loaded = await loadRevision(this.repo, head);
    if (!loaded.ok) throw new FleetUnreadableError(`main (${head.slice(0, 12)}) does not validate: ${loaded.issues.slice(0, 3).map(formatIssue).join('; ')}`);
    return loaded.fleet;
  }
}
