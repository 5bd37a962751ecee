"""The evidence pack a lead attaches to a Technician Commitment self-assessment:
an XLSX workbook (a sheet per section, real numbers, the period and how each figure is
counted) and a PDF of the same with the charts."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from handlers.report import charts
from handlers.report.words import change, number
from store.report.figures import Report, Section

THIS, LAST = "This period", "Last period"


def both(report: Report, made_on: date) -> tuple[bytes, bytes]:
    """(XLSX, PDF): CPU work, call it in a thread."""
    return workbook(report), document(report, made_on)


def file_stem(report: Report) -> str:
    scope = "network" if report.scope == "the network" else report.scope
    return f"impact-{scope}-{report.period.start}-{report.period.end}"


# --- the workbook -------------------------------------------------------------------------


def workbook(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    about = book.active
    about.title = "About"
    bold = Font(bold=True)
    for row in (
        ("Impact report", report.scope),
        ("Period from", report.period.start),
        ("Period to", report.period.end),
        ("Compared with, from", report.previous.start),
        ("Compared with, to", report.previous.end),
        (),
        (
            "Each sheet gives a section's measures for the period and the one before it, "
            "and how each is counted.",
        ),
    ):
        about.append(list(row))
    for cell in about["A"]:
        cell.font = bold
    for cell in about["B"][1:5]:
        cell.number_format = "yyyy-mm-dd"
    about.column_dimensions["A"].width = 22
    about.column_dimensions["B"].width = 40
    for section in report.sections:
        _sheet(book.create_sheet(section.title[:31]), section, report, bold)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(sheet, section: Section, report: Report, bold) -> None:
    sheet.append([section.title, f"{report.scope}, {report.period.label()}"])
    sheet["A1"].font = bold
    if section.unavailable:
        sheet.append([section.unavailable])
        return
    sheet.append(["Measure", THIS, LAST, "Change (%)", "Unit", "How it is counted"])
    for cell in sheet[2]:
        cell.font = bold
    for figure in section.figures:
        change_percent = round(figure.change, 1) if figure.change is not None else None
        sheet.append(
            [
                figure.label,
                figure.now,
                figure.before,
                change_percent,
                figure.unit,
                figure.hidden or figure.how,
            ]
        )
    for table in section.tables:
        sheet.append([])
        sheet.append([table.title, *table.columns])
        sheet.cell(row=sheet.max_row, column=1).font = bold
        for label, values in table.rows:
            sheet.append([label, *values])
        sheet.append([f"How it is counted: {table.how}"])
    sheet.column_dimensions["A"].width = 38
    sheet.column_dimensions["F"].width = 90


# --- the PDF --------------------------------------------------------------------------------


def document(report: Report, made_on: date) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    fonts = _fonts()
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_title(f"Impact report for {report.scope}")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 9, f"Impact report for {report.scope}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(
        0,
        6,
        f"{report.period.label()}, compared with {report.previous.label()}. "
        f"Made on {made_on:%-d %B %Y} by Benchmate from the network's own records.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    drawn = charts.draw(report)
    for section in report.sections:
        _pdf_section(pdf, section, drawn.get(section.key))
    return bytes(pdf.output())


def _pdf_section(pdf, section: Section, chart) -> None:
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(0, 8, section.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    if section.unavailable:
        pdf.multi_cell(0, 5, section.unavailable, new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(
        col_widths=(50, 25, 25, 25), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")
    ) as table:
        table.row(["Measure", THIS, LAST, "Change"])
        for figure in section.figures:
            now = (
                "not shown"
                if figure.hidden and figure.now is None
                else number(figure.now, figure.unit)
            )
            table.row([figure.label, now, number(figure.before, figure.unit), change(figure)])
    if chart is not None:
        pdf.ln(2)
        pdf.image(io.BytesIO(chart.png), w=150, alt_text=chart.alt)
    for data in section.tables:
        if data.empty:
            continue
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", 9)
        pdf.multi_cell(0, 5, data.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 7 if len(data.columns) > 4 else 9)
        with pdf.table() as table:
            table.row(["", *data.columns])
            for label, values in data.rows:
                table.row([label, *(number(value) for value in values)])
    pdf.set_font("DejaVu", "", 8)
    pdf.ln(1)
    for figure in section.figures:
        pdf.multi_cell(0, 4, f"{figure.label}: {figure.how}", new_x="LMARGIN", new_y="NEXT")
    for data in section.tables:
        pdf.multi_cell(0, 4, f"{data.title}: {data.how}", new_x="LMARGIN", new_y="NEXT")


def _fonts() -> Path:
    """DejaVu Sans, which matplotlib ships: a Unicode font for names, dashes and quotes."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"
