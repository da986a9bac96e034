# Releases of modules (bot/notifications/modules.ts).

notify-release-available = 🆕 { $titleEn } { $version } is out for your bot { $tenant } (it runs { $from }).
notify-release-notes = What's new:
notify-release-no-notes = This release has no release notes.
notify-release-update-now = ⬆️ Update now
notify-admin-rollout-halted = 🛑 The rollout of { $module } { $version } is stopped: a canary tenant failed after PR #{ $pr }. No other tenant gets it; roll back with `buckfleet rollback { $pr }` or fix and release a new version.
