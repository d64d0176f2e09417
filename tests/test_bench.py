"""The bench reports the fastest of a size's runs, never a peak lower than any run's."""

from __future__ import annotations

from types import ModuleType

from tests.helpers import script


def _bench() -> ModuleType:
    return script("bench")


def _run(total: float, peak: float, worker: float, decide: float) -> dict[str, object]:
    return {"total": total, "peak_mb": peak, "worker_peak_mb": worker, "steps": {"decide": decide}}


def test_the_fastest_run_is_kept_with_every_total_the_highest_peaks_and_the_last_reruns() -> None:
    last = {**_run(50.0, 500.0, 300.0, 7.0), "rerun_same": {"seconds": 40.0}}
    last["after_reruns"] = {"peak_mb": 650.0}
    runs = [_run(44.0, 520.0, 280.0, 6.0), _run(41.5, 510.0, 310.0, 6.5), last]
    best = _bench().fastest(runs)
    assert best["total"] == 41.5 and best["steps"] == {"decide": 6.5}  # one run, whole
    assert best["totals"] == [44.0, 41.5, 50.0]
    assert (best["peak_mb"], best["worker_peak_mb"]) == (520.0, 310.0)
    assert best["rerun_same"] == {"seconds": 40.0}
    assert best["after_reruns"] == {"peak_mb": 650.0}
    assert "rerun_same" not in runs[1]  # the runs themselves are left as they were


def test_a_single_run_is_reported_as_it_is() -> None:
    run = _run(41.5, 510.0, 310.0, 6.5)
    assert _bench().fastest([run]) == {**run, "totals": [41.5]}


def test_the_report_lists_every_run_only_when_there_were_several() -> None:
    bench = _bench()
    xlsx = {**_run(41.5, 510.0, 310.0, 6.5), "totals": [44.0, 41.5, 50.0]}
    google = {"total": 20.0, "totals": [20.0, 21.25, 22.0]}
    results = {"repeat": 3, "xlsx": {126_000: xlsx}, "google": {126_000: google}}
    line = " ".join(bench._runs_line(results))
    assert "Each size ran 3 times" in line
    assert ".xlsx 126,000: 44.0 / 41.5 / 50.0 s; Google 126,000: 20.0 / 21.2 / 22.0 s." in line
    assert bench._runs_line({**results, "repeat": 1}) == []
    assert bench._runs_line({"xlsx": {}, "google": {}}) == []  # a run saved before repeats
