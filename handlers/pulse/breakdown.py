"""What a coordinator may see of a sealed round, as plain data: the groups of every
breakdown and filter they can ask for, which of them the anonymity rule lets through
(all at once, so no combination gives anyone away), and each question's figures.

A view is a filter (everyone, one institution or one role) and, optionally, a
breakdown of it by institution or by role.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from bot import anonymity
from bot.ids import as_id
from store.pulse.queries import CELL_ROLES, RESPONDENTS, Tally

# A group: ("all",), ("i", institution id), ("r", role) or ("ir", institution id, role).
Group = tuple
Cell = tuple[int, str]
EVERYONE: Group = ("all",)
ROLE_LABELS = {
    "technician": "Technicians",
    "champion": "Champions",
    "coordinator": "Coordinators",
    "admin": "Admins",
}


@dataclass(frozen=True)
class View:
    by: str = ""  # "", "institution" or "role"
    within: Group = EVERYONE

    def code(self) -> str:
        return ":".join([self.by, *map(str, self.within)])

    @classmethod
    def parse(cls, text: str) -> View | None:
        """A view from a button value; None when it is not one we made."""
        by, _, rest = text.partition(":")
        parts = rest.split(":") if rest else ["all"]
        if by not in ("", "institution", "role"):
            return None
        if parts == ["all"]:
            return cls(by, EVERYONE)
        if len(parts) == 2 and parts[0] == "i" and (number := as_id(parts[1])) is not None:
            within: Group = ("i", number)
        elif len(parts) == 2 and parts[0] == "r" and parts[1] in CELL_ROLES:
            within = ("r", parts[1])
        else:
            return None
        dimension = "institution" if within[0] == "i" else "role"
        if by == dimension:
            return None
        return cls(by, within)


@dataclass
class Sealed:
    """One closed round's tallies, indexed by cell."""

    respondents: dict[Cell, int] = field(default_factory=dict)
    counts: dict[tuple[Cell, str, str], int] = field(default_factory=dict)

    @classmethod
    def of(cls, tallies: list[Tally]) -> Sealed:
        sealed = cls()
        for t in tallies:
            cell = (t.institution_id, t.role)
            if t.question == RESPONDENTS:
                sealed.respondents[cell] = t.count
            else:
                sealed.counts[(cell, t.question, t.value)] = t.count
        return sealed

    @property
    def total(self) -> int:
        return sum(self.respondents.values())

    def cells_of(self, group: Group) -> list[Cell]:
        return [cell for cell in self.respondents if in_group(cell, group)]

    def family(self) -> dict[Group, list[Cell]]:
        """Every group any view can show: everyone, each institution, each role, each pair."""
        institutions = {i for i, _ in self.respondents}
        roles = {r for _, r in self.respondents}
        groups: list[Group] = [EVERYONE]
        groups += [("i", i) for i in institutions] + [("r", r) for r in roles]
        groups += [("ir", i, r) for i in institutions for r in roles]
        return {group: self.cells_of(group) for group in groups}

    def shown(self) -> set[Group]:
        return anonymity.releasable(self.respondents, self.family())

    def size(self, group: Group) -> int:
        return sum(self.respondents[cell] for cell in self.cells_of(group))

    def values(self, group: Group, question: str) -> dict[str, int]:
        found: dict[str, int] = defaultdict(int)
        cells = set(self.cells_of(group))
        for (cell, key, value), n in self.counts.items():
            if key == question and cell in cells:
                found[value] += n
        return dict(found)


def in_group(cell: Cell, group: Group) -> bool:
    institution, role = cell
    match group:
        case ("all",):
            return True
        case ("i", i):
            return institution == i
        case ("r", r):
            return role == r
        case ("ir", i, r):
            return institution == i and role == r
    return False


def rows_of(sealed: Sealed, view: View) -> list[Group]:
    """The groups a view lists: its filter's total first, then each of the breakdown."""
    rows = [view.within]
    if view.by == "institution":
        institutions = sorted({i for i, _ in sealed.respondents})
        rows += [_join(view.within, ("i", i)) for i in institutions]
    elif view.by == "role":
        roles = [r for r in CELL_ROLES if any(role == r for _, role in sealed.respondents)]
        rows += [_join(view.within, ("r", r)) for r in roles]
    return rows


def _join(within: Group, part: Group) -> Group:
    if within == EVERYONE:
        return part
    if within[0] == "i":
        return ("ir", within[1], part[1])
    return ("ir", part[1], within[1])


def mean(values: dict[str, int]) -> float | None:
    count = sum(values.values())
    if not count:
        return None
    return sum(int(v) * n for v, n in values.items()) / count
