"""Slack's escaped text and markup become the plain words a person reads, once."""

from __future__ import annotations

import pytest

from adapters.slack.text import decode, message_text


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        ("Q&amp;A room says &lt;paper jam&gt;", "Q&A room says <paper jam>"),
        ("typed &amp;lt; literally", "typed &lt; literally"),
        ("ask <@U0SAM|sam> or <@W0ANA>", "ask @sam or @W0ANA"),
        ("in <#C0IT|it-help> and <#C0OPS|>", "in #it-help and #C0OPS"),
        ("<!here> <!channel> <!everyone>", "@here @channel @everyone"),
        ("cc <!subteam^S0DESK|@it-desk>", "cc @it-desk"),
        ("since <!date^1392734382^{date_short}|Feb 18, 2014>", "since Feb 18, 2014"),
        (
            "see <https://wiki.example/vpn|the VPN page>",
            "see the VPN page (https://wiki.example/vpn)",
        ),
        ("see <https://wiki.example/vpn>", "see https://wiki.example/vpn"),
        ("mail <mailto:it@acme.example|it@acme.example>", "mail it@acme.example"),
        ("no markup at all", "no markup at all"),
        ("", ""),
    ],
)
def test_slack_text_is_decoded_to_plain_words(sent: str, read: str) -> None:
    assert decode(sent) == read


def test_a_message_without_text_is_read_from_its_blocks_then_attachments() -> None:
    blocks = {
        "text": "",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Outage & recovery"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "VPN &gt; down"}},
            {
                "type": "rich_text",
                "elements": [
                    {
                        "type": "rich_text_list",
                        "style": "bullet",
                        "elements": [
                            {
                                "type": "rich_text_section",
                                "elements": [
                                    {"type": "user", "user_id": "U0SAM"},
                                    {"type": "text", "text": " cannot log in "},
                                    {"type": "emoji", "name": "cry"},
                                ],
                            }
                        ],
                    }
                ],
            },
        ],
    }
    assert message_text(blocks) == "Outage & recovery\nVPN > down\n- @U0SAM cannot log in :cry:"
    attachments = {"attachments": [{"fallback": "Build failed &amp; stopped"}]}
    assert message_text(attachments) == "Build failed & stopped"
    assert message_text({"text": "", "blocks": [{"type": "divider"}]}) == ""
    shared = {"text": "", "files": [{"name": "a.png", "permalink": "https://x.example/a.png"}]}
    assert message_text(shared) == "a.png: https://x.example/a.png"
