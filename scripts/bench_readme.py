"""The README's speed section, written from a bench run (`bench.py --readme README.md`).

The block between the two markers below is replaced as a whole, in Vietnamese, so the
figures a reader sees are always those of the last measured run, with its machine and command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sheets_sync.output import number

START = "<!-- bench:start: scripts/bench.py --readme README.md viết lại phần này -->"
END = "<!-- bench:end -->"
NATIONAL = 126_000


def _seconds(value: float) -> str:
    return f"{number(value, 1)} giây"


def _mb(value: float) -> str:
    return f"{number(value)} MB"


def _peak(run: dict[str, Any]) -> float:
    return float(max(run["peak_mb"], run.get("worker_peak_mb", 0)))


def _rows(results: dict[str, Any]) -> list[str]:
    rows = []
    for n in sorted(results["xlsx"]):
        r = results["xlsx"][n]
        rows.append(
            f"| tệp .xlsx → danh sách Word + ghi trạng thái | {number(n)} | "
            f"{_seconds(r['total'])} | {_mb(_peak(r))} |"
        )
    for n in sorted(k for k in results["google"] if k >= 300):
        g = results["google"][n]
        requests = g["read_requests"]["count"] + g["write_requests"]["count"]
        rows.append(
            "| Google Sheets (giả lập): đọc, kiểm tra, ghi trạng thái "
            f"(lần chạy đầu: {requests} yêu cầu) | {number(n)} | {_seconds(g['total'])} | "
            f"{_mb(g['peak_mb'])} |"
        )
    return rows


def _steps(results: dict[str, Any]) -> list[str]:
    r = results["xlsx"].get(NATIONAL)
    if r is None:
        return []
    steps = r["steps"]
    per = steps["decide"] / NATIONAL * 1e6
    return [
        "",
        f"Ở {number(NATIONAL)} câu trả lời (tệp .xlsx): đọc {_seconds(steps['read'])}, kiểm tra "
        f"{_seconds(steps['decide'])} ({number(per)} micrô giây mỗi câu trả lời), làm "
        f"{number(r['docs'])} danh sách Word {_seconds(steps['documents'])}, ghi trạng thái "
        f"{_seconds(steps['status_write'])}.",
    ]


def section(results: dict[str, Any], targets: list[tuple[str, bool]]) -> str:
    """The block to put between the markers, markers included."""
    m = results["machine"]
    passed = sum(ok for _, ok in targets)
    lines = [
        START,
        f"Đo bằng `{results['command']}` trên máy {m['cpu']}, {m['cores']} nhân, "
        f"Python {m['python']} ({m['os']}), ngày {results['day']}. Dữ liệu tổng hợp: mỗi "
        "đơn vị vài người quản trị, một phần gửi lại, một phần có lỗi.",
        "",
        "| việc | số câu trả lời | thời gian | bộ nhớ đỉnh |",
        "|---|---|---|---|",
        *_rows(results),
        *_steps(results),
        "",
        f"Mục tiêu đạt: {passed}/{len(targets)}"
        + "".join(f"; chưa đạt: {text}" for text, ok in targets if not ok)
        + ". Chi tiết (tiếng Anh): [docs/benchmarks.md](docs/benchmarks.md).",
        END,
    ]
    return "\n".join(lines)


def update(readme: Path, results: dict[str, Any], targets: list[tuple[str, bool]]) -> None:
    """Replace the marked block of `readme`; refuse when the markers are missing."""
    text = readme.read_text(encoding="utf-8")
    head, found, rest = text.partition(START)
    _, found_end, tail = rest.partition(END)
    if not (found and found_end):
        raise SystemExit(f"{readme}: no '{START}' ... '{END}' block to replace")
    readme.write_text(head + section(results, targets) + tail, encoding="utf-8")
