import type { PaymentsApi } from '../../billing/contract.js';
import type { BotDeps, BotLog, PaymentLinks } from '../../bot/ports.js';
import { GetMeTokenChecker } from '../../bot/token-check.js';
import type { ChangeRequests, FleetRepo } from '../../fleet/repo/types.js';
import { sealValue } from '../../fleet/seal.js';
import type { Db, TxPool } from '../db/db.js';
import { PgOrderStore } from '../orders.js';
import { queueMessage } from '../outbox.js';
import { RepoChangeGateway } from './change-gateway.js';
import { PgDeployStatuses } from './deploy-statuses.js';
import { CachedFleetView } from './fleet-view.js';
import { PgManualPaymentStore } from './manual-payments.js';
import { PgOperationRequests } from './operations.js';
import { PgStateStorage } from './state-storage.js';
import { PgUserStore } from './users.js';

export interface BotWiring {
  readonly pool: Db & TxPool;
  readonly repo: FleetRepo & ChangeRequests;
  readonly apiRoot: string;
  readonly payments: PaymentsApi | null;
  readonly paymentLinks: PaymentLinks;
  /** AGE_RECIPIENT when set; otherwise fleet.yaml's `secretsRecipient` is used. */
  readonly recipient: string | null;
  readonly adminIds: readonly number[];
  readonly log: BotLog;
  readonly now?: () => Date;
  /** Wakes the reconciler loop of this process after an admin's retry. */
  readonly kickReconciler?: () => void;
}

/** The bot's dependencies on the control database and the fleet repo. */
export function botDeps(w: BotWiring): BotDeps {
  const now = w.now ?? (() => new Date());
  const fleet = new CachedFleetView(w.repo);
  return {
    fleet,
    changes: new RepoChangeGateway(w.repo, { now, log: w.log }),
    orders: new PgOrderStore(w.pool),
    payments: w.payments,
    paymentLinks: w.paymentLinks,
    tokens: new GetMeTokenChecker(w.apiRoot),
    seal: async (plaintext) => {
      const recipient = w.recipient ?? (await fleet.current()).config.secretsRecipient;
      if (recipient === undefined) throw new Error('no age recipient: set AGE_RECIPIENT or secretsRecipient in fleet.yaml');
      return sealValue(recipient, plaintext);
    },
    users: new PgUserStore(w.pool),
    manualPayments: new PgManualPaymentStore(w.pool),
    operations: new PgOperationRequests(w.pool, now),
    deploys: new PgDeployStatuses(w.pool, w.kickReconciler),
    outbox: { queue: (message) => queueMessage(w.pool, message) },
    adminIds: w.adminIds,
    storage: new PgStateStorage(w.pool),
    now,
    log: w.log,
  };
}
