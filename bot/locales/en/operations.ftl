notify-restart-done = ✅ Your bot { $tenant } has been restarted and is running again.
notify-restart-failed-deleted = Your bot { $tenant } was not restarted: it no longer exists.
notify-restart-failed-suspended = Your bot { $tenant } was not restarted: it is suspended. Renew the subscription to run it again.
notify-restart-failed-cancelled = Your bot { $tenant } was not restarted: its subscription is cancelled.
notify-restart-failed-unpaid = Your bot { $tenant } was not restarted: its paid period has ended. Pay for a new period to run it again.
notify-restart-failed-not-deployed = Your bot { $tenant } was not restarted: it is not set up on its server yet. It starts by itself once setup is finished.
notify-restart-failed-host-unavailable = Your bot { $tenant } was not restarted: its server cannot be reached right now. Please try again in a few minutes.
notify-restart-failed-error = Your bot { $tenant } was not restarted: something went wrong on the server. Please try again in a few minutes; if it keeps failing, contact support.
