notify-restart-done = ✅ Ваш бот { $tenant } перезапущен и снова работает.
notify-restart-failed-deleted = Бот { $tenant } не перезапущен: его больше нет.
notify-restart-failed-suspended = Бот { $tenant } не перезапущен: он приостановлен. Продлите подписку, чтобы он снова заработал.
notify-restart-failed-cancelled = Бот { $tenant } не перезапущен: его подписка отменена.
notify-restart-failed-unpaid = Бот { $tenant } не перезапущен: оплаченный период закончился. Оплатите новый период, чтобы он снова заработал.
notify-restart-failed-not-deployed = Бот { $tenant } не перезапущен: он ещё не установлен на сервере. Он запустится сам, как только установка закончится.
notify-restart-failed-host-unavailable = Бот { $tenant } не перезапущен: его сервер сейчас недоступен. Попробуйте ещё раз через несколько минут.
notify-restart-failed-error = Бот { $tenant } не перезапущен: на сервере что-то пошло не так. Попробуйте ещё раз через несколько минут; если не получится, напишите в поддержку.
