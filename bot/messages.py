"""Every word the bot says, in plain business language, about the person's request."""

from __future__ import annotations

# Opening a request
RECEIVED_TITLE = "We've got your request"
RECEIVED_ACK = "Thanks — your request {code} is in. We'll message you here at every step."
EMPTY_REQUEST = (
    "Tell me what you need after /track, for example: `/track My laptop won't connect to VPN`."
)
TOO_LONG = (
    "That's a bit long for one request ({length} characters). Please keep it under {limit} —"
    " a short summary is enough, IT will ask for details."
)

# Looking things up
YOUR_OPEN_TITLE = "Your open requests"
NO_OPEN = "You have no open requests. To ask IT for something, type `/track` and what you need."
NOT_FOUND = "I couldn't find {code} among your requests. Please check the code and try again."
DID_YOU_MEAN = "I couldn't find {typed}. Did you mean {code}?"
NOT_A_CODE = "{typed} doesn't look like a tracking code. Codes look like IT-7K3QX4."
STAFF_QUEUE = "Assigned to you, and waiting to be picked up"

# The tracking card
CARD_TITLE = "{code} · {status}"
FIELD_STATUS = "Status"
FIELD_ASSIGNEE = "Who's on it"
FIELD_USUAL = "Usually sorted within"
UNDER_AN_HOUR = "an hour"
HOURS = "about {n} hours"
DAYS = "about {n} working days"
NOBODY_YET = "Not picked up yet"
TIMELINE_OPENED = "Request received"
TIMELINE_ASSIGNED = "{who} is looking after this"
TIMELINE_STATUS = "Status changed to {status}"
TIMELINE_RESOLVED = "Marked as resolved"
TIMELINE_REOPENED = "Reopened"
AUTO_CLOSED = "Closed {days} days after it was resolved. Not fixed? Reply `/track reopen {code}`."
YOU = "You"
IT_SUPPORT = "IT support"

NEXT_STEP = {
    "received": "Next: someone from IT will pick this up.",
    "assigned": "Next: your technician will start on it.",
    "in_progress": "Next: we'll message you when it's done or if we need you.",
    "waiting_on_you": "Next: we need something from you — see the latest update.",
    "resolved": "Done. If it's not fixed, reply `/track reopen {code}`.",
    "closed": "This request is closed.",
    "reopened": "Next: your technician will pick this up again.",
}

# Notifications
UPDATE_NOTICE_TITLE = "Update on {code}"
STATUS_NOTICE_PLAIN = "{code} is now {status}."
TAKEN_NOTICE = "{code} has been picked up."
NEW_IN_TRIAGE = "New request {code}"
FROM = "From"

# Buttons
TAKE = "Take it"
POST_UPDATE = "Post update"
RESOLVE = "Resolve"
VIEW = "Show"
REOPEN = "Reopen"

# Technician answers
TOOK = "You're now looking after {code}."
ALREADY_YOURS = "{code} is already yours."
UPDATED = "Update posted on {code}. The requester has been told."
RESOLVED_ACK = "{code} is resolved. The requester has been told and asked for a quick rating."
RESOLVED_NO_SURVEY = "{code} is resolved. The requester has been told."
ALREADY_RESOLVED = "{code} is already resolved."
CANT_MOVE = "{code} is {status}, so it can't be set to {new}."
REOPENED_ACK = "{code} is open again. Your technician has been told."
UPDATE_NEEDS_TEXT = (
    "Write a short update for the requester, for example:"
    " `/track update {code} Replacing the charger today`."
)
FORM_TITLE = "Post an update"
FORM_SUBMIT = "Send update"
FORM_TEXT = "What should the requester know?"
FORM_PLACEHOLDER = "Plain words, about their request"
FORM_STATUS = "Change the status"
FORM_EMPTY = "Write an update or pick a new status."
FOLLOWING = "You'll get a message when {code} changes."
NOT_FOLLOWING = "You'll no longer get messages about {code}."
CC_ADDED = "{who} will now get messages about {code}."
CC_NEEDS_PERSON = "Say who to add, for example: `/track cc {code} @Sam`."

# Refusals
NOT_ALLOWED_WORK = (
    "Only the IT support team can do that. Your own requests are always yours to see."
)
NOT_ALLOWED_SUMMARY = "The CX summary is for team leads. Ask your IT lead if you need it."
NOT_ALLOWED_RATE = "Only the person who asked for {code} can rate it."
NOT_ALLOWED_REOPEN = "Only the person who asked for {code}, or IT, can reopen it."
WHO_ARE_YOU = "Sorry, I couldn't tell who sent that, so I didn't do anything."
SOMETHING_WRONG = (
    "Sorry, something went wrong on our side and I couldn't finish that. Please try again in a"
    " minute."
)

# Ratings
RATE_TITLE = "How did we do with {code}?"
RATE_TEXT = "{title}\nOne tap per row. You can change a tap while this card is open."
RATE_THANKS = "Thanks — saved. Your ratings help the IT team know what to keep and what to fix."
RATE_CLOSED = "The rating for {code} has closed. Thanks all the same."
RATE_NOT_OPEN = "{code} isn't ready for a rating yet."
RATE_FALLBACK = "How did we do with {code}? Tap to rate."
YOU_CHOSE = "you chose {score}"

# Summary
SUMMARY_TITLE = "CX summary · last {days} days"
SUMMARY_EMPTY = "No ratings in the last {days} days yet."
SUMMARY_LINE = "{bar}  {average:.1f} / 5 · {count} {ratings}"
SUMMARY_NONE = "no ratings yet"
SUMMARY_FOOTER = "Communication and Approachability come first: they move before the others."
SUMMARY_BAD_PERIOD = (
    "I know these periods: 7d, 30d (the default) and 90d. For example `/cx-summary 7d`."
)

# Help and chat
HELP_TITLE = "How to use /track"
HELP_TEXT = (
    "`/track <what you need>` — ask IT for something\n"
    "`/track` — your open requests\n"
    "`/track IT-7K3QX4` — where a request is\n"
    "`/track reopen IT-7K3QX4` — it's not fixed after all\n"
    'In a message to me, just ask: "where\'s my ticket?" or send a code.'
)
HELP_STAFF = (
    "\nFor IT: `/track update <code> <text>`, `/track resolve <code> [note]`,"
    " `/track take <code>`, `/track follow <code>`, `/track cc <code> @person`."
)
CHAT_HINT = (
    "I can open and track IT requests. Type `track` and what you need, ask \"where's my"
    ' ticket?", or send a tracking code.'
)
