admin-working = ⏳ Working on it…
admin-back = ⬅️ Admin home
admin-cancel = ✖️ Cancel
admin-cancelled = Cancelled. Send /admin for the admin home.
admin-approve = ✅ Approve
admin-reject = ❌ Reject
admin-busy = The fleet repo is busy with other changes right now. Nothing was changed; please press again in a minute.
admin-change-refused = The fleet refused the change, nothing was written:
    { $problems }
admin-home-title = 🛠 Fleet overview
admin-home-tenants = Tenants: { $total } (active { $active }, past due { $pastDue }, suspended { $suspended }, cancelled { $cancelled })
admin-home-failed = Failed deploys: { $count } ({ $tenants })
admin-home-failed-none = Failed deploys: none
admin-home-revenue = Revenue in { $month }: { $amounts }
admin-home-revenue-none = Revenue in { $month }: none yet
admin-home-pending = Waiting for you: { $prs } PRs, { $payments } manual payments
admin-button-prs = 📝 Pending PRs ({ $count })
admin-button-payments = 💳 Manual payments ({ $count })
admin-button-find = 🔎 Find a tenant
admin-button-broadcast = 📣 Broadcast
admin-button-failed-tenant = ⚠️ { $tenant }: deploy failed
admin-button-refresh = 🔄 Refresh
admin-prs-none = No PRs are waiting for review.
admin-prs-header = { $count ->
    [one] One PR is waiting for review:
   *[other] { $count } PRs are waiting for review; the oldest { $shown } are below:
}
admin-pr-title = PR #{ $number }: { $title }
admin-pr-labels = Labels: { $labels }
admin-pr-open = 🔗 Open the PR
admin-pr-merged = ✅ PR #{ $number } is merged (commit { $commit }). The reconciler applies it now.
admin-pr-rejected = ❌ PR #{ $number } is rejected and closed.
admin-pr-missing = There is no PR #{ $number }.
admin-pr-already-merged = PR #{ $number } is already merged: nothing to do.
admin-pr-already-closed = PR #{ $number } is already closed: nothing to do.
admin-pr-conflict = PR #{ $number } conflicts with main, so it was not merged. Its change has to be made again on the new main, or the PR rejected.
admin-pr-invalid = PR #{ $number } was not merged: main with it would not be a valid fleet.
    { $problems }
admin-payments-none = No manual payments are waiting.
admin-payments-header = { $count ->
    [one] One manual payment is waiting:
   *[other] { $count } manual payments are waiting; the oldest { $shown } are below:
}
admin-payment-show-proof = 🖼 Show proof
admin-payment-retry = 🔁 Approve again (retry)
admin-payment-missing = There is no manual payment #{ $id }.
admin-payment-already-approved = Manual payment #{ $id } was already approved by admin { $admin }: nothing more to do.
admin-payment-already-rejected = Manual payment #{ $id } was already rejected by admin { $admin }: nothing more to do.
admin-payment-cannot = Manual payment #{ $id } cannot be approved as it is: { $reason }. Nothing was recorded and it is still pending.
admin-payment-submit-failed = Your approval of manual payment #{ $id } is saved, but recording it in the fleet failed:
    { $problems }
    Press the button below to try again.
admin-payment-approved-renewal = ✅ Manual payment #{ $id } approved: { $tenant } is paid through { $date }. The customer is told.
admin-payment-approved-purchase = ✅ Manual payment #{ $id } approved: { $tenant } is created, paid through { $date }. The customer is told.
admin-payment-change-waiting = The change waits for review in PR #{ $number }:
admin-payment-rejected = ❌ Manual payment #{ $id } for { $tenant } is rejected. The customer is told.
admin-payment-no-proof-photo = Manual payment #{ $id } came without a photo. Reference: { $reference }
admin-payment-proof-caption = Proof of manual payment #{ $id } ({ $tenant })
admin-search-prompt = Send a part of a tenant's name, the owner's Telegram id or @username. /cancel to stop.
admin-search-too-long = That is too long for a search (over { $max } characters). Send a shorter text, or /cancel.
admin-search-none = No tenant matches "{ $query }".
admin-search-results = { $count } tenants match; choose one (the first { $shown } are listed):
admin-search-again = 🔎 Search again
admin-status-active = active
admin-status-past-due = past due
admin-status-suspended = suspended
admin-status-cancelled = cancelled
admin-tenant-title = 🏷 { $tenant }
admin-tenant-title-named = 🏷 { $tenant } ({ $name })
admin-tenant-owner = Owner: Telegram user { $id }
admin-tenant-owner-username = Owner: Telegram user { $id } (@{ $username })
admin-tenant-plan = Plan: { $plan }
admin-tenant-placement-shared = Placement: shared host { $host }
admin-tenant-placement-dedicated = Placement: own droplet ({ $size } in { $region })
admin-tenant-modules = Modules: { $modules }
admin-tenant-billing = Billing: { $status }, paid through { $date }
admin-tenant-billing-reason = Reason: { $reason }
admin-tenant-deploy-unknown = Deploy: not reported yet
admin-tenant-deploy-running = Deploy: running
admin-tenant-deploy-pending = Deploy: in progress ({ $reason })
admin-tenant-deploy-failed = Deploy: failed { $failures ->
    [one] once
   *[other] { $failures } times
} ({ $reason })
admin-tenant-suspend = ⏸ Suspend
admin-tenant-resume = ▶️ Resume
admin-tenant-retry = 🔁 Retry deploy
admin-tenant-open = 🏷 Open { $tenant }
admin-tenant-missing = There is no tenant { $tenant } in the fleet.
admin-tenant-suspended = ⏸ { $tenant } is suspended (commit { $commit }). The reconciler stops it now.
admin-tenant-resumed = ▶️ { $tenant } is resumed (commit { $commit }). The reconciler starts it now.
admin-tenant-change-open = The change for { $tenant } waits for review in PR #{ $number }:
admin-tenant-already-suspended = { $tenant } is already suspended: nothing to change.
admin-tenant-already-active = { $tenant } is already active: nothing to change.
admin-tenant-retry-done = 🔁 The reconciler tries { $tenant } again now.
admin-tenant-retry-nothing = The last deploy of { $tenant } did not fail: nothing to retry.
admin-broadcast-choose = 📣 Who should get the broadcast?
admin-broadcast-all = Everyone who uses the bot ({ $count })
admin-broadcast-module = Owners of bots with { $module } ({ $count })
admin-broadcast-audience-all = everyone who uses the bot
admin-broadcast-audience-module = owners of bots with { $module }
admin-broadcast-unknown-module = There is no module { $module } in the catalog.
admin-broadcast-prompt = Send the text of the broadcast to { $audience } (plain text, up to { $max } characters). /cancel to stop.
admin-broadcast-too-long = A broadcast is plain text of 1 to { $max } characters. Send it again, or /cancel.
admin-broadcast-preview = Preview for { $audience }: { $count ->
    [one] one person gets
   *[other] { $count } people get
} the message below. Press Send to send it.
admin-broadcast-send = 📣 Send ({ $count })
admin-broadcast-sent = 📣 The broadcast is queued for { $count ->
    [one] one person
   *[other] { $count } people
}; each gets it once.
admin-broadcast-stale = This preview is out of date: it was sent or cancelled already. Start a new broadcast from the admin home.
admin-broadcast-waiting = A broadcast preview is waiting for Send or Cancel above. Press one of them first.
notify-admin-manual-payment-renewal = 💳 Manual payment #{ $id }: renewal of { $tenant }
notify-admin-manual-payment-purchase = 💳 Manual payment #{ $id }: purchase of a new bot, { $tenant }
notify-admin-manual-payment-amount = Amount: { $amount }
notify-admin-manual-payment-from = From: Telegram user { $id }
notify-admin-manual-payment-from-username = From: Telegram user { $id } (@{ $username })
notify-admin-manual-payment-reference = Reference: { $reference }
notify-admin-manual-payment-photo = Proof: a photo (press "Show proof")
notify-admin-manual-payment-no-photo = Proof: no photo
notify-manual-approved-renewal = ✅ Your payment of { $amount } for { $tenant } is confirmed. It is paid through { $date }. Thank you!
notify-manual-approved-renewal-undated = ✅ Your payment of { $amount } for { $tenant } is confirmed. Thank you!
notify-manual-approved-purchase = ✅ Your payment of { $amount } is confirmed. We are setting up your bot { $tenant } now and will tell you when it is running.
notify-manual-rejected = Your payment of { $amount } for { $tenant } could not be confirmed. If you did pay, please send the proof again or contact support.
