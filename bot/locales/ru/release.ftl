# Выпуски модулей (bot/notifications/modules.ts).

notify-release-available = 🆕 Вышла версия { $version } модуля «{ $titleRu }» для вашего бота { $tenant } (сейчас у него { $from }).
notify-release-notes = Что нового:
notify-release-no-notes = К этому выпуску нет описания изменений.
notify-release-update-now = ⬆️ Обновить сейчас
notify-admin-rollout-halted = 🛑 Раскатка { $module } { $version } остановлена: канареечный тенант сломался после PR #{ $pr }. Остальные тенанты её не получат; откатите через `buckfleet rollback { $pr }` или исправьте и выпустите новую версию.
