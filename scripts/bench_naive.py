"""The usual ways of making a unit's list, as baselines for scripts/bench.py.

`plain_docx` is what most code does with python-docx: a new Document(), the header paragraphs,
the two tables filled cell by cell, saved to memory. `TemplateRenderer` renders the same list
with docxtpl from a template .docx made once with python-docx and Jinja row loops.
Both need the `bench` extra (docxtpl) besides python-docx.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from docx import Document

from sheets_sync.documents.layout import (
    FANPAGE_HEADERS,
    FANPAGE_HEADING,
    STAFF_HEADERS,
    STAFF_HEADING,
    TITLE_LINES,
)

Rows = Sequence[Sequence[str]]


@dataclass(frozen=True)
class Page:
    """Everything printed on a unit's list besides the two tables."""

    superior: str
    issuer: str
    date_line: str
    authority: str
    title: str
    note: str
    signer: str


def _table(doc: Any, headers: Sequence[str], rows: Rows) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
    for values in rows:
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text


def plain_docx(page: Page, fanpages: Rows, staff: Rows) -> bytes:
    """Make one unit's list the plain python-docx way and return the .docx bytes."""
    doc = Document()
    for line in (page.superior, page.issuer, page.date_line, *TITLE_LINES, FANPAGE_HEADING):
        doc.add_paragraph(line)
    _table(doc, FANPAGE_HEADERS, fanpages)
    doc.add_paragraph(STAFF_HEADING)
    _table(doc, STAFF_HEADERS, staff)
    for line in (page.authority, page.title, page.note, "", "", "", "", page.signer):
        doc.add_paragraph(line)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def _loop_table(doc: Any, headers: Sequence[str], name: str) -> None:
    """Add a table whose middle rows are a docxtpl row loop over `name`."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
    table.rows[1].cells[0].text = f"{{%tr for r in {name} %}}"
    for index, cell in enumerate(table.rows[2].cells):
        cell.text = f"{{{{ r[{index}] }}}}"
    table.rows[3].cells[0].text = "{%tr endfor %}"


def make_template() -> bytes:
    """Build the docxtpl template once: the same page with Jinja tags, as .docx bytes."""
    doc = Document()
    for tag in ("superior", "issuer", "date_line"):
        doc.add_paragraph(f"{{{{ {tag} }}}}")
    for line in (*TITLE_LINES, FANPAGE_HEADING):
        doc.add_paragraph(line)
    _loop_table(doc, FANPAGE_HEADERS, "fanpages")
    doc.add_paragraph(STAFF_HEADING)
    _loop_table(doc, STAFF_HEADERS, "staff")
    for tag in ("authority", "title", "note"):
        doc.add_paragraph(f"{{{{ {tag} }}}}")
    for _ in range(4):
        doc.add_paragraph("")
    doc.add_paragraph("{{ signer }}")
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


class TemplateRenderer:
    """Render a unit's list with docxtpl from the template made by `make_template`."""

    def __init__(self) -> None:
        self.template = make_template()

    def __call__(self, page: Page, fanpages: Rows, staff: Rows) -> bytes:
        from docxtpl import DocxTemplate

        # A DocxTemplate is spent by render(): each document starts from the template again.
        doc = DocxTemplate(BytesIO(self.template))
        context = {
            "superior": page.superior,
            "issuer": page.issuer,
            "date_line": page.date_line,
            "authority": page.authority,
            "title": page.title,
            "note": page.note,
            "signer": page.signer,
            "fanpages": [list(r) for r in fanpages],
            "staff": [list(r) for r in staff],
        }
        doc.render(context)
        out = BytesIO()
        doc.save(out)
        return out.getvalue()
