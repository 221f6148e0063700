"""People in the console: plain names in, names out, identities only for the core."""

from __future__ import annotations

from adapters.console.people import identity_of, mentions_as_identities, name_of, names_in
from adapters.console.render import clean


def test_a_name_is_a_console_identity_and_an_identity_stays_one() -> None:
    assert identity_of("sam") == "console:local:sam"
    assert identity_of("Sam.Smith") == "console:local:sam.smith"
    assert identity_of("slack:T1:U2") == "slack:T1:U2"
    assert identity_of("sam smith") is None
    assert identity_of("") is None
    assert identity_of("sam!") is None


def test_people_are_shown_by_name_never_by_identity() -> None:
    assert name_of("console:local:sam") == "sam"
    assert name_of("slack:T1:U0SAM") == "U0SAM (Slack)"
    assert name_of("teams:tenant:abc") == "abc (Teams)"
    assert names_in("slack:T1:U0SAM and console:local:kim") == "U0SAM (Slack) and kim"


def test_at_names_after_cc_become_identities_for_the_desk() -> None:
    typed = " cc IT-7K3QX4 @Sam, @slack:T1:U3 and @kim."
    assert mentions_as_identities(typed) == (
        "cc IT-7K3QX4 @console:local:sam, @slack:T1:U3 and @console:local:kim."
    )
    # Anywhere else an @ is just part of what the person wrote.
    assert mentions_as_identities("The printer by @sam's desk") == "The printer by @sam's desk"


def test_control_characters_never_reach_the_terminal() -> None:
    assert clean("a stray tick\x1b[31m") == "a stray tick[31m"
