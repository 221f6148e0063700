"""Slack people's names, looked up once and kept in the people directory."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestServer
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.names import Names, name_of
from bot.people import Directory
from storage import people as people_store
from storage.db import Database


def test_the_name_slack_shows_is_the_one_kept() -> None:
    assert name_of({"user": {"name": "ana", "profile": {"display_name": "Ana B"}}}) == "Ana B"
    profile = {"display_name": " ", "real_name": "Ana Bell"}
    assert name_of({"user": {"name": "ana", "profile": profile}}) == "Ana Bell"
    assert name_of({"user": {"name": "ana", "profile": {}}}) == "ana"
    assert name_of({"user": "nope"}) is None and name_of("nope") is None


async def _serve(answer: web.Response) -> tuple[TestServer, list[str]]:
    asked: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        asked.append(request.query.get("user", ""))
        return answer

    app = web.Application()
    app.router.add_route("*", "/api/users.info", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server, asked


async def test_a_name_is_looked_up_once_and_stored(db: Database) -> None:
    body = {"ok": True, "user": {"id": "UANA", "profile": {"display_name": "Ana"}}}
    server, asked = await _serve(web.json_response(body))
    try:
        names = Names(AsyncWebClient(base_url=str(server.make_url("/api/"))), Directory(db))
        assert names.wanted("slack:T1:UANA")
        await names.look_up("slack:T1:UANA", "UANA")
        assert not names.wanted("slack:T1:UANA")
    finally:
        await server.close()
    assert asked == ["UANA"]
    async with db.read() as session:
        assert await people_store.names_of(session=session, identities=["slack:T1:UANA"]) == {
            "slack:T1:UANA": "Ana"
        }


async def test_a_refusal_or_a_broken_answer_leaves_the_name_unknown(db: Database) -> None:
    for answer in (
        web.json_response({"ok": False, "error": "missing_scope"}),
        web.Response(status=405, text="Method Not Allowed"),
    ):
        server, _ = await _serve(answer)
        try:
            names = Names(AsyncWebClient(base_url=str(server.make_url("/api/"))), Directory(db))
            await names.look_up("slack:T1:UBEN", "UBEN")
        finally:
            await server.close()
    async with db.read() as session:
        assert await people_store.names_of(session=session, identities=["slack:T1:UBEN"]) == {}
