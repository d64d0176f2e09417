"""Progress on a terminal: a line as each stage starts, a bar for the Word lists (stderr)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

STAGES = {
    "read": "Đang đọc bảng tính...",
    "decide": "Đang kiểm tra các câu trả lời...",
    "statuses": "Đang ghi {total} ô trạng thái...",
}


class ProgressBar:
    """Stage lines and a bar for the Word lists on a terminal (stderr), nothing elsewhere."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.done = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != "documents":
            self.close()
            click.echo(STAGES[stage].format(total=total), err=True)
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Lập danh sách Word", file=sys.stderr)
            self.bar.__enter__()
            self.done = 0
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@contextmanager
def terminal_progress() -> Iterator[ProgressBar | None]:
    if not sys.stderr.isatty():
        yield None
        return
    bar = ProgressBar()
    try:
        yield bar
    finally:
        bar.close()
