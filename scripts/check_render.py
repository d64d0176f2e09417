#!/usr/bin/env python3
"""Render Word lists with LibreOffice and check that every text written reaches the PDF.

    scripts/check_render.py [FILE.docx ...]

Without files, a sample set is made first: a small unit, a 40-staff unit with a very long
link and markup-like text, and the consolidated list of 30 units. A file fails when
LibreOffice cannot convert it, when a paragraph or table cell of the .docx is missing from
the PDF's text, when a word is printed outside the left or right margin, when a link of
table 1 is broken inside a word (only after `/`, `.`, `?`, `=`, `&`), or when the rule under
the issuing body is not 1/3 to 1/2 of the line above it, as printed. The default run also
renders the consolidated lists of 1 to 45 units of a synthetic district, in the built-in
layout and in the example template, all in the same LibreOffice call, and fails when a last
page holds nothing but the signature block or a page after the first starts with a table's
rows without its header row. Exit code 1 on any failure. Needs `soffice`
(LibreOffice) and `pdftotext`, `pdfinfo` (poppler).
"""

from __future__ import annotations

import argparse
import html
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

POINTS_PER_EMU = 1 / 12700
MARGIN_SLACK = 2.0  # points a glyph may overhang the margin (italic, kerning)
CONVERT_TIMEOUT = 600
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"')


def to_pdf(files: Sequence[Path], out_dir: Path) -> dict[Path, Path]:
    """Convert the files with one LibreOffice run; return each file's PDF that was produced."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # A private profile: a LibreOffice already open on this machine would swallow the job.
    profile = out_dir / ".lo-profile"
    command = [
        "soffice",
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(out_dir),
        *map(str, files),
    ]
    subprocess.run(command, capture_output=True, timeout=CONVERT_TIMEOUT, check=False)
    pdfs = {file: out_dir / f"{file.stem}.pdf" for file in files}
    return {file: pdf for file, pdf in pdfs.items() if pdf.is_file() and pdf.stat().st_size}


def expected_texts(document: Any) -> Iterator[str]:
    """Yield every non-empty paragraph of the body and of every table cell, nested ones too."""
    yield from (p.text for p in document.paragraphs if p.text.strip())
    tables = list(document.tables)
    while tables:
        table = tables.pop()
        for row in table.rows:
            for cell in row.cells:
                yield from (p.text for p in cell.paragraphs if p.text.strip())
                tables.extend(cell.tables)


def squeeze(text: str) -> str:
    """Drop all whitespace, so line wrapping in the PDF does not matter."""
    return "".join(unicodedata.normalize("NFC", text).split())


def check_file(docx_path: Path, pdf: Path, *, links: bool = True) -> list[str]:
    """Return the problems of one rendered file; an empty list means it is fine.

    `links`: check that no link is cut inside a word (not for a template's own columns).
    """
    import docx

    document = docx.Document(str(docx_path))
    # Raw order is the order LibreOffice drew the text in: cell by cell, not line by line
    # across the columns of a table.
    text = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()
    rendered = squeeze(text)
    problems = [
        f"{docx_path.name}: thiếu trong PDF: {line!r}"
        for line in dict.fromkeys(expected_texts(document))
        if squeeze(line) not in rendered
    ]
    if links:
        problems += links_cut_mid_word(docx_path, document, text)
    section = document.sections[0]
    page_width, left_margin = section.page_width or 0, section.left_margin or 0
    left = left_margin * POINTS_PER_EMU - MARGIN_SLACK
    right = (page_width - (section.right_margin or 0)) * POINTS_PER_EMU + MARGIN_SLACK
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()
    if document.tables[0].cell(0, 0).paragraphs[2].text == "":
        problems += rule_out_of_proportion(docx_path, document, boxes)
    for x_min, x_max in _WORD.findall(boxes):
        if float(x_min) < left or float(x_max) > right:
            problems.append(f"{docx_path.name}: chữ tràn lề ({x_min}-{x_max} pt)")
            break
    return problems


_WORD_TEXT = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>'
)


def rule_out_of_proportion(docx_path: Path, document: Any, boxes: str) -> list[str]:
    """Return a problem when the rule under the issuing body is not 1/3 to 1/2 of its line.

    The line's printed width is measured on page 1 of the PDF (`pdftotext -bbox`).
    """
    letterhead = document.tables[0].cell(0, 0)
    issuer, rule = letterhead.paragraphs[1], letterhead.paragraphs[2]
    indent = rule.paragraph_format
    rule_pt = (letterhead.width - indent.left_indent - indent.right_indent) * POINTS_PER_EMU
    longest = squeeze(max(issuer.text.split("\n"), key=len))
    page_one = boxes.split("</page>", 1)[0]
    lines: dict[float, list[tuple[float, float, str]]] = {}
    for x_min, y_min, x_max, word in _WORD_TEXT.findall(page_one):
        entry = (float(x_min), float(x_max), html.unescape(word))
        lines.setdefault(round(float(y_min)), []).append(entry)
    for words in lines.values():
        if squeeze("".join(w for _, _, w in words)) == longest:
            width = max(x for _, x, _ in words) - min(x for x, _, _ in words)
            if not width / 3 <= rule_pt <= width / 2:
                return [
                    f"{docx_path.name}: gạch dưới dài {rule_pt:.0f} pt, dòng trên {width:.0f} pt"
                ]
            return []
    return [f"{docx_path.name}: không thấy dòng {longest!r} ở trang 1"]


LINK_BREAKS = "/.?=&"
LONGEST_PIECE = 30  # a piece of a link this long may have to break anywhere


def links_cut_mid_word(docx_path: Path, document: Any, text: str) -> list[str]:
    """Return a problem for each link of table 1 that a line break cuts inside a word.

    A link may break only after `/`, `.`, `?`, `=` or `&`; `text` is `pdftotext -raw`'s.
    """
    problems = []
    links = {row.cells[3].text for row in document.tables[1].rows[1:]}
    for link in sorted(link for link in links if link.startswith("http")):
        pieces = re.split(r"(?<=[/.?=&])", link)
        if max(map(len, pieces)) > LONGEST_PIECE:
            continue
        found = re.search("\\n?".join(map(re.escape, link)), text)
        if found is None:
            continue  # reported as missing text
        cut = [
            i
            for i, ch in enumerate(found.group(0))
            if ch == "\n" and found.group(0)[i - 1] not in LINK_BREAKS
        ]
        if cut:
            problems.append(f"{docx_path.name}: đường link bị ngắt giữa chữ: {link}")
    return problems


def sample_set(out_dir: Path) -> list[Path]:
    """Write the sample lists with the package's own writer and return their paths."""
    from sheets_sync.config import DocumentSettings
    from sheets_sync.documents import DocumentMaker, write_documents
    from sheets_sync.model import Response, RowResult, Staff

    def unit(name: str, staff: list[Staff], url: str, note: str = "") -> RowResult:
        response = Response(
            row=2,
            submitted_at=datetime(2024, 1, 30, 8, 15),
            email="cd@example.vn",
            unit=name,
            roster_unit=name,
            fanpage_name=f"Công đoàn _ {name}",
            expected_fanpage_name=f"Công đoàn _ {name}",
            fanpage_url=url,
            note=note,
            staff=staff,
        )
        return RowResult(response=response, status="ok")

    small = unit(
        "Trường THCS Ngọc Lâm",
        [
            Staff("Nguyễn Thị Thu Hà", "Chủ tịch Công đoàn", "Trường THCS Ngọc Lâm", "0984919862"),
            Staff("Trần Văn Bình", "Phó Chủ tịch", "Trường THCS Ngọc Lâm", "02438271234"),
        ],
        "https://www.facebook.com/congdoanthcsngoclam",
    )
    big_name = 'Công ty TNHH <Thương mại> & Dịch vụ "Long Biên"'
    big = unit(
        big_name,
        [
            Staff(
                f"Nguyễn Văn Người Thứ {i}",
                "Chủ tịch" if i == 2 else "Ủy viên BCH",
                big_name,
                f"09849198{i:02d}",
            )
            for i in range(1, 41)
        ],
        "https://www.facebook.com/profile.php?id=" + "1234567890" * 12,
        "Fanpage mới lập; ghi chú <b>dài</b> & có ký hiệu",
    )
    others = [
        unit(
            f"Trường Tiểu học Số {i} Phường Bồ Đề",
            [Staff(f"Lê Thị Hoa {i}", "Chủ tịch", "", "0912345678")],
            f"https://www.facebook.com/congdoanth{i}",
        )
        for i in range(3, 31)
    ]
    maker = DocumentMaker(
        DocumentSettings(summary_signer_name="Đặng Thị Ánh Nguyệt"), today=date(2024, 2, 5)
    )
    return write_documents([small, big, *others], out_dir, maker).paths


SWEEP_SIZES = range(1, 46)  # units in the consolidated lists of the page-break sweep


def sweep_set(out_dir: Path) -> dict[Path, tuple[tuple[str, ...], bool]]:
    """Write consolidated lists of 1 to 45 units of a synthetic district, in the built-in
    layout and in the example template.

    Return each file with the lines of its signature block, which must never stand alone
    on the last page, and whether its columns are this tool's (a template's are its own).
    """
    sys.path.insert(0, str(Path(__file__).parent))
    from synthetic import responses

    from sheets_sync.config import DocumentSettings, Settings
    from sheets_sync.documents import DocumentMaker
    from sheets_sync.model import SheetData, Table
    from sheets_sync.pipeline import check_data

    settings = DocumentSettings(summary_signer_name="Đặng Thị Ánh Nguyệt")
    maker = DocumentMaker(settings, today=date(2024, 2, 5))
    header, rows, _ = responses(max(SWEEP_SIZES) * 2, seed=7)
    listed = check_data(SheetData("sweep", Table("sweep", [header, *rows])), Settings()).listed
    signature = (
        settings.summary_signer_authority,
        settings.summary_signer_title,
        settings.signer_note,
        settings.summary_signer_name,
    )
    # The example template: its own signature table, and a footer on every page.
    template = Path(__file__).parent.parent / "examples" / "mau-danh-sach.docx"
    own = DocumentMaker(settings, template, today=date(2024, 2, 5))
    footer = f"{settings.summary_issuer} - danh sách lực lượng tham gia tuyên truyền"
    own_signature = (*signature, footer)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {}
    for size in SWEEP_SIZES:
        path = out_dir / f"tong-hop-{size}.docx"
        path.write_bytes(maker.summary(listed[:size]))
        files[path] = (signature, True)
        path = out_dir / f"tong-hop-mau-{size}.docx"
        path.write_bytes(own.summary(listed[:size]))
        files[path] = (own_signature, False)
    return files


def lone_signature(docx_path: Path, pdf: Path, signature: Sequence[str]) -> list[str]:
    """Return a problem when the last page holds nothing but the signature block."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True).stdout.decode()
    found = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    pages = int(found.group(1)) if found else 0
    if pages < 2:
        return []
    last = subprocess.run(
        ["pdftotext", "-f", str(pages), "-l", str(pages), "-layout", str(pdf), "-"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    block = {squeeze(line) for line in signature}
    rest = [
        line
        for line in map(squeeze, last.splitlines())
        if line and not line.isdigit() and line not in block
    ]
    return [] if rest else [f"{docx_path.name}: trang cuối chỉ có khối chữ ký (trang {pages})"]


def headless_pages(docx_path: Path, pdf: Path) -> list[str]:
    """Return a problem for each page after the first that starts with a numbered table row
    (its STT) instead of the table's header row."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()
    problems = []
    for number, page in enumerate(text.split("\f")[1:], 2):
        lines = [line for line in map(squeeze, page.splitlines()) if line and not line.isdigit()]
        if lines and re.match(r"\d+[^\d.]", lines[0]):
            problems.append(f"{docx_path.name}: trang {number} bắt đầu bằng dòng không có tiêu đề")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help=".docx files (default: a sample set)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        files = args.files or sample_set(Path(work) / "docx")
        sweep = {} if args.files else sweep_set(Path(work) / "sweep")
        files = [*files, *sweep]
        # One LibreOffice run for all: starting it costs more than converting a file.
        pdfs = to_pdf(files, Path(work) / "pdf")
        problems = [
            f"{f.name}: LibreOffice không chuyển được sang PDF" for f in files if f not in pdfs
        ]
        for file, pdf in pdfs.items():
            signature, own_columns = sweep.get(file, ((), True))
            problems.extend(check_file(file, pdf, links=own_columns))
            if signature:
                problems.extend(lone_signature(file, pdf, signature))
                problems.extend(headless_pages(file, pdf))
    for line in problems:
        print(line, file=sys.stderr)
    print(f"{len(files)} tệp, {len(problems)} lỗi.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
