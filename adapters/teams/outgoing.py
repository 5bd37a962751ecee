"""Neutral messages and forms as Bot Framework message activities."""

from __future__ import annotations

from botbuilder.schema import Activity, ActivityTypes, Attachment

from adapters.teams.cards import (
    CARD_BUDGET,
    Card,
    form_card,
    message_cards,
    needs_card,
    split_text,
)
from bot.ui import Form, Message

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
SUMMARY_LENGTH = 200


def message_activities(message: Message) -> list[Activity]:
    """A card (or several, when long) or plain text for a message of sections only."""
    if not needs_card(message):
        return [_plain(page) for page in text_pages(message.text)]
    return [card_activity(card, message.text) for card in message_cards(message)]


def form_activity(form: Form) -> Activity:
    return card_activity(form_card(form), form.title)


def card_activity(card: Card, summary: str) -> Activity:
    # The text stays off card messages: Teams would show it above the card, twice over.
    # `summary` is what notifications show; `fallbackText` is inside the card.
    return Activity(
        type=ActivityTypes.message,
        text_format="plain",
        summary=summary[:SUMMARY_LENGTH],
        attachments=[Attachment(content_type=CARD_TYPE, content=card)],
    )


def _plain(text: str) -> Activity:
    # "plain": member text shows as typed, and the Agents Playground requires it.
    return Activity(type=ActivityTypes.message, text=text, text_format="plain")


def text_pages(text: str) -> list[str]:
    return split_text(text, CARD_BUDGET)
