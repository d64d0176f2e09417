"""The `sheets-sync` command: parse options, call the pipeline, print, map errors to exit 1."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__, output, pipeline
from . import watch as watching
from .cli_text import Failure, Group, use_vietnamese
from .config import DEFAULT_CONFIG_FILE, Settings, load_settings
from .documents import DocumentMaker
from .progress import terminal_progress
from .schedule import StopRequest, duration_text, parse_clock, parse_every
from .sheets import open_source
from .sheets.base import Backend

F = TypeVar("F", bound=Callable[..., Any])

# Click builds some help texts when a command is declared: switch it to Vietnamese first.
use_vietnamese()


@dataclass
class Common:
    source: str
    worksheet: str | None
    roster: Path | None
    credentials: Path | None
    settings: Settings


def common_options(func: F) -> F:
    """Add the SOURCE argument and the options every command shares."""
    options = [
        click.version_option(__version__, prog_name="sheets-sync"),
        click.argument("source", metavar="NGUỒN"),
        click.option(
            "--worksheet",
            metavar="TÊN",
            help="Trang tính chứa câu trả lời (mặc định: trang giống biểu mẫu).",
        ),
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
            metavar="TỆP_KHÓA",
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
    help="Thư mục ghi danh sách Word.",
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
    with _backend(common, readonly=readonly) as backend, terminal_progress() as bar:
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


def _clock(ctx: click.Context, param: click.Parameter, value: str | None) -> time | None:
    try:
        return None if value is None else parse_clock(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


def _mail_steps(
    common: Common, out_dir: Path, maker: DocumentMaker, send_mail: bool, remind_at: time | None
) -> tuple[watching.Hook | None, watching.Daily | None]:
    """The notify steps `watch` runs after each change and once a day, when asked for."""
    if not send_mail and remind_at is None:
        return None, None
    from .notify import watch_step

    def step(remind: bool) -> watching.Hook:
        return watch_step(common.settings, common.worksheet, out_dir, maker, remind=remind)

    daily = watching.Daily(remind_at, step(remind=True)) if remind_at is not None else None
    return (step(remind=False) if send_mail else None), daily


@main.command()
@common_options
@OUT
@TEMPLATE
@click.option(
    "--every",
    metavar="KHOẢNG",
    default=watching.DEFAULT_EVERY,
    callback=_every,
    show_default=True,
    help="Bao lâu kiểm tra một lần: số giây, hoặc 30s, 2m, 1h.",
)
@click.option(
    "--notify",
    "send_mail",
    is_flag=True,
    help="Sau mỗi lượt có thay đổi, gửi email như lệnh notify.",
)
@click.option(
    "--remind-at",
    metavar="GIỜ:PHÚT",
    callback=_clock,
    help="Mỗi ngày một lần, vào giờ này, nhắc qua email các đơn vị chưa nộp (như notify --remind).",
)
@click.option("--max-cycles", type=click.IntRange(min=1), hidden=True)
def watch(
    out_dir: Path,
    template: Path | None,
    every: float,
    send_mail: bool,
    remind_at: time | None,
    max_cycles: int | None,
    **kwargs: Any,
) -> None:
    """Theo dõi: chạy lại như lệnh run mỗi khi câu trả lời thay đổi, tới khi nhấn Ctrl+C."""
    common = _common(kwargs)
    maker = DocumentMaker(common.settings.documents, template)
    steps = _mail_steps(common, out_dir, maker, send_mail, remind_at)
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
        campaign.after_change, campaign.daily = steps
        click.echo(
            f"Đang theo dõi {common.source}, kiểm tra mỗi {duration_text(every)}; "
            "nhấn Ctrl+C để dừng."
        )
        cycles = watching.watch(campaign, every, _say, stop, max_cycles=max_cycles)
    click.echo(f"Đã dừng theo dõi sau {cycles} lượt kiểm tra; không có gì bị ghi dở.")


@main.command()
@common_options
@OUT
def doctor(out_dir: Path, **kwargs: Any) -> None:
    """Kiểm tra toàn bộ thiết lập, mỗi mục một dòng ✔/✘ kèm cách sửa; không ghi gì."""
    from .doctor import Setup, report, run_doctor

    setup = Setup(
        kwargs["source"],
        kwargs["worksheet"],
        kwargs["roster"],
        kwargs["credentials"],
        kwargs["config_path"],
        out_dir,
    )
    if not report(run_doctor(setup), click.echo):
        raise click.exceptions.Exit(1)


@main.command()
@click.option("--superior", metavar="TÊN", help="Cơ quan cấp trên, đầu danh sách tổng hợp.")
@click.option(
    "--federation", metavar="TÊN", help="Liên đoàn Lao động của mình, đầu danh sách từng đơn vị."
)
@click.option("--place", metavar="ĐỊA_DANH", help="Địa danh ở dòng ngày tháng của văn bản.")
@click.option("--deadline", metavar="NGÀY", help="Hạn nộp (ngày/tháng/năm): từ ngày này là muộn.")
@click.option("--signer", metavar="HỌ_TÊN", help="Người ký danh sách tổng hợp.")
@click.option(
    "--out",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path(DEFAULT_CONFIG_FILE),
    show_default=True,
    metavar="TỆP",
    help="Tệp cấu hình sẽ viết.",
)
@click.option("--force", is_flag=True, help="Ghi đè tệp cấu hình đã có.")
def init(path: Path, force: bool, **given: str | None) -> None:
    """Viết tệp cấu hình sheets-sync.toml có chú thích; hỏi những gì chưa có trong tùy chọn."""
    from .init_config import ask, check_free, render, write_new

    check_free(path, force=force)
    write_new(path, render(ask(given, click.prompt)), force=force)
    click.echo(f"Đã viết {path}. Kiểm tra cả thiết lập bằng: sheets-sync doctor NGUỒN")


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
