"""Slack's text formats → the plain text the core holds.

Slack escapes `&`, `<` and `>` in what people type and writes mentions, channels and links
as `<@U…|name>`, `<#C…|name>`, `<!here>` and `<https://…|label>`. The renderer escapes
again on the way out, so whatever reaches the core must be decoded exactly once, here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.people import slack_identity

# Anything between < and >: Slack's escaping guarantees a literal < never appears in text.
_MARKUP = re.compile(r"<([^<>]*)>")
_SPECIAL_WORDS = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}
_LINK_SCHEMES = ("http://", "https://", "mailto:", "tel:", "ftp://", "slack://")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CC = re.compile(r"^\s*(track\s+)?cc\s", re.IGNORECASE)


def _label(target: str, label: str) -> str:
    return label or target


def _markup(found: re.Match[str]) -> str:
    inner = found.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):  # a person: <@U123|sam>
        return "@" + _label(target[1:], label.lstrip("@"))
    if target.startswith("#"):  # a channel: <#C123|general>, or <#C123|> lately
        return "#" + _label(target[1:], label.lstrip("#"))
    if target.startswith("!"):  # <!here>, <!subteam^S1|@it-team>, <!date^…|Feb 18>
        word = target[1:].split("^", 1)[0]
        if label:
            return label if word != "subteam" or label.startswith("@") else "@" + label
        return _SPECIAL_WORDS.get(word, "@" + word)
    if target.lower().startswith(_LINK_SCHEMES):
        shown = target.removeprefix("mailto:").removeprefix("tel:")
        if not label or label in (target, shown):
            return shown
        return f"{label} ({shown})"
    return found.group(0)


def unescape(text: str) -> str:
    """`&lt;` `&gt;` `&amp;`, the only entities Slack writes; `&amp;` last, so `&amp;lt;`
    (someone typing `&lt;`) stays `&lt;`."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def decode(text: str) -> str:
    """Slack-formatted text as a person reads it: `Q&amp;A <@U1|sam>` → `Q&A @sam`."""
    return unescape(_MARKUP.sub(_markup, text or ""))


# --- people named in text --------------------------------------------------------------------


def mentions_to_identities(text: str, organisation: str) -> str:
    """`<@U123|sam>` → `@slack:E1:U123`, the neutral way to name a person."""
    return _MENTION.sub(lambda found: "@" + slack_identity(organisation, found.group(1)), text)


def cc_to_identities(text: str, organisation: str) -> str:
    """People named in a `cc` are people for the core to copy in: they stay identities.
    Anywhere else a mention is just words, decoded later to the name shown."""
    return mentions_to_identities(text, organisation) if _CC.match(text) else text


# --- a message's words, wherever Slack put them ------------------------------------------


def _rich_text(elements: Iterable[Any]) -> str:
    """A rich_text block's elements (already unescaped, unlike mrkdwn) as plain text."""
    parts: list[str] = []
    for element in elements:
        if not isinstance(element, dict):
            continue
        kind = element.get("type")
        if kind in ("rich_text_section", "rich_text_quote", "rich_text_preformatted"):
            parts.append(_rich_text(element.get("elements") or []))
            parts.append("\n")
        elif kind == "rich_text_list":
            for item in element.get("elements") or []:
                if isinstance(item, dict):
                    parts.append("- " + _rich_text(item.get("elements") or []).strip() + "\n")
        elif kind == "text":
            parts.append(str(element.get("text") or ""))
        elif kind == "link":
            url, label = str(element.get("url") or ""), str(element.get("text") or "")
            parts.append(f"{label} ({url})" if label and label != url else url)
        elif kind == "user":
            parts.append("@" + str(element.get("user_id") or "someone"))
        elif kind == "usergroup":
            parts.append("@" + str(element.get("usergroup_id") or "group"))
        elif kind == "channel":
            parts.append("#" + str(element.get("channel_id") or "channel"))
        elif kind == "broadcast":
            parts.append("@" + str(element.get("range") or "here"))
        elif kind == "emoji":
            parts.append(f":{element.get('name', '')}:")
        elif kind == "date":
            parts.append(str(element.get("fallback") or ""))
    return "".join(parts)


def _text_object(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    text = str(value.get("text") or "")
    return decode(text) if value.get("type") == "mrkdwn" else text


def _block_text(block: Any) -> str:
    if not isinstance(block, dict):
        return ""
    kind = block.get("type")
    if kind == "rich_text":
        return _rich_text(block.get("elements") or [])
    if kind in ("section", "header"):
        fields = [_text_object(f) for f in block.get("fields") or []]
        return "\n".join(t for t in [_text_object(block.get("text")), *fields] if t)
    if kind == "context":
        return " ".join(t for t in (_text_object(e) for e in block.get("elements") or []) if t)
    return ""


def _attachment_text(attachment: Any) -> str:
    if not isinstance(attachment, dict):
        return ""
    parts = [decode(str(attachment.get(key) or "")) for key in ("pretext", "title", "text")]
    parts += [_block_text(block) for block in attachment.get("blocks") or []]
    found = "\n".join(p.strip() for p in parts if p.strip())
    return found or decode(str(attachment.get("fallback") or ""))


def file_links(files: Any) -> str:
    """`name: permalink` for each file shared with a message, one a line."""
    lines = []
    for file in files if isinstance(files, list) else []:
        if isinstance(file, dict) and (file.get("permalink") or file.get("url_private")):
            name = str(file.get("title") or file.get("name") or "file")
            lines.append(f"{name}: {file.get('permalink') or file.get('url_private')}")
    return "\n".join(lines)


def message_text(message: dict[str, Any]) -> str:
    """A message's words: its text, else its blocks, else its attachments; plus its files.

    Empty when the message holds nothing a person could read as a request.
    """
    text = decode(str(message.get("text") or "")).strip()
    if not text:
        blocks = message.get("blocks")
        text = "\n".join(_block_text(b) for b in blocks if b) if isinstance(blocks, list) else ""
        text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if not text:
        attachments = message.get("attachments")
        if isinstance(attachments, list):
            text = "\n".join(t for t in (_attachment_text(a) for a in attachments) if t).strip()
    files = file_links(message.get("files"))
    return f"{text}\n{files}".strip() if files else text
