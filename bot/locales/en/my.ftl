# "My bots": the customer's own multi-bots (bot/features/my-bots).

my-list-title = Your bots:
my-list-empty = You have no bots yet. Press the button below to buy your first multi-bot.
my-list-more = …and { $count } more: open them with the buttons below.

my-bot-heading = 🤖 { $bot }
my-bot-heading-named = 🤖 { $bot } ({ $name })
my-bot-plan = Plan: { $plan } · paid through { $date } · { $billing }
my-bot-plan-unpaid = Plan: { $plan } · not paid yet · { $billing }
my-bot-deploy = Status: { $deploy }
my-bot-modules = Modules: { $modules }
my-bot-update = ⬆️ Update available: { $module } { $from } → { $to }
my-bot-chats = Chats and channels: { $count }

my-billing-active = payment up to date
my-billing-past-due = payment overdue
my-billing-suspended = suspended for non-payment
my-billing-cancelled = subscription cancelled

my-deploy-running = ✅ running
my-deploy-deploying = ⏳ being set up or updated
my-deploy-failed = ⚠️ the last deploy failed; we keep retrying and the admins know

my-button-open = ⚙️ { $bot }
my-button-back-list = ⬅️ All my bots
my-button-back-bot = ⬅️ Back to the bot
my-button-pay = 💳 Renew / payment
my-button-install = ➕ Install a module
my-button-remove = ➖ Remove a module
my-button-update = ⬆️ Update { $module } to { $version }
my-button-chats = 💬 Chats and channels
my-button-token = 🔑 Replace the bot token
my-button-restart = 🔄 Restart

my-working = ⏳ Working on it…
my-outcome-merged = ✅ Done: { $what }. The change is in, and your bot is being updated now; this usually takes a minute or two.
my-outcome-open = 📝 Sent for review: { $what }. An administrator checks it first (request #{ $pr }); it takes effect once approved.
my-outcome-noop = Nothing to change: { $what } is already in place.
my-outcome-refused = ❌ Not possible: { $what }. Reason: { $reason }
my-outcome-busy = ⏳ Too many changes are being made right now, so nothing was changed. Please try again in a minute.

my-what-install = installing { $module } { $version } on { $bot }
my-what-remove = removing { $module } from { $bot }
my-what-update = updating { $module } to { $version } on { $bot }
my-what-chat-add = adding { $chat } to { $bot }
my-what-chat-remove = removing { $chat } from { $bot }
my-what-token = replacing the bot token of { $bot } (new bot: @{ $username })

my-pay-title = Payment for { $bot }: plan { $plan }, { $price } a month. Paid through { $date }.
my-pay-title-unpaid = Payment for { $bot }: plan { $plan }, { $price } a month. Not paid yet.
my-pay-auto-renew = The subscription renews by itself. To change the card or cancel, open the payment settings.
my-pay-checkout = 💳 Pay by card
my-pay-portal = ⚙️ Manage payment
my-pay-manual = 🏦 Pay manually
my-pay-unavailable = The card payment service cannot be reached right now; please try again in a few minutes.
my-pay-none = This plan cannot be paid in the bot yet. Please contact support.

my-mods-title = Modules you can add to { $bot }:
my-mods-entry = • { $title } { $version }: { $description }
my-mods-entry-short = • { $title } { $version }
my-mods-none = Every module of the catalog is already installed on { $bot }.
my-mods-install = ➕ { $title }
my-rms-title = Which module should be removed from { $bot }?
my-rms-entry = ➖ { $title } { $version }
my-rms-none = { $bot } has no module that can be removed: the multi-bot itself always stays.
my-rm-confirm = Remove { $module } from { $bot }? Its data stays in the bot's database, so installing it again brings it back.
my-rm-yes = 🗑 Yes, remove it
my-rm-no = Cancel

my-chats-title = Chats and channels { $bot } serves:
my-chats-entry = • { $chat } ({ $type }, { $id })
my-chats-none = { $bot } serves no chats or channels yet.
my-chats-add = ➕ Add a chat or channel
my-chats-remove = ✖️ Remove { $chat }
my-chat-type-channel = channel
my-chat-type-group = group
my-chat-type-supergroup = group
my-chat-ask = To add a chat or channel to { $bot }, forward me any message from it, or send its numeric id (like -1001234567890). Send /cancel to stop.
my-chat-ask-type = Is { $id } a channel or a group?
my-chat-person = That comes from a person, not from a channel or group. Forward a post of the channel, or send the chat's numeric id. Send /cancel to stop.
my-chat-bad-input = I need a message forwarded from the channel or group, or its numeric id (like -1001234567890). Send /cancel to stop.
my-chat-already = { $chat } is already served by { $bot }.
my-chat-too-many = { $bot } already serves as many chats as it can ({ $max }). Remove one first.
my-cancelled = Cancelled: nothing was changed.

my-token-ask = Send me the new token of { $bot } from @BotFather. I delete your message at once and keep the token only encrypted. Send /cancel to stop.
my-token-not-text = Please send the token as a text message, or /cancel.
my-token-invalid = That is not a bot token. Copy it from @BotFather (it looks like 123456789:AA…) and try again.
my-token-revoked = Telegram does not accept this token: it was revoked or mistyped. Get a fresh one from @BotFather and try again.
my-token-unreachable = I could not reach Telegram to check the token. Nothing was changed; please try again in a few minutes.
my-token-retry = 🔑 Try again
my-token-delete-yourself = I could not delete your message with the token. Please delete it yourself.

my-restart-queued = 🔄 The restart of { $bot } is queued. I will tell you when it is done.
my-restart-limited = { $bot } was restarted a moment ago. You can restart it again in { $minutes } min.
