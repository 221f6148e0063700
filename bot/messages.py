"""Every word the bot says, in plain business language, about the person's request."""

from __future__ import annotations

from bot.views import command as c

# Every word here is plain text. A command a person can type is marked with c(...) and
# written as typed in a chat with the bot (track reopen IT-7K3QX4); how it looks is up to each
# renderer.

# Opening a request
RECEIVED_TITLE = "We've got your request"
RECEIVED_ACK = "Thanks — your request {code} is in. We'll message you here at every step."
EMPTY_REQUEST = (
    "Tell me what you need, for example: " + c("track My laptop won't connect to VPN") + "."
)
TOO_LONG = (
    "That's a bit long for one request ({length} characters). Please keep it under {limit} —"
    " a short summary is enough, IT will ask for details."
)

# Looking things up
YOUR_OPEN_TITLE = "Your open requests"
NO_OPEN = (
    "You have no open requests. To ask IT for something, type " + c("track") + " and what you need."
)
STAFF_LISTS_TITLE = "Open requests"
NOTHING_OPEN = "Nothing open: no requests of yours, none assigned to you, none waiting."
# One list per kind, under its own title; each pages by its word: track waiting 2.
LIST_OWN = "Your own requests"
LIST_ASSIGNED = "Assigned to you"
LIST_WAITING = "Waiting to be picked up"
LIST_MORE = "…and {more} more. Next {size}: " + c("track {word} {page}")
LIST_PAGE_TITLE = "{title} · {first}–{last} of {total}"
LIST_NONE = "Nothing in this list right now."
LIST_PAGE_EMPTY = (
    "There's no page {page}: that list is shorter. Type " + c("track") + " to start again."
)
NOT_FOUND = "I couldn't find {code} among your requests. Please check the code and try again."
DID_YOU_MEAN = "I couldn't find {typed}. Did you mean {code}?"
NOT_A_CODE = "{typed} doesn't look like a tracking code. Codes look like IT-7K3QX4."

# The tracking card
CARD_TITLE = "{code} · {status}"
FIELD_STATUS = "Status"
FIELD_ASSIGNEE = "Who's on it"
FIELD_USUAL = "Usually sorted within"
UNDER_AN_HOUR = "an hour"
HOURS = "about {n} hours"
# Calendar days (weekends included), the way the time is measured.
DAYS = "about {n} days"
NOBODY_YET = "Not picked up yet"
TIMELINE_OPENED = "Request received"
TIMELINE_ASSIGNED = "Picked this up"
TIMELINE_STATUS = "Status changed to {status}"
TIMELINE_REOPENED = "Reopened"
AUTO_CLOSED = (
    "Closed {days} days after it was resolved. Not fixed? Reply " + c("track reopen {code}") + "."
)
YOU = "You"
IT_SUPPORT = "IT support"
REQUESTER = "Requester"

NEXT_STEP = {
    "received": "Next: someone from IT will pick this up.",
    "assigned": "Next: your technician will start on it.",
    "in_progress": "Next: we'll message you when it's done or if we need you.",
    "waiting_on_you": "Next: we need something from you — see the latest update.",
    "resolved": "Done. If it's not fixed, reply " + c("track reopen {code}") + ".",
    "closed": "This request is closed.",
    "reopened": "Next: your technician will pick this up again.",
}

# Notifications
UPDATE_NOTICE_TITLE = "Update on {code}"
STATUS_NOTICE_PLAIN = "{code} is now {status}."
TAKEN_NOTICE = "{code} has been picked up."
NOTICE_PLAIN = "Update on {code}: {text}"
STATUS_NOTICE_WITH_TEXT = "{code} is now {status}: {text}"
NEW_IN_TRIAGE = "New request {code}"
# The one line a notification shows for a card: {where} is the card's title.
WITH_TITLE_PLAIN = "{where}: {title}"
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
    "Write a short update for the requester, for example: "
    + c("track update {code} Replacing the charger today")
    + "."
)
FORM_TITLE = "Post an update"
FORM_SUBMIT = "Send update"
FORM_TEXT = "What should the requester know?"
FORM_PLACEHOLDER = "Plain words, about their request"
FORM_STATUS = "Change the status"
FORM_EMPTY = "Write an update or pick a new status."
FOLLOWING = "You'll get a message when {code} changes."
NOT_FOLLOWING = "You'll no longer get messages about {code}."
CC_ADDED = "They'll get a message whenever {code} changes."
CC_ADDED_PLAIN = "{count} will now get messages about {code}."
CC_ONE = "1 person"
CC_MANY = "{n} people"
CC_FIELD = "Kept in the loop"
CC_NEEDS_PERSON = "Say who to add, for example: " + c("track cc {code} @Sam") + "."
# Someone added to a request whose name is not known yet.
A_COLLEAGUE = "A colleague"

# Refusals
NOT_ALLOWED_WORK = (
    "Only the IT support team can do that. Your own requests are always yours to see."
)
NOT_ALLOWED_SUMMARY = "The CX summary is for team leads. Ask your IT lead if you need it."
NOT_ALLOWED_RATE = "Only the person who asked for {code} can rate it."
NOT_ALLOWED_REOPEN = "Only the person who asked for {code}, or IT, can reopen it."
NOT_ALLOWED_CC = "Only the person who asked for {code}, or IT, can add people to it."
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
# Beside a rating row once a score is tapped.
YOU_CHOSE = "you chose {score}"

# Summary
SUMMARY_TITLE = "CX summary · last {days} days"
SUMMARY_EMPTY = "No ratings in the last {days} days yet."
SUMMARY_LINE = "{bar}  {average:.1f} / 5 · {count} {ratings}"
SUMMARY_NONE = "no ratings yet"
SUMMARY_FOOTER = "Communication and Approachability come first: they move before the others."
SUMMARY_BAD_PERIOD = (
    "I know these periods: 7d, 30d (the default) and 90d. For example " + c("cx-summary 7d") + "."
)

# Help and chat
HELP_TITLE = "How to track IT requests"
HELP_TEXT = (
    c("track <what you need>")
    + " — ask IT for something\n"
    + c("track")
    + " — your open requests\n"
    + c("track IT-7K3QX4")
    + " — where a request is\n"
    + c("track reopen IT-7K3QX4")
    + " — it's not fixed after all\n"
    + c("track cc IT-7K3QX4 @Sam")
    + " — keep a colleague in the loop\n"
    'In a message to me, just ask: "where\'s my ticket?" or send a code.'
)
HELP_STAFF = (
    "\nFor IT: "
    + c("track update <code> <text>")
    + ", "
    + c("track resolve <code> [note]")
    + ", "
    + c("track take <code>")
    + ", "
    + c("track follow <code>")
    + ", "
    + c("track unfollow <code>")
    + "; lists: "
    + c("track mine")
    + ", "
    + c("track assigned")
    + ", "
    + c("track waiting")
    + ", each with a page number."
)
# A command word typed without what it needs: its usage line, with an example.
WORD_HELP = {
    "update": "To post an update: " + c("track update IT-7K3QX4 Replacing the charger today") + ".",
    "resolve": "To resolve a request: "
    + c("track resolve IT-7K3QX4 New charger fitted")
    + " (the note is optional).",
    "take": "To pick a request up: " + c("track take IT-7K3QX4") + ".",
    "reopen": "If a request isn't fixed after all: "
    + c("track reopen IT-7K3QX4 Still no sound")
    + " (the note is optional).",
    "follow": "To get a message whenever a request changes: " + c("track follow IT-7K3QX4") + ".",
    "unfollow": "To stop getting messages about a request: " + c("track unfollow IT-7K3QX4") + ".",
    "cc": "To keep a colleague in the loop on a request: " + c("track cc IT-7K3QX4 @Sam") + ".",
}
CHAT_HINT = (
    "I can open and track IT requests. Type " + c("track") + " and what you need, ask"
    ' "where\'s my ticket?", or send a tracking code.'
)

# Answers to what a platform sent
ALREADY_GOT_THAT = "I've already got that one, so I haven't done it again."
STILL_WORKING = "Got it. This is taking a little longer than usual; the answer will follow here."
NOTHING_TO_TRACK = (
    "That message has no text I can turn into a request. Use " + c("track") + " and a few words"
    " about what you need instead."
)
RATING_UNKNOWN = "That rating isn't one I know. Please tap one of the buttons on the rating card."

# Statuses, as people read them
STATUS_LABELS = {
    "received": "Received",
    "assigned": "Assigned",
    "in_progress": "In progress",
    "waiting_on_you": "Waiting on you",
    "resolved": "Resolved",
    "closed": "Closed",
    "reopened": "Reopened",
}

# Parts of cards every platform shows
EARLIER_NOT_SHOWN = "{n} earlier updates not shown"
AND_MORE = "…and {n} more"
CANCEL = "Cancel"
# A button already chosen, where a platform cannot show it any other way.
CHOSEN_MARK = "✓ {label}"
RATING_ONE = "rating"
RATING_MANY = "ratings"

# Teams
TEAMS_WELCOME_TITLE = "Hi, I'm here to help with IT requests"
TEAMS_WELCOME = (
    "Tell me what you need and I'll open a request and message you at every step. Type "
    + c("track")
    + ' and what you need, ask "where\'s my ticket?", or type '
    + c("help")
    + "."
)
FORM_IN_CHAT = "To post an update, type " + c("track update <code> <what changed>") + "."
TAP_NOT_UNDERSTOOD = "Sorry, I couldn't read that tap. Please try again, or type " + c("help") + "."
UNREACHABLE = (
    "I couldn't message {name} about {code}: they have blocked or removed the app. Please"
    " reach them another way."
)
# What Teams shows about the app, in its store page and command menu ({name}: the app's).
TEAMS_APP = {
    "full_name": "{name}: IT requests tracked like parcels",
    "short_description": "Ask IT for help, follow your request like a parcel, rate it in one tap.",
    "full_description": (
        "Tell IT what you need in one message and get a tracking code, like a parcel."
        " You hear about every change to your request without chasing anyone, and when the"
        " work is done you rate it in one tap: quality, speed, technical knowledge,"
        " approachability and communication. Team leads see how IT is doing, and IT picks up"
        " new requests in their own channel."
    ),
    "track": "Ask IT for something, or see where your requests are: track My laptop won't start",
    "track_team": "See where a request is: track IT-7K3QX4",
    "cx-summary": "For team leads: how IT is doing, from people's ratings",
    "help": "What I can do and how to ask",
}


# --- A picture (the summary's chart) ---
CHART_TITLE = "Ratings by week"
CHART_ALT = (
    "Chart of the average rating each week for {dimensions}: {weeks} {week_word}"
    " from {first} to {last}"
)
CHART_ALT_EMPTY = "Chart of the average rating each week for {dimensions}: no weeks yet"
CHART_WEEK = "week"
CHART_WEEKS = "weeks"
CHART_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # fmt: skip
# Teams, when the chart cannot travel with the card.
CHART_LEFT_OUT = "The chart is left out here: it is too big to send in a chat message."
# Slack: the chart of a /cx-summary answer arrives in the lead's direct messages.
CHART_FOR_SUMMARY = "The chart for the summary you asked for."
# The console cannot show pictures.
CHART_IN_WORDS = "({alt})"
