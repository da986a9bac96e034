# «Мои боты»: собственные мультиботы клиента (bot/features/my-bots).

my-list-title = Ваши боты:
my-list-empty = У вас пока нет ботов. Нажмите кнопку ниже, чтобы купить первого мультибота.
my-list-more = …и ещё { $count }: откройте их кнопками ниже.

my-bot-heading = 🤖 { $bot }
my-bot-heading-named = 🤖 { $bot } ({ $name })
my-bot-plan = Тариф: { $plan } · оплачено до { $date } · { $billing }
my-bot-plan-unpaid = Тариф: { $plan } · ещё не оплачено · { $billing }
my-bot-deploy = Состояние: { $deploy }
my-bot-modules = Модули: { $modules }
my-bot-update = ⬆️ Доступно обновление: { $module } { $from } → { $to }
my-bot-chats = Чаты и каналы: { $count }

my-billing-active = оплата в порядке
my-billing-past-due = оплата просрочена
my-billing-suspended = приостановлен за неуплату
my-billing-cancelled = подписка отменена

my-deploy-running = ✅ работает
my-deploy-deploying = ⏳ устанавливается или обновляется
my-deploy-failed = ⚠️ последнее развёртывание не удалось; мы пробуем снова, администраторы в курсе

my-button-open = ⚙️ { $bot }
my-button-back-list = ⬅️ Все мои боты
my-button-back-bot = ⬅️ Назад к боту
my-button-pay = 💳 Продлить / оплата
my-button-install = ➕ Установить модуль
my-button-remove = ➖ Удалить модуль
my-button-update = ⬆️ Обновить { $module } до { $version }
my-button-chats = 💬 Чаты и каналы
my-button-token = 🔑 Заменить токен бота
my-button-restart = 🔄 Перезапустить

my-working = ⏳ Выполняю…
my-outcome-merged = ✅ Готово: { $what }. Изменение принято, бот сейчас обновляется; обычно это занимает минуту-две.
my-outcome-open = 📝 Отправлено на проверку: { $what }. Сначала его проверит администратор (заявка #{ $pr }); изменение вступит в силу после одобрения.
my-outcome-noop = Менять нечего: { $what } — уже сделано.
my-outcome-refused = ❌ Невозможно: { $what }. Причина: { $reason }
my-outcome-busy = ⏳ Сейчас вносится слишком много изменений, поэтому ничего не изменилось. Попробуйте ещё раз через минуту.

my-what-install = установка { $module } { $version } на { $bot }
my-what-remove = удаление { $module } из { $bot }
my-what-update = обновление { $module } до { $version } на { $bot }
my-what-chat-add = добавление { $chat } в { $bot }
my-what-chat-remove = удаление { $chat } из { $bot }
my-what-token = замена токена бота { $bot } (новый бот: @{ $username })

my-pay-title = Оплата { $bot }: тариф { $plan }, { $price } в месяц. Оплачено до { $date }.
my-pay-title-unpaid = Оплата { $bot }: тариф { $plan }, { $price } в месяц. Ещё не оплачено.
my-pay-auto-renew = Подписка продлевается автоматически. Чтобы сменить карту или отменить подписку, откройте настройки оплаты.
my-pay-checkout = 💳 Оплатить картой
my-pay-portal = ⚙️ Управление оплатой
my-pay-manual = 🏦 Оплатить вручную
my-pay-unavailable = Сервис оплаты картой сейчас недоступен; попробуйте через несколько минут.
my-pay-none = Этот тариф пока нельзя оплатить в боте. Пожалуйста, напишите в поддержку.

my-mods-title = Модули, которые можно добавить в { $bot }:
my-mods-entry = • { $title } { $version }: { $description }
my-mods-entry-short = • { $title } { $version }
my-mods-none = Все модули каталога уже установлены в { $bot }.
my-mods-install = ➕ { $title }
my-rms-title = Какой модуль удалить из { $bot }?
my-rms-entry = ➖ { $title } { $version }
my-rms-none = В { $bot } нет модулей, которые можно удалить: сам мультибот остаётся всегда.
my-rm-confirm = Удалить { $module } из { $bot }? Его данные остаются в базе бота, и при повторной установке всё вернётся.
my-rm-yes = 🗑 Да, удалить
my-rm-no = Отмена

my-chats-title = Чаты и каналы, которые обслуживает { $bot }:
my-chats-entry = • { $chat } ({ $type }, { $id })
my-chats-none = { $bot } пока не обслуживает ни одного чата или канала.
my-chats-add = ➕ Добавить чат или канал
my-chats-remove = ✖️ Убрать { $chat }
my-chat-type-channel = канал
my-chat-type-group = группа
my-chat-type-supergroup = группа
my-chat-ask = Чтобы добавить чат или канал в { $bot }, перешлите мне любое сообщение оттуда или отправьте его числовой id (например, -1001234567890). Отправьте /cancel, чтобы отменить.
my-chat-ask-type = { $id } — это канал или группа?
my-chat-person = Это сообщение от человека, а не из канала или группы. Перешлите пост канала или отправьте числовой id чата. Отправьте /cancel, чтобы отменить.
my-chat-bad-input = Мне нужно сообщение, пересланное из канала или группы, или его числовой id (например, -1001234567890). Отправьте /cancel, чтобы отменить.
my-chat-already = { $chat } уже обслуживается ботом { $bot }.
my-chat-too-many = { $bot } уже обслуживает максимум чатов ({ $max }). Сначала уберите один.
my-cancelled = Отменено: ничего не изменилось.

my-token-ask = Отправьте мне новый токен { $bot } от @BotFather. Я сразу удалю ваше сообщение и сохраню токен только в зашифрованном виде. Отправьте /cancel, чтобы отменить.
my-token-not-text = Отправьте токен текстовым сообщением или /cancel.
my-token-invalid = Это не токен бота. Скопируйте его у @BotFather (он выглядит как 123456789:AA…) и попробуйте снова.
my-token-revoked = Telegram не принимает этот токен: он отозван или набран с ошибкой. Получите новый у @BotFather и попробуйте снова.
my-token-unreachable = Не удалось связаться с Telegram, чтобы проверить токен. Ничего не изменилось; попробуйте через несколько минут.
my-token-retry = 🔑 Попробовать снова
my-token-delete-yourself = Не удалось удалить ваше сообщение с токеном. Пожалуйста, удалите его сами.

my-restart-queued = 🔄 Перезапуск { $bot } поставлен в очередь. Я сообщу, когда он завершится.
my-restart-limited = { $bot } только что перезапускали. Перезапустить снова можно через { $minutes } мин.
