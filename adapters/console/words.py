"""What the console itself says (the bot's own words are in bot/messages.py)."""

from __future__ import annotations

WELCOME = (
    "cxbot — you are {name}.\n"
    "Type /track and what you need, /track on its own, a tracking code, or just ask."
    " Leads: /cx-summary [7d|30d|90d|quarter] [@name]. Technicians: /cx-me.\n"
    "{tap_hint}\n"
    "/as <name> to become someone else (e.g. /as kim), /quit or Ctrl-C to leave.\n"
    "Roles go by identity, and a name here is console:local:<name>. To act as IT, run in"
    " another terminal: cxbot roles grant technician {identity}"
)
TAP_HINT = (
    "To tap a button, type what is in its brackets, e.g. 2a. To rate, type a row's letter"
    " and your score: q4 gives Quality a 4."
)
NO_SUCH_TAP = "There is no {typed} on screen for you. {tap_hint}"
NUMBER_ALONE = "A number alone taps nothing here. {tap_hint}"
NOW_YOU_ARE = "You are now {name}."
YOU_ARE = "You are {name}. Type /as <name> to become someone else."
NOT_A_PERSON = (
    "That isn't a name or an identity I know. Try a name, e.g. /as kim, or an identity,"
    " e.g. /as slack:T1:U2."
)
GOODBYE = "Goodbye."
SORRY = "Sorry, something went wrong on our side. Please try again."

TO_YOU = "message to you"
TO_TEAM = "team channel"
FOR_SOMEONE = "(message for {name}: {summary})"
RATE_HINT = (
    "Type a row's letter and your score to rate: {example} gives {label} a {score}."
    " ({number}{example} taps this card.)"
)
CHOSEN = "(you chose {score})"
UPDATED = "({subject} updated: {changes})"
RATING_CARD = "{code} rating card"
CARD = "{code} card"
SOME_CARD = "a card"
CHANGED = "changed"
RATING_CLOSED = "rating closed"
NO_CHANGE_CHOICE = "(Enter for no change)"
