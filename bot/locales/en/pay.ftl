pay-manual-purchase = 🏦 Manual payment for your new bot { $tenant }: { $amount } for the first month.
    { $instructions }
    When you have paid, send me a photo of the receipt, or the payment reference as text (up to { $max } characters). An admin checks it and I tell you the outcome.
pay-manual-renewal = 🏦 Manual payment to renew { $tenant }: { $amount } for one month.
    { $instructions }
    When you have paid, send me a photo of the receipt, or the payment reference as text (up to { $max } characters). An admin checks it and I tell you the outcome.
pay-no-instructions = Ask the support for the payment details.
pay-cancel-button = ✖️ Cancel
pay-cancelled = Manual payment cancelled. Nothing was sent to the admins.
pay-button-outdated = That button is out of date. Please send the proof of payment, or /cancel.
pay-proof-expected = Please send a photo of the receipt, or the payment reference as text.
pay-reference-too-long = That reference is too long: at most { $max } characters, please.
pay-proof-received = ✅ Thank you! Your proof of payment for { $tenant } is with the admins. I will tell you as soon as it is checked.
pay-already-waiting = A proof of payment for { $tenant } is already waiting for review. I will tell you as soon as an admin has checked it.
pay-already-bought = { $tenant } is already paid for. I will keep you posted about its setup here.
pay-not-found = I can't find that order or bot among yours. Send /start for a fresh menu.
pay-manual-disabled = Manual payments are not available right now.
