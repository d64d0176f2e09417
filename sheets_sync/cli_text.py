"""The command line in Vietnamese: Click's own texts, usage errors, and consoles of any encoding.

Click marks every text it prints (usage line, headings, `--help`, its errors) for gettext;
`use_vietnamese` points those lookups at the tables below, so Click says them in Vietnamese
whatever the machine's language. `Group` and `Command` turn every failure into one
Vietnamese line, and make output survive a console or a redirected file that is not UTF-8.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

import click

from .console import prepare_streams
from .errors import SheetsSyncError
from .sheets.google_redact import redact
from .system_text import os_reason

# Click's message ids (as in click's source) and what they say in Vietnamese.
CLICK_TEXTS: dict[str, str] = {
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Positional arguments": "Tham số",
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "Show the version and exit.": "Hiện phiên bản rồi thoát.",
    "%(prog)s, version %(version)s": "%(prog)s, phiên bản %(version)s",
    "default: {default}": "mặc định: {default}",
    "env var: {var}": "biến môi trường: {var}",
    "required": "bắt buộc",
    "deprecated": "không còn dùng",
    "Error: {message}": "Lỗi: {message}",
    "Try '{command} {option}' for help.": "Xem hướng dẫn: {command} {option}",
    "Aborted!": "Đã dừng.",
    "Missing command.": "Thiếu lệnh.",
    "Missing argument": "Thiếu tham số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing {param_type}": "Thiếu {param_type}",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "No such option {name!r}.": "Không có tùy chọn {name}.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: {message}",
    "Option {name!r} does not take a value.": "Tùy chọn {name} không nhận giá trị.",
    "Argument {name!r} takes {nargs} values.": "Tham số {name} cần {nargs} giá trị.",
    "Invalid start character for option ({option})": "Ký tự đầu không hợp lệ cho tùy chọn "
    "({option})",
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    "unknown error": "lỗi không rõ",
    "file": "tệp",
    "directory": "thư_mục",
    "path": "đường_dẫn",
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    "{name} {filename!r} does not exist.": "Không tìm thấy {filename!r}.",
    "{name} {filename!r} is a file.": "{filename!r} là một tệp, cần một thư mục.",
    "{name} {filename!r} is a directory.": "{filename!r} là một thư mục, cần một tệp.",
    "{name} {filename!r} is not readable.": "Không có quyền đọc {filename!r}.",
    "{name} {filename!r} is not writable.": "Không có quyền ghi {filename!r}.",
    "{name} {filename!r} is not executable.": "Không có quyền chạy {filename!r}.",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải một số hợp lệ.",
    "{value} is not in the range {range}.": "{value} không nằm trong khoảng {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} không phải "
    "có/không. Giá trị nhận được: {states}",
    "Do you want to continue?": "Tiếp tục?",
    "Error: invalid input": "Lỗi: giá trị không hợp lệ",
    "Error: The two entered values do not match.": "Lỗi: hai lần nhập không giống nhau.",
    "Repeat for confirmation": "Nhập lại để xác nhận",
    "Press any key to continue...": "Bấm phím bất kỳ để tiếp tục...",
}

# Plural messages by their singular id: Vietnamese says both the same way.
CLICK_PLURALS: dict[str, str] = {
    "Got unexpected extra argument ({args})": "Thừa tham số ({args}).",
    "Did you mean {possibility}?": "Có phải ý bạn là {possibility}?",
    "Option {name!r} requires an argument.": "Tùy chọn {name} cần một giá trị.",
    "{value!r} is not {choice}.": "{value!r} không phải một trong {choices}.",
    "{value!r} does not match the format {format}.": "{value!r} không đúng dạng {formats}.",
    "Takes {nargs} values but 1 was given.": "Cần {nargs} giá trị nhưng nhận {len}.",
}


def vi_gettext(message: str) -> str:
    """Say one of Click's texts in Vietnamese; an unknown one stays as Click wrote it."""
    return CLICK_TEXTS.get(message, message)


def vi_ngettext(singular: str, plural: str, n: int) -> str:
    """The plural form of `vi_gettext`."""
    return CLICK_PLURALS.get(singular, singular if n == 1 else plural)


def use_vietnamese() -> None:
    """Point Click's text lookups at the Vietnamese tables; call before building commands."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.termui
    import click.types

    modules = (click.core, click.decorators, click.exceptions, click.formatting)
    for module in (*modules, click.parser, click.termui, click.types):
        names = vars(module)  # each module did `from gettext import gettext as _`
        if "_" in names:
            names["_"] = vi_gettext
        if "ngettext" in names:
            names["ngettext"] = vi_ngettext


class Failure(click.ClickException):
    """A one-line error in Vietnamese, exit code 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"Lỗi: {redact(self.format_message())}", err=True)


class Usage(click.UsageError):
    """A usage error told in Vietnamese, exit code 2."""

    def show(self, file: Any = None) -> None:
        command = self.ctx.command_path if self.ctx else "sheets-sync"
        click.echo(f"Lỗi cách dùng: {self.format_message()}", err=True)
        click.echo(f"Xem hướng dẫn: {command} --help", err=True)


OPTIONS_METAVAR = "[TÙY_CHỌN]"
# Usage errors passed on as they are: ours, and the help Click 8.2+ shows for a bare
# `sheets-sync` as a usage error.
_KEEP: tuple[type[click.UsageError], ...] = (
    Usage,
    *(getattr(click.exceptions, n) for n in ("NoArgsIsHelpError",) if hasattr(click.exceptions, n)),
)

# Words that end a path a user may type: a file of ours, or a folder separator.
_PATH_END = re.compile(r"\.(xlsx|csv|json|toml|docx)$|[\\/]$", re.IGNORECASE)


def extra_arguments(extra: list[str], before: str | None) -> str:
    """Say which arguments are too many; when they look like a split path, say to quote it."""
    message = vi_ngettext("Got unexpected extra argument ({args})", "", len(extra))
    message = message.format(args=" ".join(extra))
    words = [before, *extra] if before else list(extra)
    path_like = any(_PATH_END.search(w) or "\\" in w or "/" in w for w in words)
    if not path_like:
        return message
    end = next((i for i, w in enumerate(words) if _PATH_END.search(w)), len(words) - 1)
    example = " ".join(words[: end + 1])
    return (
        f"{message} Nếu đường dẫn có dấu cách, đặt đường dẫn trong dấu ngoặc kép, "
        f'ví dụ: "{example}"'
    )


QUOTE_VALUE_HINT = (
    ' Nếu giá trị có dấu cách, đặt cả giá trị trong dấu ngoặc kép, ví dụ: {option} "{value}"'
)


def _option_value_at(
    command: click.Command, given: list[str], index: int
) -> tuple[str, str] | None:
    """The option and its value when `given[index]` is the value of an option taking one."""
    if index < 0:
        return None
    word = given[index]
    for param in command.params:
        if not isinstance(param, click.Option) or param.is_flag or param.count:
            continue
        for name in param.opts:
            if word.startswith(f"{name}="):
                return name, word[len(name) + 1 :]
            if index > 0 and given[index - 1] == name:
                return name, word
    return None


def _words_after(given: list[str], index: int) -> list[str]:
    """The words after `given[index]` up to the next option."""
    words: list[str] = []
    for word in given[index + 1 :]:
        if word.startswith("-"):
            break
        words.append(word)
    return words


def extra_after_option(command: click.Command, given: list[str], extra: list[str]) -> str | None:
    """When the extra arguments follow an option's value, say to quote the value with them."""
    if extra[0] not in given:
        return None
    first = len(given) - 1 - given[::-1].index(extra[0])  # the extra words come last
    found = _option_value_at(command, given, first - 1)
    if found is None:
        return None
    option, value = found
    words = [value, extra[0], *_words_after(given, first)]
    message = vi_ngettext("Got unexpected extra argument ({args})", "", len(extra))
    hint = QUOTE_VALUE_HINT.format(option=option, value=" ".join(words))
    return message.format(args=" ".join(extra)) + hint


def missing_path_hint(exc: click.BadParameter, given: list[str]) -> str:
    """For an option's path that does not exist, but does with the next words: say to quote it."""
    if not isinstance(exc.param, click.Option):
        return ""
    for index in range(len(given)):
        found = _option_value_at(exc.ctx.command, given, index) if exc.ctx else None
        if found is None or found[0] not in exc.param.opts:
            continue
        option, value = found
        words = _words_after(given, index)
        for count in range(len(words), 0, -1):
            joined = " ".join([value, *words[:count]])
            if os.path.exists(joined):
                return QUOTE_VALUE_HINT.format(option=option, value=joined)
    return ""


class Command(click.Command):
    """A command whose usage errors are Vietnamese lines, with a hint for unquoted paths."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)  # Click consumes `args` while parsing
        allowed, ctx.allow_extra_args = ctx.allow_extra_args, True  # reported below, with a hint
        try:
            rest = super().parse_args(ctx, args)
        except _KEEP:
            raise
        except click.BadParameter as exc:
            message = exc.format_message() + missing_path_hint(exc, given)
            raise Usage(message, exc.ctx or ctx) from None
        except click.UsageError as exc:
            raise Usage(exc.format_message(), exc.ctx or ctx) from None
        finally:
            ctx.allow_extra_args = allowed
        if ctx.args and not allowed and not ctx.resilient_parsing:
            extra = list(ctx.args)
            message = extra_after_option(self, given, extra) or extra_arguments(
                extra, ctx.params.get("source")
            )
            raise Usage(message, ctx)
        return rest


class Group(click.Group):
    """Turn every library error into one Vietnamese line and exit 1; never a traceback."""

    command_class = Command

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        kwargs.setdefault("subcommand_metavar", "LỆNH [THAM_SỐ]...")
        super().__init__(*args, **kwargs)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        prepare_streams()
        return super().main(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except _KEEP:
            raise
        except click.UsageError as exc:
            raise Usage(exc.format_message(), exc.ctx or ctx) from None

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            raise Usage(exc.format_message(), exc.ctx or ctx) from None

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
            raise Usage(exc.format_message(), exc.ctx) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except OSError as exc:
            raise Failure(f"Lỗi đọc/ghi tệp {exc.filename}: {os_reason(exc)}.") from None
        except Exception as exc:
            # A bug, not a user error: one line, and the traceback only when asked for.
            if os.environ.get("SHEETS_SYNC_DEBUG"):
                raise
            raise Failure(
                f"Lỗi không mong đợi ({type(exc).__name__}): {exc}. Bảng tính không bị ghi dở; "
                "chạy lại với SHEETS_SYNC_DEBUG=1 để xem chi tiết và báo cho người bảo trì."
            ) from None
