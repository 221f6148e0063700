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
NOT_ALLOWED_MINE = "Your own ratings are for IT staff who work on requests."
NOT_ALLOWED_FOLLOW_UP = "Follow-ups are for IT team leads."
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
# On the rating card once it takes no more taps.
SURVEY_CLOSED = "The rating for {code} has closed."
RATE_CLOSED = SURVEY_CLOSED + " Thanks all the same."
SURVEY_CANCELLED = "This request was reopened, so there's nothing to rate yet."
# The one reminder, halfway through, to someone who has not tapped at all.
SURVEY_REMINDER = (
    "A quick tap helps: how did we do with {code}, {title}? Your rating card is a little"
    " higher up in this chat, open until {until}."
)
RATE_NOT_OPEN = "{code} isn't ready for a rating yet."
RATE_FALLBACK = "How did we do with {code}? Tap to rate."
# Beside a rating row once a score is tapped.
YOU_CHOSE = "you chose {score}"

# A comment and anonymity, on the rating card
COMMENT_BUTTON = "Add a comment"
COMMENT_CHANGE = "Change your comment"
COMMENT_FORM_TITLE = "Add a comment"
COMMENT_FORM_SUBMIT = "Save comment"
COMMENT_FORM_TEXT = "Anything you'd like the IT team to know?"
COMMENT_FORM_PLACEHOLDER = "What went well, or what could have gone better"
COMMENT_FIELD = "Your comment"
COMMENT_SAVED = "Thanks — your comment on {code} is saved."
COMMENT_EMPTY = "Write a few words first, then save."
COMMENT_TOO_LONG = "That comment is a bit long ({length} characters). Please keep it under {limit}."
ANONYMOUS_BUTTON = "Keep my feedback anonymous"
ANONYMOUS_FIELD = "Your name"
ANONYMOUS_ON = "Hidden: IT leads see your ratings and comment without your name"
ANONYMOUS_OFF = "Shown to IT leads, so they can follow up with you"

# The quarterly pulse: one card about IT overall, to everyone who asked IT for something
PULSE_TITLE = "How is IT doing for you?"
PULSE_TEXT = (
    "Once a quarter we ask everyone who asked IT for help in the last three months."
    " Think of IT overall, not one request. One tap per row; you can change a tap for"
    " {days} days."
)
PULSE_ANONYMOUS = "Anonymous: IT sees the scores, never who gave them."
PULSE_THANKS = "Thanks — saved, anonymously. It helps IT know what to keep and what to fix."
PULSE_FALLBACK = "How is IT doing for you? Five quick taps, anonymous."

PULSE_QUESTIONS = {
    "communication": "Does IT keep you in the loop?",
    "approachability": "Is it easy to ask IT for help?",
    "speed": "Do things get done quickly enough?",
    "knowledge": "Does IT know its stuff?",
    "quality": "Do the fixes do what you need?",
}

PULSE_UNKNOWN = "That answer isn't one I know. Please tap one of the buttons on the card."
PULSE_NOT_YOURS = "These questions were sent to someone else, so I can't take your tap."
PULSE_CLOSED = "This quarter's questions have closed. Thanks all the same."

# The summary leads read (/cx-summary): its period and who it is about
PERIOD_LAST_DAYS = "last {days} days"
PERIOD_QUARTER = "Q{number} {year} so far"
PERIOD_RANGE = "{first} to {last}"
PERIOD_PREVIOUS = "the period before"
_PERIOD_FORMS = (
    "7d, 30d (the default), 90d, quarter (this quarter so far) or two dates like"
    " 2026-01-01..2026-03-31. For example " + c("cx-summary 90d") + "."
)
PERIOD_UNKNOWN = "I know these periods: " + _PERIOD_FORMS
PERIOD_BAD_DATE = "One of those dates doesn't exist. Periods I know: " + _PERIOD_FORMS
PERIOD_BACKWARDS = (
    "The first date comes after the second. For example "
    + c("cx-summary 2026-01-01..2026-03-31")
    + "."
)
PERIOD_TOO_LONG = (
    "That period is over three years long. Please pick a shorter one, for example "
    + c("cx-summary 2026-01-01..2026-12-31")
    + "."
)
SCOPE_SOMEONE = "a technician"
SCOPE_UNKNOWN = (
    "I don't know a period or a technician called “{words}”. Try "
    + c("cx-summary 30d")
    + ", "
    + c("cx-summary 30d team")
    + " or "
    + c("cx-summary 30d @name")
    + ". Periods: "
    + _PERIOD_FORMS
)
SCOPE_AMBIGUOUS = (
    "More than one technician goes by “{words}”: {names}. Please mention the one you mean,"
    " for example " + c("cx-summary 30d @name") + "."
)
SCOPE_TOO_FEW = (
    "{name} has {rated} in this period. One person's figures show from"
    " {least}, so nobody can tell who gave which rating."
)

# The summary: each dimension, and what to work on first
RATED_ONE = "1 rated request"
RATED_MANY = "{n} rated requests"
SUMMARY_TITLE_TEAM = "CX summary · {period}"
SUMMARY_TITLE_ONE = "CX summary · {name} · {period}"
SUMMARY_LINE = "{bar}  {average:.1f} / 5 · {count} {ratings}"
NO_RATINGS = "no ratings yet"
SUMMARY_SPREAD = "scores 1 to 5: {counts}"
SUMMARY_FOOTER = "Communication and Approachability come first: they move before the others."
CHANGE_NONE = "nothing to compare with in the period before"
CHANGE_SAME = "no change (was {before:.1f})"
CHANGE_UP = "▲ {delta:.1f} (was {before:.1f})"
CHANGE_DOWN = "▼ {delta:.1f} (was {before:.1f})"
FOCUS_NONE = "No ratings in this period ({period}) yet: nothing to read here."
FOCUS_FEW = "Few answers ({rated}): ask more people before reading much into this."
FOCUS_DROP = "Work on {label} first: it fell by {delta:.1f} since the period before."
FOCUS_UPDATES = (
    "Post an update every working day: requests that had one rated Speed {regular:.1f},"
    " the others {irregular:.1f}."
)
FOCUS_LEADING = (
    "Work on {label} first: at {average:.1f} it is the lower of the two that move first."
)
FOCUS_LOWEST = "Work on {label} first: at {average:.1f} it is the lowest this period."
FOCUS_ALL_GOOD = "All five are at 4 or above: keep doing what works."

# The summary: response rate, measured times, technicians, pulse, follow-ups, comments
SUMMARY_RESPONSES = "Response rate"
RESPONSES_LINE = "{answered} of {sent} rating cards answered ({rate:.0%})"
RESPONSES_NONE = "No rating cards went out in this period"
RESPONSES_NOT_ASKED = (
    "Not asked: {fatigue} (asked recently, to avoid asking too often) · {sampled} (left out"
    " by sampling)"
)
SUMMARY_MEASURED = "Measured times"
MEASURED_NONE = "No requests resolved in this period"
MEASURED_FIRST = "First response: {time} (median)"
MEASURED_RESOLVE = "Time to resolve: {time} (median)"
MEASURED_REGULAR = "Updated every working day: {regular} of {resolved} requests ({share:.0%})"
MEASURED_SPEED = "Speed with daily updates: {regular} · without: {irregular}"
DURATION_NONE = "none yet"
SUMMARY_MINUTES = "{n} min"
SUMMARY_HOURS = "{n:.1f} hours"
SUMMARY_DAYS = "{n:.1f} days"
SUMMARY_TECHNICIANS = "By technician"
TECHNICIANS_HEAD = "Communication · Approachability · Speed · Technical knowledge · Quality"
TECHNICIANS_HIDDEN_ONE = "1 more technician has fewer than {least} rated requests: not shown"
TECHNICIANS_HIDDEN = "{n} more technicians have fewer than {least} rated requests: not shown"
TECHNICIANS_NONE = "No technician has ratings in this period"
AVERAGE = "{average:.1f} ({count})"
SUMMARY_PULSE = "Quarterly pulse (IT overall, asked apart from requests)"
PULSE_HEAD = "Q{number} {year}, {answers} answers"
FOLLOW_UPS_TITLE = "Open follow-ups: {n}"
FOLLOWUP_AGE = "open {days} days"
FOLLOWUP_AGE_ONE = "open 1 day"
FOLLOWUP_AGE_TODAY = "opened today"
COMMENTS_TITLE = "Latest comments"
COMMENTS_MINE = "Comments on your requests"
COMMENT_QUOTE = "“{text}”"
COMMENT_ANONYMOUS = "anonymous"
COMMENT_SOMEONE = "a requester"

# A technician's own ratings (/cx-me)
MINE_USAGE = "To see your own ratings: " + c("cx-me") + " or " + c("cx-me 90d") + "."
MINE_TITLE = "Your ratings · {period}"
MINE_TEXT = "Your averages beside the whole team's."
MINE_TOO_FEW = (
    "You have {rated} in this period; your own averages show from {least},"
    " so nobody can tell who gave which rating. The team's are below."
)
MINE_LINE = "You: {average:.1f} ({count}) · team: {team}"
MINE_TEAM_ONLY = "Team: {team}"

# The summary's chart
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

# Follow-ups: the card each lead gets about a low rating
FOLLOWUP_TITLE = "Low rating on {code}"
FOLLOWUP_TITLE_ANONYMOUS = "Low rating · anonymous feedback #{number}"
FOLLOWUP_ANONYMOUS_TEXT = (
    "This person asked to stay anonymous, so their name and their request are not shown."
    " You can still write to them: tap I'll reach out and the bot passes your message on."
)
FOLLOWUP_FALLBACK = "{title}: {scores}"
FOLLOWUP_FROM = "Rated by"
FOLLOWUP_WORKED_BY = "Worked on by"
FOLLOWUP_SCORES = "Scores"
# A dimension's score as leads read it: "Speed 1".
SCORE = "{label} {score}"
FOLLOWUP_COMMENT = "Comment"
FOLLOWUP_STATE = "Follow-up"
FOLLOWUP_OPEN = "Open: nobody has reached out yet"
FOLLOWUP_REACHING = "Reaching out"
FOLLOWUP_RESOLVED_BY = "Resolved by"
FOLLOWUP_NOTE = "Note"
FOLLOWUP_A_LEAD = "An IT lead"
FOLLOWUP_FOOTER = "A low rating is treated as an incident: reach out, then mark it resolved."
REACH_OUT = "I'll reach out"
FOLLOWUP_RESOLVE = "Resolved"

# Follow-ups: what the lead is told after a tap or a form
REACH_OUT_ACK = "You're down as reaching out on {code}. The other leads can see it."
REACH_OUT_ACK_ANONYMOUS = "Your message is on its way. You'll not be told who it went to."
FOLLOWUP_RESOLVED_ACK = "Follow-up on {what} marked resolved."
FOLLOWUP_ALREADY_RESOLVED = "That follow-up was already resolved."
FOLLOWUP_UNKNOWN = "I couldn't find that follow-up. It may have been removed."

# Follow-ups: the lead's forms
RESOLVE_FORM_TITLE = "Resolve follow-up"
RESOLVE_FORM_SUBMIT = "Mark resolved"
RESOLVE_FORM_TEXT = "What was done? (a short note for the other leads)"
RESOLVE_FORM_PLACEHOLDER = "e.g. Called them, apologised, fixed the charger policy"
MESSAGE_FORM_TITLE = "Write to them"
MESSAGE_FORM_SUBMIT = "Send"
MESSAGE_FORM_TEXT = "Your message (the bot sends it; you won't see who gets it)"
MESSAGE_FORM_PLACEHOLDER = "e.g. Sorry this took so long. What would have helped?"
MESSAGE_EMPTY = "Write a message first, then send."

# Follow-ups: a lead's message, passed on to a person who rated anonymously
LEAD_MESSAGE_TITLE = "A message about your feedback on {code}"
LEAD_MESSAGE_FROM = "From"
LEAD_MESSAGE_FOOTER = (
    "You kept your feedback anonymous, so {name} doesn't know who you are. To answer, write"
    " to {name} directly — that tells them it's you. Or leave it here; that's fine too."
)

# Follow-ups still open, as a list (App Home, the follow-ups word, the daily reminder)
FOLLOWUPS_TITLE = "Follow-ups still open"
FOLLOWUPS_NONE = "No follow-ups open"
FOLLOWUPS_ANONYMOUS_ITEM = "anonymous feedback"
FOLLOWUPS_LOWEST = "{title} · lowest: {scores}"
FOLLOWUPS_STATE_OPEN = "Open"
FOLLOWUPS_STATE_REACHING = "{name} is reaching out"
FOLLOWUPS_REMINDER_TITLE = "Reminder: follow-ups still open"
FOLLOWUPS_REMINDER_FOOTER = "Each one's card, with its buttons, is further up in this chat."

# The daily digest of low scores, to leads ({day}: "Thursday 3 December")
LOW_SCORES_TITLE = "Low scores from {day}"
LOW_SCORES_TEXT = (
    "{count} {requests} got a 1 or a 2 on {day}. Each is someone who had a bad time:"
    " reach out while it is fresh."
)
LOW_SCORE_FROM = "From {name}"
LOW_SCORE_ANONYMOUS = "They asked to keep their feedback anonymous."
LOW_SCORES_MORE = "…and {count} more. See them all with " + c("cx-summary 7d") + "."
LOW_SCORES_FOOTER = "Sent each morning when the day before brought low scores."

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
HELP_MINE = " Your own ratings: " + c("cx-me [7d|30d|90d|quarter]") + "."
HELP_LEAD = (
    "\nFor team leads: "
    + c("cx-summary [7d|30d|90d|quarter|2026-01-01..2026-03-31] [@technician]")
    + " — how IT is doing; "
    + c("follow-ups")
    + " in a message to me — low ratings waiting for someone to reach out."
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
REQUEST_ONE = "request"
REQUEST_MANY = "requests"

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
    "cx-me": "For IT staff: your own ratings beside the team's",
    "follow-ups": "For team leads: low ratings waiting for a follow-up",
    "help": "What I can do and how to ask",
}

# --- Teams activities as Teams sends them (issue 10, R2) ---
TEAMS_SENT_PRIVATELY = "I've sent that to you in our chat, so only you see it."

# --- The CX features as Slack sends them (issue 10, R1) ---
FORM_NOT_OPENED = "Sorry, that took a moment too long to open. Please tap the button again."
FORM_CLOSE = "Close"
