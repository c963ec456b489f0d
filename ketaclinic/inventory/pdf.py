"""A small PDF 1.4 writer for register reports: a title and a paginated table of text lines.

No PDF library is installed and the dependency list is the lead's; everything that makes a
PDF goes through `render_pdf`, so it can be swapped for fpdf2 or reportlab in one place.
Base-14 fonts only (Helvetica-Bold for the title, Courier for the aligned table), landscape
US Letter, Latin-1 text (anything else prints as '?').
"""

from __future__ import annotations

from collections.abc import Sequence

PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 792, 612, 36
FONT_SIZE, LEADING, TITLE_SIZE = 6.5, 9, 12
CHAR_WIDTH = 0.6 * FONT_SIZE  # Courier is monospaced: 600/1000 em
LINE_CHARS = int((PAGE_WIDTH - 2 * MARGIN) / CHAR_WIDTH)
LINES_PER_PAGE = int((PAGE_HEIGHT - 2 * MARGIN - 2 * TITLE_SIZE) / LEADING) - 2
MAX_COLUMN = 40


def _escape(text: str) -> str:
    latin = text.encode("latin-1", "replace").decode("latin-1")
    return latin.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def table_lines(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Fixed-width lines: each column as wide as its widest cell (capped), cut to the page."""
    widths = [min(MAX_COLUMN, len(h)) for h in header]
    for row in rows:
        widths = [max(w, min(MAX_COLUMN, len(str(c)))) for w, c in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        text = "  ".join(str(c)[:w].ljust(w) for c, w in zip(cells, widths, strict=True))
        return text.rstrip()[:LINE_CHARS]

    rule = "-" * min(LINE_CHARS, sum(widths) + 2 * (len(widths) - 1))
    return [line(header), rule, *(line(row) for row in rows)]


def _page_stream(title: str, lines: Sequence[str], page: int, pages: int) -> bytes:
    top = PAGE_HEIGHT - MARGIN - TITLE_SIZE
    parts = [
        f"BT /F1 {TITLE_SIZE} Tf {MARGIN} {top} Td ({_escape(title)}) Tj ET",
        f"BT /F2 {FONT_SIZE} Tf {MARGIN} {MARGIN - 12} Td "
        f"({_escape(f'Page {page} of {pages}')}) Tj ET",
        f"BT /F2 {FONT_SIZE} Tf {LEADING} TL {MARGIN} {top - 2 * TITLE_SIZE} Td",
    ]
    parts += [f"({_escape(text)}) Tj T*" for text in lines]
    parts.append("ET")
    return "\n".join(parts).encode("latin-1")


def render_pdf(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    """The report as PDF bytes; the header repeats on every page."""
    lines = table_lines(header, rows)
    head, body = lines[:2], lines[2:] or ["(no entries)"]
    per_page = LINES_PER_PAGE - len(head)
    chunks = [body[i : i + per_page] for i in range(0, len(body), per_page)]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, filled in once the pages are numbered
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>",
    ]
    kids = []
    for number, chunk in enumerate(chunks, start=1):
        stream = _page_stream(title, [*head, *chunk], number, len(chunks))
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content_id = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>"
            % (PAGE_WIDTH, PAGE_HEIGHT, content_id)
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % kid for kid in kids),
        len(kids),
    )
    return _assemble(objects)


def _assemble(objects: Sequence[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
