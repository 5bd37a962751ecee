"""The nominations story drawn by both renderers: Block Kit and Adaptive Cards within their
limits, member text (a statement, a name) inert, the certificate link a URL button."""

from __future__ import annotations

import json

from adapters.slack.modals import render_modal
from adapters.slack.render import render_message
from adapters.teams.cards import form_card, message_cards
from bot.harness import Harness
from bot.ui import Message
from tests.nominations_network import network, nominate, open_drive, outbox
from tests.slack_fakes import check_blocks, check_modal
from tests.test_nominations_review import INTO_REVIEW, score

NASTY = "<!channel> *bold* [link](http://evil.example) <@U999>"


def drawn_everywhere(message: Message) -> str:
    slack = render_message(message)
    check_blocks(slack["blocks"])
    cards = message_cards(message)
    assert cards
    text = json.dumps([slack, cards], ensure_ascii=False)
    assert "<!channel>" not in json.dumps(slack) and "<@U999>" not in json.dumps(slack)
    return text


async def test_every_nominations_message_draws_on_slack_and_teams(harness: Harness) -> None:
    await network(harness)
    drive = await open_drive(harness)
    [announcement] = (await outbox(harness, "nominate.announce:"))[:1]
    assert "Nominate a colleague" in drawn_everywhere(Message.model_validate(announcement.payload))

    listing = await harness.say("sam", "nominate")
    opened = await harness.press("sam", listing.button("Nominate"))
    assert opened.form is not None
    view = render_modal(opened.form, {})
    check_modal(view)
    statement = next(b for b in view["blocks"] if b.get("block_id") == "statement")
    assert statement["element"]["max_length"] == 3000
    assert "0 of 50 words" in statement["hint"]["text"]
    assert "0 of 50 words" in json.dumps(form_card(opened.form))

    over = await nominate(harness, "sam", "Ada Lovelace", " ".join(["word"] * 60))
    assert over.form is not None
    card = json.dumps(form_card(over.form))
    assert "60 words and the limit is 50" in card  # the count beside the kept draft

    await nominate(harness, "sam", "Ada Lovelace", NASTY)
    [consent] = await outbox(harness, "nominate.consent:")
    drawn_everywhere(Message.model_validate(consent.payload))

    nomination = consent.payload["blocks"][1]["buttons"][0]["value"]
    accepting = await harness.press("ada lovelace", "nominate.accept", nomination)
    assert accepting.form is not None
    await harness.submit("ada lovelace", accepting.form, {"facts": NASTY})
    nomination = int(nomination)
    harness.runtime.clock.advance(INTO_REVIEW)  # type: ignore[attr-defined]
    read = await harness.press("pat panel", "nominate.read", str(nomination))
    text = drawn_everywhere(read.messages[0])
    assert "evil.example" in text  # shown, as text
    await score(harness, "pat panel", nomination, 4, 5, NASTY)
    shortlist = await harness.say("grace", "nominate shortlist")
    drawn_everywhere(shortlist.messages[0])
    exported = await harness.say("grace", "nominate export")
    slack = render_message(exported.messages[0])
    urls = [e.get("url") for b in slack["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert urls and all(u and "/files/" in u for u in urls)
    assert drive.title in drawn_everywhere(exported.messages[0])
