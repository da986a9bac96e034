buy-closed = Sorry, no plans are on sale right now. Please try again later.
buy-cancel-button = ✖️ Cancel
buy-continue-button = Continue ▶️
buy-use-buttons = Please choose with the buttons of the last message, or send /cancel to stop.
buy-button-outdated = That button is from an earlier step. Please continue with the last message, or send /cancel to stop.
buy-cancelled = The purchase is cancelled. Send /start whenever you want to begin again.
buy-plan-label = { $title } — { $price }/month
buy-choose-plan = Let's set up your multi-bot. First, choose a plan:
buy-plan-chosen = Plan: { $plan }
buy-ask-name = Now choose a name for your bot. It is how we tell your bot apart from others: 3 to 32 characters, lowercase latin letters a-z, digits and "-", starting with a letter and not ending with "-". For example: my-shop
buy-name-send-text = Please send the name as a text message.
buy-name-invalid = That name can't be used. A name has 3 to 32 characters: lowercase latin letters a-z, digits 0-9 and "-"; it starts with a letter and does not end with "-". For example: my-shop
buy-name-taken = The name { $name } is already taken. Please choose another one.
buy-name-taken-meanwhile = Someone else has just taken the name { $name }. Your choices are kept; only the name needs to change.
buy-name-chosen = Name: { $name }
buy-choose-modules = Choose the modules to start with. Your plan allows { $max } modules, the multi-bot included. Press a module to switch it on or off, then "Continue".
buy-module-core-line = { $title } — always included
buy-module-core-always = The multi-bot itself is always included.
buy-module-limit = Your plan allows { $max } modules, the multi-bot included. Switch another module off first.
buy-module-needs = { $module } needs { $missing }. Switch that on first.
buy-module-needed-by = { $module } is needed by { $by }. Switch that off first.
buy-modules-conflict = These modules can't run together: { $problem }
buy-modules-chosen = Modules: { $modules }
buy-ask-token = Last step: your bot's token. Open @BotFather, send /newbot (or pick an existing bot and choose "API Token"), and send me the token here.
    I delete your message at once and keep the token only encrypted.
buy-token-send-text = Please send the token as a plain text message.
buy-token-checking = ⏳ Checking the token…
buy-token-received = Token: received.
buy-token-invalid = ❌ That is not a bot token. A token looks like 123456789:AAE… (digits, a colon, then letters). Please copy it from @BotFather and send it again.
buy-token-revoked = ❌ Telegram does not accept this token: it was revoked or replaced. Get the current one from @BotFather (API Token) and send it again.
buy-token-unreachable = ⚠️ I can't reach Telegram to check the token right now. Please send it again in a minute.
buy-token-error = ⚠️ Something went wrong on our side while checking the token. Nothing was saved; please send it again in a minute.
buy-token-not-deleted = ⚠️ I could not delete your message with the token. Please delete it from this chat yourself.
buy-token-too-early = That looks like a bot token, so I removed it from the chat. I will ask for it in a moment; for now, please answer the question above.
buy-token-ok = ✅ Token accepted: { $bot }. Saving your order…
buy-order-saved = Your order is saved.
    Bot: { $bot }
    Name: { $name }
    Plan: { $plan }
    Modules: { $modules }
buy-creating-payment-link = ⏳ Creating your payment link…
buy-pay-now = Pay for the first month to start your bot. Setup begins as soon as the payment arrives, and I will keep you posted here.
buy-pay-card = 💳 Pay { $price } by card
buy-pay-manual = 🏦 Pay manually
buy-retry-button = 🔄 Try again
buy-payment-link-failed = ⚠️ I could not create a payment link just now. Your order is kept: press "Try again" in a minute.
notify-purchase-paid = ✅ Payment received for { $tenant }. Setting up your bot…
