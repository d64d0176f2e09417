"""The `sheets-sync` command: parse options, call the pipeline, print, map errors to exit 1."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__, output, pipeline
from . import watch as watching
from .config import Settings, load_settings
from .documents import DocumentMaker
from .errors import SheetsSyncError
from .schedule import StopRequest, duration_text, parse_every
from .sheets import open_source
from .sheets.base import Backend

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Common:
    source: str
    worksheet: str | None
    roster: Path | None
    credentials: Path | None
    settings: Settings


class Failure(click.ClickException):
    """A one-line error in Vietnamese, exit code 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"Lỗi: {self.format_message()}", err=True)


class Usage(click.UsageError):
    """A usage error told in Vietnamese, exit code 2."""

    def show(self, file: Any = None) -> None:
        command = self.ctx.command_path if self.ctx else "sheets-sync"
        click.echo(f"Lỗi cách dùng: {self.format_message()}", err=True)
        click.echo(f"Xem hướng dẫn: {command} --help", err=True)


def _usage_message(exc: click.UsageError) -> str:
    """Say the commonest usage errors in Vietnamese; others keep click's words."""
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        return f"thiếu {exc.param.get_error_hint(exc.ctx) if exc.ctx else exc.param.name}."
    if isinstance(exc, click.NoSuchOption):
        return f"không có tùy chọn {exc.option_name}."
    if isinstance(exc, click.BadParameter) and exc.param is not None and exc.ctx is not None:
        detail = exc.message
        for english, vietnamese in CLICK_WORDS:
            detail = detail.replace(english, vietnamese)
        return f"giá trị không hợp lệ cho {exc.param.get_error_hint(exc.ctx)}: {detail}"
    if exc.message.startswith("No such command"):
        return f"không có lệnh {exc.message.split(' ', 3)[-1]}"
    return exc.format_message()


# click's own words in the details of a bad value, and what they are in Vietnamese.
CLICK_WORDS = (
    ("does not exist.", "không tồn tại."),
    ("is a directory.", "là một thư mục."),
    ("is a file.", "là một tệp."),
    ("is not one of", "không phải một trong"),
    ("File ", "Tệp "),
    ("Directory ", "Thư mục "),
)


class Group(click.Group):
    """Turn every library error into one Vietnamese line and exit 1; never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SheetsSyncError as exc:
            raise Failure(str(exc)) from None
        except KeyboardInterrupt:
            click.echo(
                "Đã dừng theo yêu cầu; bảng tính và các tệp vẫn như trước khi dừng ghi.", err=True
            )
            sys.exit(130)
        except Usage:
            raise
        except click.UsageError as exc:
            raise Usage(_usage_message(exc), exc.ctx) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except OSError as exc:
            raise Failure(f"Lỗi đọc/ghi tệp: {exc.strerror or exc} ({exc.filename}).") from None
        except Exception as exc:
            # A bug, not a user error: one line, and the traceback only when asked for.
            if os.environ.get("SHEETS_SYNC_DEBUG"):
                raise
            raise Failure(
                f"Lỗi không mong đợi ({type(exc).__name__}): {exc}. Bảng tính không bị ghi dở; "
                "chạy lại với SHEETS_SYNC_DEBUG=1 để xem chi tiết và báo cho người bảo trì."
            ) from None


def common_options(func: F) -> F:
    """Add the SOURCE argument and the options every command shares."""
    options = [
        click.version_option(__version__, prog_name="sheets-sync"),
        click.argument("source"),
        click.option("--worksheet", help="Trang tính chứa câu trả lời (mặc định: trang đầu tiên)."),
        click.option(
            "--roster",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Tệp danh sách đơn vị (.xlsx/.csv) khi bảng tính không có trang "
            "'Danh sách đơn vị'.",
        ),
        click.option(
            "--credentials",
            # The backend checks the key only when the source is a Google spreadsheet.
            type=click.Path(path_type=Path),
            envvar="GOOGLE_APPLICATION_CREDENTIALS",
            help="Khóa JSON của tài khoản dịch vụ Google "
            "(mặc định: GOOGLE_APPLICATION_CREDENTIALS).",
        ),
        click.option(
            "--config",
            "config_path",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Tệp cấu hình TOML (mặc định: ./sheets-sync.toml nếu có).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _common(kwargs: dict[str, Any]) -> Common:
    settings = load_settings(kwargs.pop("config_path"))
    return Common(
        kwargs.pop("source"),
        kwargs.pop("worksheet"),
        kwargs.pop("roster"),
        kwargs.pop("credentials"),
        settings,
    )


@contextmanager
def _backend(common: Common, *, readonly: bool) -> Iterator[Backend]:
    with open_source(
        common.source, roster=common.roster, credentials=common.credentials, readonly=readonly
    ) as backend:
        yield backend
        for warning in getattr(backend, "warnings", []):
            click.echo(f"Cảnh báo: {warning}", err=True)


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
def _progress() -> Iterator[ProgressBar | None]:
    if not sys.stderr.isatty():
        yield None
        return
    bar = ProgressBar()
    try:
        yield bar
    finally:
        bar.close()


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Định dạng kết quả.",
)
OUT = click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("danh-sach"),
    show_default=True,
    help="Thư mục ghi các danh sách Word.",
)
TEMPLATE = click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Mẫu .docx riêng của đơn vị (có hai bảng của biểu mẫu).",
)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sheets-sync")
def main() -> None:
    """Kiểm tra danh sách Fanpage công đoàn từ Google Form, ghi trạng thái và lập danh sách Word."""


def _checked(common: Common) -> pipeline.Checked:
    """Read and decide, writing nothing."""
    with _backend(common, readonly=True) as backend:
        return pipeline.check(backend, common.settings, common.worksheet)


@main.command()
@common_options
@FORMAT
def check(fmt: str, **kwargs: Any) -> None:
    """Đọc, chuẩn hóa, kiểm tra và in kết quả; không ghi gì."""
    common = _common(kwargs)
    checked = _checked(common)
    if fmt == "json":
        _print_json(output.check_json(checked))
    else:
        click.echo("\n".join(output.check_text(checked, common.settings)))


@main.command()
@common_options
@OUT
@TEMPLATE
@click.option("--dry-run", is_flag=True, help="Chỉ cho biết sẽ thay đổi gì; không ghi gì.")
def run(out_dir: Path, template: Path | None, dry_run: bool, **kwargs: Any) -> None:
    """Kiểm tra, lập danh sách Word và ghi trạng thái vào bảng tính."""
    _lists(_common(kwargs), out_dir, template, dry_run=dry_run, statuses=True)


@main.command()
@common_options
@OUT
@TEMPLATE
def docs(out_dir: Path, template: Path | None, **kwargs: Any) -> None:
    """Chỉ lập danh sách Word."""
    _lists(_common(kwargs), out_dir, template, dry_run=False, statuses=False)


def _lists(
    common: Common, out_dir: Path, template: Path | None, *, dry_run: bool, statuses: bool
) -> None:
    """Make the Word lists, and write the statuses when asked; print what was done."""
    maker = DocumentMaker(common.settings.documents, template)
    readonly = dry_run or not statuses
    with _backend(common, readonly=readonly) as backend, _progress() as bar:
        outcome = pipeline.run(
            backend,
            common.settings,
            common.worksheet,
            out_dir,
            maker,
            dry_run=dry_run,
            write_statuses=statuses,
            progress=bar,
        )
    click.echo("\n".join(output.run_text(outcome, str(out_dir), dry_run, statuses=statuses)))


@main.command()
@common_options
@FORMAT
def report(fmt: str, **kwargs: Any) -> None:
    """Với từng đơn vị trong danh sách: đã nộp hợp lệ, đã nộp nhưng cần sửa, hay chưa nộp."""
    common = _common(kwargs)
    checked = _checked(common)
    if checked.roster_entries is None and common.roster is not None:
        raise Failure(f"Tệp danh sách đơn vị {common.roster} trống: thêm các đơn vị rồi chạy lại.")
    if checked.roster_entries is None:
        raise Failure(
            "Không có danh sách đơn vị: thêm trang tính 'Danh sách đơn vị' hoặc dùng --roster TỆP."
        )
    if fmt == "json":
        _print_json(output.report_json(checked.roster_entries))
    else:
        lines = output.report_text(checked.roster_entries, common.settings)
        click.echo("\n".join([*lines, *output.notes(checked)]))


def _say(line: str, failed: bool) -> None:
    click.echo(line, err=failed)


def _every(ctx: click.Context, param: click.Parameter, value: str) -> float:
    try:
        return parse_every(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


@main.command()
@common_options
@OUT
@TEMPLATE
@click.option(
    "--every",
    default=watching.DEFAULT_EVERY,
    callback=_every,
    show_default=True,
    help="Bao lâu kiểm tra một lần: số giây, hoặc 30s, 2m, 1h.",
)
@click.option("--max-cycles", type=click.IntRange(min=1), hidden=True)
def watch(
    out_dir: Path, template: Path | None, every: float, max_cycles: int | None, **kwargs: Any
) -> None:
    """Theo dõi: chạy lại như lệnh run mỗi khi câu trả lời thay đổi, tới khi nhấn Ctrl+C."""
    common = _common(kwargs)
    maker = DocumentMaker(common.settings.documents, template)
    stop = StopRequest()
    opened = watching.opened(
        common.source,
        roster=common.roster,
        credentials=common.credentials,
        warn=lambda line: click.echo(f"Cảnh báo: {line}", err=True),
    )
    with opened as (open_backend, files), stop.handling_signals():
        campaign = watching.run_campaign(
            open_backend,
            files,
            common.settings,
            common.worksheet,
            out_dir,
            maker,
            progress=watching.stopping_notice(stop, _say),
        )
        click.echo(
            f"Đang theo dõi {common.source}, kiểm tra mỗi {duration_text(every)}; "
            "nhấn Ctrl+C để dừng."
        )
        cycles = watching.watch(campaign, every, _say, stop, max_cycles=max_cycles)
    click.echo(f"Đã dừng theo dõi sau {cycles} lượt kiểm tra; không có gì bị ghi dở.")


@main.command()
@common_options
@OUT
@click.option("--dry-run", is_flag=True, help="Không gửi: soạn thư thành tệp .eml để mở xem.")
@click.option(
    "--outbox",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("thu-gui"),
    show_default=True,
    help="Thư mục ghi các thư soạn thử (với --dry-run).",
)
@click.option("--remind", is_flag=True, help="Nhắc cả các đơn vị chưa nộp (mỗi ngày một lần).")
def notify(out_dir: Path, dry_run: bool, outbox: Path, remind: bool, **kwargs: Any) -> None:
    """Gửi email cho từng đơn vị: kết quả kiểm tra, kèm danh sách Word khi hợp lệ."""
    from . import notify as job

    common = _common(kwargs)
    maker = DocumentMaker(common.settings.documents)
    with _backend(common, readonly=dry_run) as backend:
        outcome = job.notify(
            backend, common.settings, common.worksheet, out_dir, maker,
            remind=remind, dry_run=dry_run, outbox=outbox,
        )  # fmt: skip
    click.echo("\n".join(job.summary_lines(outcome, outbox)))
