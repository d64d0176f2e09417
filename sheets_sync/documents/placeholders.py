"""Placeholders a unit's own template may hold, `{{DON_VI}}` and the like, and their filling.

Word often splits what a person typed into several runs (`{{DON` + `_VI}}`): a paragraph's
text is read across its runs, and the value goes into the run where the placeholder starts,
in that run's format.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn

from .wordml import xml_safe

# The names a template may use, and what each one stands for (shown in the error message).
PLACEHOLDERS = {
    "CAP_TREN": "cơ quan cấp trên, chữ in hoa",
    "DON_VI": "đơn vị, chữ in hoa",
    "don_vi": "đơn vị như trong danh sách đơn vị",
    "ngay": "ngày",
    "thang": "tháng",
    "nam": "năm",
    "nguoi_ky": "họ tên người ký",
    "chuc_vu_ky": "chức vụ người ký",
}
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_STORIES = (RT.HEADER, RT.FOOTER, RT.FOOTNOTES, RT.ENDNOTES)


def unknown_placeholders(document: Any) -> list[str]:
    """Return the `{{...}}` of the document whose name is not one of PLACEHOLDERS."""
    found = (
        match.group(0)
        for paragraph in paragraphs(document)
        for match in _PLACEHOLDER.finditer("".join(t.text or "" for t in _texts(paragraph)))
        if match.group(1) not in PLACEHOLDERS
    )
    return list(dict.fromkeys(found))


def fill_placeholders(document: Any, values: Mapping[str, str]) -> None:
    """Put each placeholder's value in the body, the headers and the footers."""
    for paragraph in paragraphs(document):
        texts = _texts(paragraph)
        joined = "".join(t.text or "" for t in texts)
        if "{{" not in joined:
            continue
        # From the last match back, so the offsets of the earlier ones still hold.
        for match in reversed(list(_PLACEHOLDER.finditer(joined))):
            value = values.get(match.group(1))
            if value is not None:
                _replace(texts, match.start(), match.end(), xml_safe(value))


def paragraphs(document: Any) -> Iterator[Any]:
    """Yield every paragraph element: body (tables and text boxes too), headers, footers."""
    yield from document.element.body.iter(qn("w:p"))
    for rel in document.part.rels.values():
        if rel.reltype in _STORIES and not rel.is_external:
            yield from rel.target_part.element.iter(qn("w:p"))


def _texts(paragraph: Any) -> list[Any]:
    return list(paragraph.iter(qn("w:t")))


def _replace(texts: list[Any], start: int, end: int, value: str) -> None:
    """Replace characters start..end of the texts joined, keeping every run's format."""
    offset = 0
    first = True
    for element in texts:
        text = element.text or ""
        low, high = offset, offset + len(text)
        offset = high
        if high <= start or low >= end:
            continue
        head = text[: max(start - low, 0)]
        tail = text[max(end - low, 0) :] if end < high else ""
        element.text = head + (value if first else "") + tail
        element.set(qn("xml:space"), "preserve")
        first = False
