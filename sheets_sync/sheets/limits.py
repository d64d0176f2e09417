"""Size limits for local files, checked before the work they would make slow.

A national run (126,000 responses: `scripts/synthetic.py 126000`) is a 150 MB worksheet part
and a 56 MB CSV; the limits leave room for about twice that, and refuse a small file that
inflates into gigabytes within seconds, from the zip directory alone.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import SourceError
from ..model import Cell, CellWrite

MB = 1 << 20
MAX_FILE_BYTES = 400 * MB  # any local file read whole: workbook or CSV on disk
MAX_PART_BYTES = 400 * MB  # one part of an .xlsx once inflated (a worksheet's XML)
MAX_BOOK_BYTES = 1024 * MB  # all parts of an .xlsx once inflated
MAX_CSV_BYTES = 160 * MB
MAX_ROWS = 200_000
MAX_CELL_CHARS = 100_000  # twice Google Sheets' own limit of 50,000 for one cell
EXCEL_MAX_COLUMN = 16_384  # XFD
EXCEL_MAX_ROW = 1_048_576

_SPLIT = "chia dữ liệu thành nhiều tệp nhỏ hơn rồi chạy lại từng tệp"


def check_file_size(path: Path, size: int, limit: int = MAX_FILE_BYTES) -> None:
    """Refuse a file larger than `limit` bytes."""
    if size > limit:
        raise SourceError(
            f"Tệp {path} quá lớn ({size // MB} MB, giới hạn {limit // MB} MB): {_SPLIT}."
        )


def check_zip_sizes(archive: zipfile.ZipFile, path: Path) -> None:
    """Refuse a workbook whose parts inflate past the limits, reading only the zip directory.

    The declared sizes bind: zipfile reads no more than an entry's declared size.
    """
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > MAX_PART_BYTES or total > MAX_BOOK_BYTES:
            raise SourceError(
                f"Tệp {path} khi giải nén quá lớn (phần {info.filename} {info.file_size // MB} "
                f"MB; giới hạn {MAX_PART_BYTES // MB} MB mỗi phần, {MAX_BOOK_BYTES // MB} MB cả "
                f"tệp): {_SPLIT}."
            )


def check_row_count(count: int, path: Path, title: str) -> None:
    """Refuse a sheet with more rows than `MAX_ROWS`."""
    if count > MAX_ROWS:
        raise SourceError(
            f"Trang “{title}” trong {path} có hơn {_number(MAX_ROWS)} hàng (giới hạn của chương "
            f"trình): {_SPLIT}."
        )


def check_cells(row: Iterable[Cell], number: int, path: Path, title: str) -> None:
    """Refuse a text cell longer than `MAX_CELL_CHARS`."""
    for value in row:
        if type(value) is str and len(value) > MAX_CELL_CHARS:
            raise SourceError(
                f"Hàng {number} của trang “{title}” trong {path} có ô dài {_number(len(value))} "
                f"ký tự, quá giới hạn {_number(MAX_CELL_CHARS)} ký tự một ô: xóa bớt nội dung "
                "ô đó rồi chạy lại."
            )


def _number(value: int) -> str:
    """Group thousands the Vietnamese way: 200.000."""
    return f"{value:,}".replace(",", ".")


def past_last_column(title: str, source: str) -> SourceError:
    """Build the error for status columns that would lie past Excel's last column (XFD)."""
    return SourceError(
        f"Trang “{title}” trong {source} đã dùng tới cột cuối cùng của Excel (XFD), không còn "
        "chỗ cho cột trạng thái: xóa các cột thừa bên phải rồi chạy lại. Chưa ghi gì."
    )


def check_excel_grid(title: str, writes: Sequence[CellWrite], path: Path) -> None:
    """Refuse writes past Excel's last column (XFD) or last row, before any is made."""
    if writes and max(write.col for write in writes) > EXCEL_MAX_COLUMN:
        raise past_last_column(title, str(path))
    if writes and max(write.row for write in writes) > EXCEL_MAX_ROW:
        raise SourceError(
            f"Trang “{title}” trong {path} vượt quá hàng cuối cùng của Excel: {_SPLIT}."
        )
