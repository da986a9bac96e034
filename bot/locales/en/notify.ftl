# Outbox notifications (bot/notifications/deploy.ts, billing.ts, admin-alerts.ts).

## A deploy, as one message edited step by step
notify-deploy-progress = ⚙️ Setting up your bot { $tenant }: step { $step } of { $of } done.
notify-deploy-stage-paid = Payment received
notify-deploy-stage-merged = Order accepted into the fleet
notify-deploy-stage-server = Server
notify-deploy-stage-database = Database
notify-deploy-stage-stack = Bot started on the server
notify-deploy-stage-health = Health check
notify-deploy-stage-running = Running
notify-deploy-step-stack-stop = ⚙️ Your bot { $tenant } has been stopped (step { $step } of { $of }).
notify-deploy-step-database-dump = ⚙️ The database of your bot { $tenant } has been backed up (step { $step } of { $of }).
notify-deploy-step-stack-remove = ⚙️ Your bot { $tenant } has been removed from its server (step { $step } of { $of }).
notify-deploy-step-database-drop = ⚙️ The database of your bot { $tenant } has been deleted (step { $step } of { $of }).
notify-deploy-step-droplet-delete = ⚙️ The server of your bot { $tenant } has been deleted (step { $step } of { $of }).
notify-deploy-step-other = ⚙️ Working on your bot { $tenant }: step { $step } of { $of } done.
notify-deploy-running = ✅ Your bot { $tenant } is up and running!
notify-deploy-running-open = Open it in Telegram: @{ $username }
notify-deploy-running-open-unknown = Open it in Telegram: it is the bot whose token you sent me.
notify-deploy-running-admin = Send /admin in your bot to open its admin panel.
notify-deploy-open-bot = Open @{ $username }
notify-deploy-failed = ❌ Setting up your bot { $tenant } did not finish. Our admins have been told and are looking into it; you don't need to do anything. (Reference: { $reason })
notify-deploy-credentials = 🔐 The database of your bot { $tenant }:

    Host: { $host }
    Port: { $port }
    Database: { $database }
    User: { $user }
    Password: { $password }

    Save these details somewhere safe now: this message is sent only once, and the password will not be sent again.

## Billing
notify-billing-renew = 💳 Renew
notify-billing-payment-failed = ⚠️ A payment for your bot { $tenant } did not go through. Please check your payment method, or renew another way, so that the bot keeps running.
notify-billing-payment-failed-amount = ⚠️ A payment of { $amount } for your bot { $tenant } did not go through. Please check your payment method, or renew another way, so that the bot keeps running.
notify-billing-reminder = ⏰ Your bot { $tenant } is paid through { $date }: { $days ->
        [one] { $days } day
       *[other] { $days } days
    } left. Renew now to keep it running without a break.
notify-billing-past-due = ⚠️ The paid period of your bot { $tenant } ended on { $date }. Renew now: after a few days of grace the bot will be suspended.
notify-billing-suspended = ⛔ Your bot { $tenant } is suspended: its paid period ended on { $date }. Renew to start it again; its settings and data are kept for a while.

## Admins
notify-admin-deploy-failed = 🚨 The deploy of { $tenant } failed ({ $reason }). The tenant is marked degraded; its owner has been told.
notify-admin-refund = 💸 A refund for { $tenant } (Stripe event { $event }). It is recorded in billing.yaml; the paid period is unchanged, so suspend the tenant by hand if it should stop.
notify-admin-refund-amount = 💸 A refund of { $amount } for { $tenant } (Stripe event { $event }). It is recorded in billing.yaml; the paid period is unchanged, so suspend the tenant by hand if it should stop.
