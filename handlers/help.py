"""`help`: what this member can do, by role, with an example of each."""

from __future__ import annotations

from bot.context import Context
from bot.router import TOP_LEVEL_WORDS, CommandRoute, Router
from bot.ui import Block, Fields, Heading, Hint, Message, Section

router = Router()

WORD_TITLES = {
    "help": "Getting started",
    "home": "Your dashboard",
    "profile": "Your profile",
    "mentor": "Mentoring",
    "event": "Events",
    "nominate": "Award nominations",
    "pulse": "Pulse surveys",
    "report": "Impact report",
    "privacy": "Privacy",
    "admin": "Running the network",
}


@router.command(
    "help", summary="Show what I can do for you (help mentor: one topic)", example="help"
)
async def show_help(ctx: Context, args: str) -> None:
    routes = ctx.router.visible_to(ctx.roles)
    topic = args.strip().lower().split(" ")[0] if args.strip() else ""
    if topic:
        chosen = [route for route in routes if route.word == topic]
        hidden = [r for r in ctx.router.commands.values() if r.word == topic and r.role]
        if not chosen and hidden:
            from bot.core import refusal

            ctx.reply(refusal(hidden[0].role or ""))
            return
        if not chosen:
            ctx.reply(f"I have no help on “{topic[:30]}”. Type help to see every topic.")
            return
        routes = chosen
    ctx.reply(help_message(routes, welcome=not topic))


def help_message(routes: list[CommandRoute], *, welcome: bool) -> Message:
    blocks: list[Block] = []
    if welcome:
        intro = (
            "Hello! I'm Benchmate, the technician network's assistant. Here is what you can ask me:"
        )
        blocks.append(Section(text=intro))
    for word in _ordered_words(routes):
        group = [route for route in routes if route.word == word]
        title = WORD_TITLES.get(word, word.title())
        blocks.append(Heading(text=title))
        pairs = [(route.example, route.summary) for route in group]
        blocks.append(Fields(pairs=pairs))
    hint = "Commands work with or without a leading /, in any chat where I am."
    blocks.append(Hint(text=hint))
    return Message(blocks=blocks)  # the text is read from the blocks


def _ordered_words(routes: list[CommandRoute]) -> list[str]:
    present = {route.word for route in routes}
    known = [word for word in TOP_LEVEL_WORDS if word in present]
    return known + sorted(present - set(known))


@router.command("home", summary="Your dashboard: what's next for you", example="home")
async def show_home(ctx: Context, args: str) -> None:
    from bot.core import home

    ctx.reply(await home(ctx))
