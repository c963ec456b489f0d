"""Register reports as PDF (fpdf2): a title, a generated-at line and a paginated table.

Everything that makes a PDF goes through `render_pdf`. Landscape US Letter, Helvetica (a PDF
base font, so nothing is embedded), the header row repeated on every page, "Page n of N" in
the footer. Columns share the page width in proportion to their content; long text wraps
inside its cell and a cell longer than `MAX_CELL_CHARS` is cut with "...". Helvetica covers
Latin-1 only: typographic dashes and quotes become their ASCII look-alikes, anything else '?'.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import TableBordersLayout, WrapMode

FONT = "Helvetica"
TITLE_SIZE, SUBTITLE_SIZE, BODY_SIZE = 13, 8, 7.5
MARGIN = 28  # points
LINE_HEIGHT = BODY_SIZE * 1.25
MAX_CELL_CHARS = 300
# A column is at least this share of the widest one, so short headers stay readable.
MIN_COLUMN_SHARE = 0.35
ELLIPSIS = "..."
_ASCII = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": ELLIPSIS,
        "\u2212": "-",
    }
)


def latin1_text(value: object) -> str:
    """`value` as text Helvetica can print, on one line."""
    text = " ".join(str(value).translate(_ASCII).split())
    return text.encode("latin-1", "replace").decode("latin-1")


def pdf_text(value: object) -> str:
    """`value` as text Helvetica can print, one line, cut to `MAX_CELL_CHARS`."""
    text = latin1_text(value)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - len(ELLIPSIS)].rstrip() + ELLIPSIS
    return text


class _ReportPDF(FPDF):
    def __init__(self, title: str, generated: str) -> None:
        super().__init__(orientation="landscape", unit="pt", format="letter")
        self.report_title, self.generated = title, generated
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + 14)
        self.set_title(title)
        self.set_creator("Ketaclinic controlled-substance register")

    def header(self) -> None:
        self.set_font(FONT, "B", TITLE_SIZE)
        self.cell(0, TITLE_SIZE * 1.3, self.report_title, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", SUBTITLE_SIZE)
        self.cell(0, SUBTITLE_SIZE * 1.6, self.generated, new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-MARGIN - 4)
        self.set_font(FONT, "", SUBTITLE_SIZE)
        self.cell(0, SUBTITLE_SIZE * 1.5, f"Page {self.page_no()} of {{nb}}", align="R")


def column_widths(
    pdf: FPDF, header: Sequence[str], rows: Sequence[Sequence[str]], total: float
) -> list[float]:
    """Shares of `total` in proportion to each column's widest text (cells capped at one
    line's worth of the page, so one long note cannot starve the other columns)."""
    cap = total / 3
    pdf.set_font(FONT, "B", BODY_SIZE)
    needs = [min(cap, pdf.get_string_width(text)) for text in header]
    pdf.set_font(FONT, "", BODY_SIZE)
    for row in rows:
        needs = [
            max(need, min(cap, pdf.get_string_width(text)))
            for need, text in zip(needs, row, strict=True)
        ]
    floor = max(needs) * MIN_COLUMN_SHARE
    needs = [max(need, floor, 1.0) for need in needs]
    scale = total / sum(needs)
    return [need * scale for need in needs]


def render_pdf(
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    generated_at: dt.datetime | None = None,
    notes: Sequence[str] = (),
) -> bytes:
    """The report as PDF bytes; the header row repeats on every page; `notes` (what the
    columns mean) follow the table.

    `generated_at` (aware) is printed under the title in its own time zone; by default now,
    in the server's time zone.
    """
    moment = timezone.localtime(generated_at or timezone.now())
    generated = f"Generated {moment:%Y-%m-%d %H:%M %Z}"
    pdf = _ReportPDF(pdf_text(title), generated)
    pdf.add_page()
    heads = [pdf_text(text) for text in header]
    body = [[pdf_text(cell) for cell in row] for row in rows]
    widths = column_widths(pdf, heads, body, pdf.epw)
    pdf.set_font(FONT, "", BODY_SIZE)
    with pdf.table(
        col_widths=widths,
        width=pdf.epw,
        line_height=LINE_HEIGHT,
        text_align="LEFT",
        repeat_headings=1,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        wrapmode=WrapMode.WORD,
        padding=2,
    ) as table:
        table.row(heads)
        for cells in body or [["(no entries)", *([""] * (len(heads) - 1))]]:
            table.row(cells)
    if notes:
        pdf.ln(6)
        pdf.set_font(FONT, "", SUBTITLE_SIZE)
        for note in notes:
            pdf.multi_cell(0, SUBTITLE_SIZE * 1.4, latin1_text(note), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
