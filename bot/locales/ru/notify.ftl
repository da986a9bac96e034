# Уведомления из outbox (bot/notifications/deploy.ts, billing.ts, admin-alerts.ts).

## Развёртывание: одно сообщение, которое обновляется по шагам
notify-deploy-progress = ⚙️ Настраиваем ваш бот { $tenant }: выполнено шагов — { $step } из { $of }.
notify-deploy-stage-paid = Оплата получена
notify-deploy-stage-merged = Заказ принят
notify-deploy-stage-server = Сервер
notify-deploy-stage-database = База данных
notify-deploy-stage-stack = Бот запущен на сервере
notify-deploy-stage-health = Проверка работы
notify-deploy-stage-running = Работает
notify-deploy-step-stack-stop = ⚙️ Ваш бот { $tenant } остановлен (шаг { $step } из { $of }).
notify-deploy-step-database-dump = ⚙️ Сделана резервная копия базы данных бота { $tenant } (шаг { $step } из { $of }).
notify-deploy-step-stack-remove = ⚙️ Ваш бот { $tenant } удалён с сервера (шаг { $step } из { $of }).
notify-deploy-step-database-drop = ⚙️ База данных бота { $tenant } удалена (шаг { $step } из { $of }).
notify-deploy-step-droplet-delete = ⚙️ Сервер бота { $tenant } удалён (шаг { $step } из { $of }).
notify-deploy-step-other = ⚙️ Работаем с вашим ботом { $tenant }: выполнено шагов — { $step } из { $of }.
notify-deploy-running = ✅ Ваш бот { $tenant } запущен и работает!
notify-deploy-running-open = Откройте его в Telegram: @{ $username }
notify-deploy-running-open-unknown = Откройте его в Telegram: это бот, токен которого вы мне прислали.
notify-deploy-running-admin = Отправьте /admin своему боту, чтобы открыть его панель администратора.
notify-deploy-open-bot = Открыть @{ $username }
notify-deploy-failed = ❌ Настройка бота { $tenant } не завершилась. Администраторы уже знают и разбираются; вам ничего делать не нужно. (Код: { $reason })
notify-deploy-credentials = 🔐 База данных вашего бота { $tenant }:

    Хост: { $host }
    Порт: { $port }
    База: { $database }
    Пользователь: { $user }
    Пароль: { $password }

    Сохраните эти данные в надёжном месте прямо сейчас: это сообщение отправляется только один раз, и пароль больше не будет прислан.

## Оплата
notify-billing-renew = 💳 Продлить
notify-billing-payment-failed = ⚠️ Платёж за бота { $tenant } не прошёл. Проверьте способ оплаты или продлите другим способом, чтобы бот продолжал работать.
notify-billing-payment-failed-amount = ⚠️ Платёж { $amount } за бота { $tenant } не прошёл. Проверьте способ оплаты или продлите другим способом, чтобы бот продолжал работать.
notify-billing-reminder = ⏰ Ваш бот { $tenant } оплачен по { $date }: { $days ->
        [one] остался { $days } день
        [few] осталось { $days } дня
       *[many] осталось { $days } дней
    }. Продлите сейчас, чтобы бот работал без перерыва.
notify-billing-past-due = ⚠️ Оплаченный период бота { $tenant } закончился { $date }. Продлите сейчас: через несколько дней отсрочки бот будет приостановлен.
notify-billing-suspended = ⛔ Ваш бот { $tenant } приостановлен: оплаченный период закончился { $date }. Продлите, чтобы снова его запустить; настройки и данные какое-то время сохраняются.

## Администраторам
notify-admin-deploy-failed = 🚨 Развёртывание { $tenant } не удалось ({ $reason }). Тенант помечен как неисправный; владельцу сообщено.
notify-admin-refund = 💸 Возврат по { $tenant } (событие Stripe { $event }). Он записан в billing.yaml; оплаченный период не изменён — приостановите тенанта вручную, если он должен остановиться.
notify-admin-refund-amount = 💸 Возврат { $amount } по { $tenant } (событие Stripe { $event }). Он записан в billing.yaml; оплаченный период не изменён — приостановите тенанта вручную, если он должен остановиться.
