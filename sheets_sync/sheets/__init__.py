"""Pick the backend for a SOURCE: a Google spreadsheet, an .xlsx workbook or a .csv file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import SourceError
from .base import Backend

LOCAL_SUFFIXES = (".xlsx", ".xlsm", ".csv")


@contextmanager
def open_source(
    source: str,
    *,
    roster: Path | None = None,
    credentials: Path | None = None,
    readonly: bool = True,
) -> Iterator[Backend]:
    """Yield the backend for `source`; a local file stays locked against other runs meanwhile."""
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix in LOCAL_SUFFIXES or path.exists():
        backend = _local(path, suffix, roster)
        with backend.lock(writing=not readonly):
            yield backend
        return
    from .google import GoogleBackend, spreadsheet_key

    if spreadsheet_key(source) is None:
        raise SourceError(
            f"Không nhận ra nguồn dữ liệu {source!r}: cần đường link Google Sheets, "
            "mã bảng tính, hoặc một tệp .xlsx/.csv có sẵn."
        )
    if roster is not None:
        raise SourceError(
            "Tùy chọn --roster chỉ dùng cho tệp .xlsx/.csv; với Google Sheets, "
            "hãy thêm trang tính 'Danh sách đơn vị' vào bảng tính."
        )
    yield GoogleBackend(source, credentials, readonly=readonly)


def _local(path: Path, suffix: str, roster: Path | None):  # type: ignore[no-untyped-def]
    if not path.is_file():
        raise SourceError(f"Không tìm thấy tệp {path}. Kiểm tra lại đường dẫn.")
    if suffix == ".csv":
        from .csvfile import CsvBackend

        return CsvBackend(path, roster)
    if suffix in (".xlsx", ".xlsm"):
        from .xlsx import XlsxBackend

        return XlsxBackend(path, roster)
    raise SourceError(f"Tệp {path} không phải .xlsx hay .csv; hãy tải bảng tính về dạng .xlsx.")
