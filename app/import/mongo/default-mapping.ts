/**
 * The mapping that ships (`buckfleet import mongo --print-mapping` prints it): the collections of
 * the current bot manager. Kept as text in code, not as a .yaml beside it, so the built CLI
 * carries it without a copy step; it is parsed by the same schema as a user's file.
 */
export const DEFAULT_MAPPING_YAML = `# buckfleet import mongo: where the old bot manager keeps each fact.
# Field paths are dotted (owner.id); Extended JSON ($oid, $date, $numberLong, ...) is unwrapped first.

users:                      # users.json: {"_id": ObjectId, "telegram_id": Long, "username", "first_name", "language_code", "created_at": Date}
  file: users.json
  id: telegram_id
  username: username
  firstName: first_name
  language: language_code
  createdAt: created_at

bots:                       # bots.json: {"_id": ObjectId, "owner": {"id": Long}, "token", "username", "title", "plan", "created_at": Date}
  file: bots.json
  id: _id
  owner: owner.id
  token: token
  name: username
  title: title
  plan: plan
  createdAt: created_at

subscriptions:              # subscriptions.json: {"_id", "bot_id": ObjectId, "plan", "started_at": Date, "expires_at": Date, "price": Decimal128, "currency"}
  file: subscriptions.json
  bot: bot_id
  start: started_at
  expiry: expires_at
  plan: plan
  amount: price
  currency: currency

payments:                   # payments.json: {"_id": ObjectId, "bot_id": ObjectId, "amount": Decimal128, "currency", "paid_at": Date, "status", "period_days": Int32}
  file: payments.json
  id: _id
  bot: bot_id
  amount: amount
  currency: currency
  date: paid_at
  status: status
  days: period_days

# Old plan names → plans of fleet.yaml.
plans:
  start: basic
  basic: basic
  business: pro
  pro: pro
defaultPlan: basic

# Which payments are paid periods; the others are accounted for in the report and left out.
paymentStatus:
  paid: paid
  succeeded: paid
  failed: ignore
  refunded: ignore
  pending: ignore

amounts:
  unit: major               # 9.90 in the dump is 990 cents
  currency: usd
periodDays: 30
`;
