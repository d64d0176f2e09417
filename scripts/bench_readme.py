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


def peak_mb(run: dict[str, Any]) -> float:
    """A run's peak RSS: its own or its pool workers', whichever is higher."""
    return float(max(run["peak_mb"], run.get("worker_peak_mb", 0)))


def _rows(results: dict[str, Any]) -> list[str]:
    rows = []
    for n in sorted(results["xlsx"]):
        r = results["xlsx"][n]
        rows.append(
            f"| tệp .xlsx → danh sách Word + ghi trạng thái | {number(n)} | "
            f"{_seconds(r['total'])} | {_mb(peak_mb(r))} |"
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


def _national(results: dict[str, Any]) -> list[str]:
    """The national targets, in Vietnamese, each with what was measured."""
    r, g = results["xlsx"].get(NATIONAL), results["google"].get(NATIONAL)
    if r is None or g is None:
        return []
    steps, per = r["steps"], r["steps"]["decide"] / NATIONAL * 1e6
    checks = [
        (
            "tệp .xlsx → danh sách Word + trạng thái",
            "≤ 45 giây",
            _seconds(r["total"]),
            r["total"] <= 45,
        ),
        ("bộ nhớ đỉnh của lượt đó", "≤ 600 MB", _mb(peak_mb(r)), peak_mb(r) <= 600),
        ("đọc tệp .xlsx", "≤ 8 giây", _seconds(steps["read"]), steps["read"] <= 8),
        ("kiểm tra, mỗi câu trả lời", "≤ 50 micrô giây", f"{number(per)} micrô giây", per <= 50),
        (
            "Google Sheets: đọc, kiểm tra, ghi trạng thái",
            "≤ 25 giây",
            _seconds(g["total"]),
            g["total"] <= 25,
        ),
        ("bộ nhớ đỉnh của lượt Google", "≤ 600 MB", _mb(g["peak_mb"]), g["peak_mb"] <= 600),
    ]
    lines = [
        "",
        f"Mục tiêu ở {number(NATIONAL)} câu trả lời (cả nước); làm {number(r['docs'])} danh sách "
        f"Word, cùng lúc dựng bản mới của tệp .xlsx có trạng thái, mất "
        f"{_seconds(steps['documents'])}; đặt tệp và các danh sách vào chỗ "
        f"{_seconds(steps['status_write'])}:",
        "",
        "| việc | mục tiêu | đo được | kết quả |",
        "|---|---|---|---|",
    ]
    for what, target, measured, ok in checks:
        lines.append(f"| {what} | {target} | {measured} | {'đạt' if ok else '**chưa đạt**'} |")
    return lines


def _probe(results: dict[str, Any]) -> list[str]:
    """How fast the machine was, measured on the same fixed work before and after."""
    probe = results.get("probe")
    if not probe:
        return []
    return [
        "",
        "Độ nhanh của máy lúc đo (một việc Python cố định, không phụ thuộc mã sheets-sync; số "
        f"càng lớn, máy càng chậm): {number(probe['before'], 2)} giây trước khi đo, "
        f"{number(probe['after'], 2)} giây sau khi đo. So hai lần đo thì so cả số này.",
    ]


def _runs(results: dict[str, Any]) -> list[str]:
    """How many times each size ran, and each national run's time."""
    repeat = results.get("repeat", 1)
    if repeat < 2:
        return []
    times = [
        f"{what} " + " / ".join(number(total, 1) for total in runs[NATIONAL]["totals"]) + " giây"
        for what, runs in (("tệp .xlsx", results["xlsx"]), ("Google", results["google"]))
        if NATIONAL in runs
    ]
    national = (
        f" Thời gian từng lần ở {number(NATIONAL)} câu trả lời: {'; '.join(times)}."
        if times
        else ""
    )
    return [
        "",
        f"Mỗi việc chạy {repeat} lần, mỗi lần trong một tiến trình mới; bảng ghi lần nhanh nhất "
        f"(máy ảo dùng chung nhanh chậm khác nhau từng phút), bộ nhớ đỉnh là lần cao nhất."
        + national,
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
        *_probe(results),
        *_runs(results),
        "",
        "| việc | số câu trả lời | thời gian | bộ nhớ đỉnh |",
        "|---|---|---|---|",
        *_rows(results),
        *_national(results),
        "",
        "Lần chạy đầu trên Google phải nới rộng trang tính cho các cột trạng thái (thêm một yêu "
        "cầu); với trang tính rất lớn, lần ghi đầu được chia thành nhiều yêu cầu vì Google chỉ "
        "nhận tối đa 10 MiB mỗi yêu cầu. Các lần chạy sau: 5 yêu cầu, 2 khi không có gì thay đổi.",
        "",
        f"Tất cả các phép đo của lần này: đạt {passed}/{len(targets)}. Chi tiết (tiếng Anh): "
        "[docs/benchmarks.md](docs/benchmarks.md).",
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
