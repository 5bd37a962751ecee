"""The documents a drive produces, made with fpdf2: a certificate of nomination for every
consenting nominee, and a submission pack per shortlisted nominee (statement, supporting
statements, the nominee's own facts), ready for the award body.

Text is set in Helvetica when every character has a place in it (fast: nothing to
embed), and otherwise in DejaVu Sans (shipped with matplotlib, embedded), so every name
prints as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fpdf import FPDF

CORE = "Helvetica"
UNICODE = "DejaVu"


@cache
def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _document(texts: list[str], orientation: str = "portrait") -> tuple[FPDF, str]:
    """A blank A4 document and the font family that can set all of `texts`."""
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_creator("Benchmate")
    try:
        "".join(texts).encode("latin-1")
        return pdf, CORE
    except UnicodeEncodeError:
        pdf.add_font(UNICODE, "", str(_font_dir() / "DejaVuSans.ttf"))
        pdf.add_font(UNICODE, "B", str(_font_dir() / "DejaVuSans-Bold.ttf"))
        return pdf, UNICODE


@dataclass(frozen=True)
class CertificateOf:
    nominee: str
    award: str  # the drive: "Papin Prizes 2027"
    category: str
    network: str
    issued: str  # "4 December 2026"


def certificate(facts: CertificateOf) -> bytes:
    pdf, font = _document([*vars(facts).values()], "landscape")
    pdf.set_title(f"Certificate of nomination: {facts.nominee}")
    pdf.add_page()
    width, height = pdf.w, pdf.h
    pdf.set_draw_color(46, 94, 140)
    pdf.set_line_width(1.6)
    pdf.rect(10, 10, width - 20, height - 20)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, width - 28, height - 28)
    pdf.set_y(38)
    lines = (
        ("B", 30, "Certificate of Nomination", 16),
        ("", 14, "This certifies that", 14),
        ("B", 26, facts.nominee, 16),
        ("", 14, f"was nominated by colleagues for {facts.category}", 9),
        ("B", 16, facts.award, 16),
        ("", 12, f"in recognition of their work as a technician, by {facts.network}.", 12),
        ("", 10, facts.issued, 8),
    )
    for style, size, text, gap in lines:
        pdf.set_font(font, style, size)
        pdf.multi_cell(0, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap * 0.6)
    return bytes(pdf.output())


@dataclass(frozen=True)
class PackOf:
    award: str
    category: str
    nominee: str
    institution: str
    nominator: str
    statement: str
    supporting: list[tuple[str, str]]  # (who, statement)
    facts: str
    network: str


def submission_pack(pack: PackOf) -> bytes:
    texts = [pack.award, pack.category, pack.nominee, pack.institution, pack.nominator]
    texts += [
        pack.statement,
        pack.facts,
        pack.network,
        *(t for pair in pack.supporting for t in pair),
    ]
    pdf, font = _document(texts)
    pdf.set_title(f"{pack.award}: {pack.nominee}")
    pdf.add_page()
    pdf.set_font(font, "B", 18)
    pdf.multi_cell(0, 9, f"{pack.award}: {pack.category}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 12)
    who = pack.nominee + (f", {pack.institution}" if pack.institution else "")
    pdf.multi_cell(0, 7, f"Nominee: {who}", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 7, f"Nominated by: {pack.nominator}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _part(pdf, font, "Nomination statement", pack.statement)
    for number, (supporter, statement) in enumerate(pack.supporting, start=1):
        _part(pdf, font, f"Supporting statement {number} ({supporter})", statement)
    _part(pdf, font, "In the nominee's own words", pack.facts or "(nothing added)")
    pdf.set_font(font, "", 9)
    pdf.multi_cell(
        0, 5, f"Prepared by {pack.network} with Benchmate.", new_x="LMARGIN", new_y="NEXT"
    )
    return bytes(pdf.output())


def _part(pdf: FPDF, font: str, heading: str, text: str) -> None:
    pdf.set_font(font, "B", 13)
    pdf.multi_cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 11)
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
