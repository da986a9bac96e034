import type { ChangeGateway } from '../../bot/ports.js';
import { approveChange } from '../../fleet/approve.js';
import type { ChangeRequestInput } from '../../fleet/changes/index.js';
import type { Log } from '../../fleet/log.js';
import type { ChangeRequests, FleetRepo, PullRequest } from '../../fleet/repo/types.js';
import { submitChange, type SubmitOutcome } from '../../fleet/submit.js';

/** The bot's change requests go through the same submit and approve paths as everyone's. */
export class RepoChangeGateway implements ChangeGateway {
  constructor(
    private readonly repo: FleetRepo & ChangeRequests,
    private readonly opts: { readonly now: () => Date; readonly log: Log },
  ) {}

  submit(input: ChangeRequestInput): Promise<SubmitOutcome> {
    return submitChange({ repo: this.repo, prs: this.repo, now: this.opts.now, log: this.opts.log }, input);
  }

  listOpen(): Promise<PullRequest[]> {
    return this.repo.listOpen();
  }

  getPr(number: number): Promise<PullRequest> {
    return this.repo.getPr(number);
  }

  async approve(number: number, admin: number): Promise<{ readonly commit: string }> {
    const { commit } = await approveChange({ repo: this.repo, prs: this.repo, log: this.opts.log }, number);
    await this.repo.ensureComment(number, 'buckfleet:decision', `Approved and merged by Telegram admin ${admin}.`);
    return { commit };
  }

  async reject(number: number, admin: number): Promise<void> {
    await this.repo.ensureComment(number, 'buckfleet:decision', `Rejected (closed) by Telegram admin ${admin}.`);
    await this.repo.close(number);
  }
}
