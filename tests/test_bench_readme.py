"""The README's speed section is rewritten from a bench run, between its two markers only."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers import script

ROOT = Path(__file__).resolve().parent.parent


def _bench_readme() -> ModuleType:
    return script("bench_readme")


def _results() -> dict[str, object]:
    run = {"total": 41.27, "peak_mb": 580.4, "worker_peak_mb": 300.0, "docs": 103_333}
    run["steps"] = {"read": 7.5, "decide": 6.2, "documents": 20.1, "status_write": 7.4}
    google = {"total": 23.9, "peak_mb": 512.0}
    google["read_requests"], google["write_requests"] = {"count": 2}, {"count": 4}
    return {
        "xlsx": {126_000: run},
        "google": {10: google, 126_000: google},
        "machine": {"cpu": "CPU X", "cores": 2, "python": "3.11.7", "os": "Linux"},
        "command": "python scripts/bench.py",
        "day": "02/12/2026",
    }


def test_the_section_is_replaced_between_its_markers_and_nothing_else(tmp_path: Path) -> None:
    bench_readme = _bench_readme()
    readme = tmp_path / "README.md"
    old = f"# Tên\n\ntrước\n{bench_readme.START}\ncũ\n{bench_readme.END}\nsau\n"
    readme.write_text(old, "utf-8")
    targets = [("a", True), ("Google ≤ 25 s: 26 s", False)]
    bench_readme.update(readme, _results(), targets)
    text = readme.read_text("utf-8")
    assert text.startswith("# Tên\n\ntrước\n") and text.endswith(f"{bench_readme.END}\nsau\n")
    assert "cũ" not in text
    assert "| tệp .xlsx → danh sách Word + ghi trạng thái | 126.000 | 41,3 giây | 580 MB |" in text
    assert "(lần chạy đầu: 6 yêu cầu) | 126.000 | 23,9 giây | 512 MB |" in text
    assert "| tệp .xlsx → danh sách Word + trạng thái | ≤ 45 giây | 41,3 giây | đạt |" in text
    assert "| kiểm tra, mỗi câu trả lời | ≤ 50 micrô giây | 49 micrô giây | đạt |" in text
    assert "| Google Sheets: đọc, kiểm tra, ghi trạng thái | ≤ 25 giây | 23,9 giây | đạt |" in text
    assert "| đọc tệp .xlsx | ≤ 8 giây | 7,5 giây | đạt |" in text
    assert "Tất cả các phép đo của lần này: đạt 1/2." in text


def test_a_missed_target_is_said_so(tmp_path: Path) -> None:
    bench_readme = _bench_readme()
    results = _results()
    results["google"][126_000] = {**results["google"][126_000], "peak_mb": 640.0}  # type: ignore[index]
    text = bench_readme.section(results, [])
    assert "| bộ nhớ đỉnh của lượt Google | ≤ 600 MB | 640 MB | **chưa đạt** |" in text


def test_a_readme_without_the_markers_is_refused_untouched(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Tên\n", "utf-8")
    with pytest.raises(SystemExit):
        _bench_readme().update(readme, _results(), [])
    assert readme.read_text("utf-8") == "# Tên\n"


def test_the_project_readme_has_the_section() -> None:
    text = (ROOT / "README.md").read_text("utf-8")
    bench_readme = _bench_readme()
    assert text.count(bench_readme.START) == 1 and text.count(bench_readme.END) == 1


def test_the_machine_speed_probe_is_reported_when_measured() -> None:
    bench_readme = _bench_readme()
    assert "Độ nhanh của máy" not in bench_readme.section(_results(), [])  # an older run
    results = {**_results(), "probe": {"before": 0.412, "after": 0.5}}
    text = bench_readme.section(results, [])
    assert "0,41 giây trước khi đo, 0,50 giây sau khi đo" in text


def test_each_national_run_is_reported_when_a_size_ran_several_times() -> None:
    bench_readme = _bench_readme()
    assert "Mỗi việc chạy" not in bench_readme.section(_results(), [])  # a single run
    results = _results()
    results["repeat"] = 3
    results["xlsx"][126_000]["totals"] = [44.04, 41.27, 50.0]  # type: ignore[index]
    results["google"][126_000] = {**results["google"][126_000], "totals": [23.9, 25.1, 24.0]}  # type: ignore[index]
    text = bench_readme.section(results, [])
    assert "Mỗi việc chạy 3 lần, mỗi lần trong một tiến trình mới; bảng ghi lần nhanh nhất" in text
    assert (
        "Thời gian từng lần ở 126.000 câu trả lời: tệp .xlsx 44,0 / 41,3 / 50,0 giây; "
        "Google 23,9 / 25,1 / 24,0 giây." in text
    )
