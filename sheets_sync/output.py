"""What the commands print: the contract's JSON, and short Vietnamese text."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from itertools import groupby
from typing import Any

from .config import Settings
from .documents import EDITED_DIR, OLD_DIR, DocumentsOutcome
from .model import RosterEntry, RowResult
from .pipeline import Checked, RunOutcome, is_csv
from .text import cell_text

STATES = ("ok", "warning", "error", "superseded")


def summary(results: list[RowResult]) -> dict[str, int]:
    counts: Counter[str] = Counter(r.status for r in results)
    units = {r.response.unit_key or f"#{r.row}" for r in results}
    return {"rows": len(results), "units": len(units), **{s: counts[s] for s in STATES}}


def row_json(result: RowResult) -> dict[str, Any]:
    response = result.response
    return {
        "row": response.row,
        "submitted_at": response.submitted_at.isoformat() if response.submitted_at else None,
        "unit": response.unit,
        "roster_unit": response.roster_unit,
        "fanpage_name": response.fanpage_name,
        "expected_fanpage_name": response.expected_fanpage_name,
        "fanpage_url": response.fanpage_url,
        "note": response.note,
        "staff": [asdict(s) for s in response.staff],
        "status": result.status,
        "issues": [asdict(i) for i in response.issues],
    }


def check_json(checked: Checked) -> dict[str, Any]:
    return {
        "source": checked.data.source,
        "rows": [row_json(r) for r in checked.results],
        "summary": summary(checked.results),
    }


def check_text(checked: Checked, settings: Settings) -> list[str]:
    lines = []
    for result in checked.results:
        unit = result.response.unit or "(chưa ghi tên đơn vị)"
        lines.append(f"Dòng {result.row}: {unit} — {settings.status_texts[result.status]}")
        lines.extend(f"    - {i.message}" for i in result.issues)
    lines.append(summary_line(checked.results))
    lines.extend(missing_columns(checked))
    lines.extend(notes(checked))
    return lines


def summary_line(results: list[RowResult]) -> str:
    s = summary(results)
    n = {key: number(value) for key, value in s.items()}
    return (
        f"Đã kiểm tra {n['rows']} dòng của {n['units']} đơn vị: {n['ok']} hợp lệ, "
        f"{n['warning']} cần lưu ý, {n['error']} cần sửa, "
        f"{n['superseded']} đã thay bằng lần gửi sau."
    )


def number(value: float, decimals: int = 0) -> str:
    """Write a number the Vietnamese way: `92.184`, `31,2`, `1.234,5`."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def missing_columns(checked: Checked) -> list[str]:
    if not checked.layout.missing:
        return []
    titles = ", ".join(f"'{t}'" for t in checked.layout.missing)
    data = checked.data
    where = f"tệp {data.source}" if is_csv(data) else f"trang tính '{data.responses.title}'"
    return [f"Chú ý: {where} thiếu cột {titles}."]


def notes(checked: Checked) -> list[str]:
    """What holds for the whole sheet, said once (the text formats only: JSON stays as is)."""
    return [f"Chú ý: {note}" for note in checked.notes]


def report_json(entries: list[RosterEntry]) -> dict[str, Any]:
    counts = Counter(e.state for e in entries)
    return {
        "units": [{"unit": e.unit, "state": e.state, "row": e.response_row} for e in entries],
        "summary": {"units": len(entries), **{s: counts[s] for s in ("ok", "error", "missing")}},
    }


def report_text(entries: list[RosterEntry], settings: Settings) -> list[str]:
    lines = []
    for entry in entries:
        where = f" (dòng {entry.response_row})" if entry.response_row else ""
        lines.append(f"{entry.unit}: {settings.roster_texts[entry.state]}{where}")
    counts = Counter(e.state for e in entries)
    lines.append(
        f"{number(len(entries))} đơn vị: {number(counts['ok'])} đã nộp, "
        f"{number(counts['error'])} đã nộp nhưng cần sửa, {number(counts['missing'])} chưa nộp."
    )
    return lines


def run_text(
    outcome: RunOutcome, out_dir: str, dry_run: bool, *, statuses: bool = True
) -> list[str]:
    lines = [
        summary_line(outcome.checked.results),
        *missing_columns(outcome.checked),
        *notes(outcome.checked),
    ]
    listed = number(len(outcome.checked.listed))
    cells = number(len(outcome.writes))
    if dry_run:
        lines.extend(_dry_documents(outcome.documents, listed, out_dir))
        lines.append(f"Chạy thử: sẽ ghi {cells} ô trạng thái; chưa ghi gì.")
        lines.extend(changes_text(outcome))
        return lines
    docs = outcome.documents
    if docs is not None:
        lines.append(
            f"Danh sách Word: {listed} đơn vị và tệp tổng hợp trong {out_dir}/ "
            f"({number(docs.written)} tệp ghi mới, {number(docs.unchanged)} tệp không đổi)."
        )
        lines.extend(retired_text(docs.retired, out_dir))
        lines.extend(edited_text(docs.edited, out_dir))
    if statuses and outcome.written:
        lines.append(f"Đã ghi {cells} ô trạng thái vào bảng tính.")
    elif statuses:
        lines.append("Trạng thái trong bảng tính đã đúng, không cần ghi ô nào.")
    lines.append(took(outcome.seconds))
    return lines


def _dry_documents(docs: DocumentsOutcome | None, listed: str, out_dir: str) -> list[str]:
    """What a dry run found the lists would become, compared with the files in `out_dir`."""
    if docs is None:
        return []
    return [
        f"Chạy thử: {listed} danh sách và tệp tổng hợp trong {out_dir}/: sẽ ghi "
        f"{number(docs.written)} tệp mới hoặc đã đổi, {number(docs.unchanged)} tệp không đổi."
    ]


def retired_text(names: list[str], out_dir: str, limit: int = 10) -> list[str]:
    """Say which lists moved to `cu/`: their unit has no valid submission any more."""
    if not names:
        return []
    return [
        f"Đã chuyển {number(len(names))} danh sách cũ không còn lần gửi hợp lệ vào "
        f"{out_dir}/{OLD_DIR}/: {_listed(names, limit)}."
    ]


def _listed(names: list[str], limit: int) -> str:
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f" và {more} tệp nữa" if more > 0 else "")


def edited_text(names: list[str], out_dir: str, limit: int = 10) -> list[str]:
    """Say which edited lists moved to `da-sua/` for the new ones to take their place."""
    if not names:
        return []
    return [
        f"Đã chuyển {number(len(names))} danh sách có người sửa (lưu bằng Word) vào "
        f"{out_dir}/{EDITED_DIR}/ để giữ lại, rồi đặt bản mới vào chỗ: {_listed(names, limit)}."
    ]


def took(seconds: float) -> str:
    """Say how long a run took, the Vietnamese way (12,3 giây)."""
    if seconds < 1:
        return "Xong trong chưa tới 1 giây."
    return f"Xong trong {number(seconds, 1)} giây."


def changes_text(outcome: RunOutcome, limit: int = 40) -> list[str]:
    """List what a run would write, one line per row (the first `limit`), by column title."""
    headers = {
        (t.title, col + 1): cell_text(cell)
        for t in (outcome.checked.data.responses, outcome.checked.data.roster)
        if t is not None and t.rows
        for col, cell in enumerate(t.header)
    }
    headers |= {(w.sheet, w.col): w.value for w in outcome.writes if w.row == 1}
    rows = [
        (key, list(cells)) for key, cells in groupby(outcome.writes, lambda w: (w.sheet, w.row))
    ]
    lines = []
    for (sheet, row), cells in rows[:limit]:
        if row == 1:
            added = ", ".join(f"'{w.value}'" for w in cells)
            lines.append(f"  Trang '{sheet}': thêm cột {added}")
            continue
        values = "; ".join(
            f"{headers.get((sheet, w.col), '')}: " + (f"'{w.value}'" if w.value else "(để trống)")
            for w in cells
        )
        lines.append(f"  Trang '{sheet}', dòng {row}: {values}")
    if len(rows) > limit:
        lines.append(f"  ... và {number(len(rows) - limit)} dòng nữa.")
    return lines
