"""Register reports as PDF (fpdf2): a title, a generated-at line and a paginated table.

Everything that makes a PDF goes through `render_pdf`. Landscape US Letter, Helvetica (a PDF
base font, so nothing is embedded), the header row repeated on every page, "Page n of N" in
the footer. Each column is at least as wide as its longest word (header included), so text
wraps only at spaces ("DEMO-BO-01" and "Administration" stay whole); the width left over goes
to the columns with longer text. A word is broken only when it cannot fit at all (wider than
the page, or than what is left of it beside the other columns' longest words). A cell longer
than `MAX_CELL_CHARS` is cut with "...". Helvetica covers
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
CELL_PADDING = 2  # points, each side
# Room for the padding and rounding in fpdf2's line breaking, so a word of exactly the
# column's width is not broken.
_CELL_ROOM = 2 * CELL_PADDING + 1
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


def _widths(pdf: FPDF, texts: Sequence[str], style: str) -> tuple[float, float]:
    """The widest whole text and the widest single word of `texts`, in points."""
    pdf.set_font(FONT, style, BODY_SIZE)
    whole = max((pdf.get_string_width(text) for text in texts), default=0.0)
    words = (word for text in texts for word in text.split(" "))
    word = max((pdf.get_string_width(w) for w in words), default=0.0)
    return whole, word


def _level(needs: Sequence[float], total: float) -> list[float]:
    """`needs` cut down to one common ceiling so that they add up to `total`: the widest
    words give way (and are broken), every other column keeps its need."""
    remaining, ceiling = total, total
    for index, need in enumerate(sorted(needs)):
        share = remaining / (len(needs) - index)
        if need > share:
            ceiling = share
            break
        remaining -= need
    return [min(need, ceiling) for need in needs]


def column_widths(
    pdf: FPDF, header: Sequence[str], rows: Sequence[Sequence[str]], total: float
) -> list[float]:
    """Column widths that add up to `total` (see the module docstring).

    Each column first gets its longest word (the header's in bold); what is left of the page
    is shared in proportion to how much wider each column's longest text is (a text counts
    up to a third of the page, so one long note cannot starve the other columns). When the
    longest words alone are wider than the page, the widest of them are cut to one ceiling.
    """
    columns = list(zip(header, *rows, strict=True)) if rows else [(h,) for h in header]
    minimums: list[float] = []
    naturals: list[float] = []
    for head, *cells in columns:
        head_whole, head_word = _widths(pdf, [head], "B")
        cell_whole, cell_word = _widths(pdf, cells, "")
        minimums.append(max(head_word, cell_word, 1.0) + _CELL_ROOM)
        naturals.append(min(total / 3, max(head_whole, cell_whole, 1.0)) + _CELL_ROOM)
    if sum(minimums) >= total:
        return _level(minimums, total)
    extra = total - sum(minimums)
    wants = [
        max(natural - minimum, 0.0) for natural, minimum in zip(naturals, minimums, strict=True)
    ]
    if sum(wants) > extra:
        return [m + extra * want / sum(wants) for m, want in zip(minimums, wants, strict=True)]
    grown = [max(natural, minimum) for natural, minimum in zip(naturals, minimums, strict=True)]
    return [width * total / sum(grown) for width in grown]


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
        padding=CELL_PADDING,
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
