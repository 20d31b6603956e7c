"""What the channel adapters say themselves, without asking Rasa (translated in ``locales/``)."""

from __future__ import annotations

from bot.i18n import N_

# Rasa or the action server did not answer: the message is kept and retried.
OUTAGE = N_(
    "Sorry, I cannot answer right now. I have kept your message and will reply as soon as I can."
)
# A contact card that is not the sender's own number (a forwarded contact).
NOT_YOUR_CONTACT = N_(
    "That contact is not your own number, so I cannot use it. Please press the button "
    '"Share my phone number" below to share your own.'
)
SHARE_PHONE_BUTTON = N_("Share my phone number")
# Stickers, voice notes, photos, locations...
UNSUPPORTED_MESSAGE = N_(
    "Sorry, I can only read text messages and button presses. Please type your question."
)
# A button from an old message whose meaning the bot no longer remembers.
STALE_BUTTON = N_('That button has expired. Please type your question, or say "help".')
# The caption of the schedule chart.
CHART_CAPTION = N_("Your repayment schedule: what each payment pays for, and what you still owe.")
# Telegram's command menu (setMyCommands), one description per command.
COMMAND_DESCRIPTIONS = {
    "start": N_("Start talking with Wazi"),
    "help": N_("What Wazi can do for you"),
    "language": N_("Choose your language"),
    "stop": N_("Log out of your loan on this chat"),
}
# WhatsApp: the label of the button that opens a list of more than three choices (20 characters
# at most).
LIST_BUTTON = N_("Choose")
