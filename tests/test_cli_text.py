"""The command line speaks Vietnamese: help, Click's errors, OS and TOML errors, any console."""

import ast
import errno
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheets_sync.cli import main
from sheets_sync.system_text import os_reason

EXAMPLE = Path(__file__).parent.parent / "examples" / "form-responses.xlsx"
ROOT = Path(__file__).parent.parent


def help_lines(*args: str) -> list[str]:
    result = CliRunner().invoke(main, [*args, "--help"], prog_name="sheets-sync")
    assert result.exit_code == 0
    return result.output.splitlines()


def test_main_help_is_vietnamese():
    lines = help_lines()
    assert lines[0] == "Cách dùng: sheets-sync [TÙY_CHỌN] LỆNH [THAM_SỐ]..."
    assert "Tùy chọn:" in lines
    assert "Lệnh:" in lines
    assert "  --version   Hiện phiên bản rồi thoát." in lines
    assert "  -h, --help  Hiện hướng dẫn này rồi thoát." in lines
    assert "  check   Đọc, chuẩn hóa, kiểm tra và in kết quả; không ghi gì." in lines


def test_command_help_is_vietnamese_with_its_defaults():
    lines = help_lines("run")
    assert lines[0] == "Cách dùng: sheets-sync run [TÙY_CHỌN] NGUỒN"
    assert "  --out THƯ_MỤC           Thư mục ghi danh sách Word.  [mặc định: danh-sach]" in lines
    assert "  -h, --help              Hiện hướng dẫn này rồi thoát." in lines
    check = help_lines("check")
    assert "  --format [text|json]    Định dạng kết quả.  [mặc định: text]" in check


def test_no_english_word_of_click_is_left_in_any_help():
    assert {"check", "run", "docs", "report", "doctor", "init", "watch"} <= set(main.commands)
    for args in ([], *([name] for name in main.commands)):
        text = "\n".join(help_lines(*args))
        english_words = (
            "Usage",
            "Options",
            "Commands",
            "Show this",
            "default",
            "[OPTIONS]",
            "TEXT",
        )
        for english in english_words:
            assert english not in text, (args, english)


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (IsADirectoryError(errno.EISDIR, "Is a directory"), "đây là một thư mục, không phải tệp"),
        (NotADirectoryError(errno.ENOTDIR, "Not a directory"), "một phần của đường dẫn không"),
        (PermissionError(errno.EACCES, "Permission denied"), "không có quyền truy cập"),
        (OSError(errno.ENOSPC, "No space left on device"), "ổ đĩa đã đầy"),
        (OSError(errno.EDOM, "Numerical argument out of domain"), "lỗi hệ thống số"),
    ],
)
def test_os_errors_are_said_in_vietnamese(error, said):
    assert os_reason(error).startswith(said)


def test_an_out_folder_below_a_file_is_explained_in_vietnamese(tmp_path):
    book = tmp_path / "cau-tra-loi.xlsx"
    shutil.copy(EXAMPLE, book)
    blocker = tmp_path / "tep"
    blocker.write_text("x", "utf-8")
    result = CliRunner().invoke(main, ["docs", str(book), "--out", str(blocker / "ds")])
    assert result.exit_code == 1
    assert result.output == (
        f"Lỗi: Không tạo được thư mục {blocker / 'ds'} (một phần của đường dẫn không phải "
        "thư mục); hãy chọn --out khác.\n"
    )


@pytest.mark.parametrize(
    ("toml", "where"),
    [
        ("deadline = 2024-02-05\nroster_worksheet = Danh sách\n", "dòng 2, cột 20"),
        ("[documents\nplace = 'Long Biên'\n", "dòng 1, cột 11"),
    ],
)
def test_a_toml_mistake_names_the_line_in_vietnamese(tmp_path, toml, where):
    config = tmp_path / "sheets-sync.toml"
    config.write_text(toml, "utf-8")
    book = tmp_path / "a.xlsx"
    shutil.copy(EXAMPLE, book)
    result = CliRunner().invoke(main, ["check", str(book), "--config", str(config)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Lỗi: Tệp cấu hình {config} sai cú pháp TOML ở {where} («")
    assert "Invalid" not in result.output and "Expected" not in result.output


def test_a_windows_path_in_double_quotes_gets_the_single_quote_hint(tmp_path):
    config = tmp_path / "sheets-sync.toml"
    config.write_text('[documents]\nplace = "C:\\Users\\ldld"\n', "utf-8")
    book = tmp_path / "a.xlsx"
    shutil.copy(EXAMPLE, book)
    result = CliRunner().invoke(main, ["check", str(book), "--config", str(config)])
    assert result.exit_code == 1
    assert "dòng 2" in result.output
    assert "đặt trong dấu nháy đơn ('C:\\Thu muc\\khoa.json')" in result.output


def _run_cli(args: list[str], env_extra: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, **env_extra}
    env.pop("PYTHONUTF8", None)
    code = "from sheets_sync.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=env, check=False, timeout=120, **kwargs
    )


def test_output_redirected_under_a_windows_code_page_stays_readable_utf8(tmp_path):
    book = tmp_path / "cau-tra-loi.xlsx"
    shutil.copy(EXAMPLE, book)
    out, err = tmp_path / "ket-qua.txt", tmp_path / "loi.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        done = _run_cli(
            ["check", str(book)], {"PYTHONIOENCODING": "cp1252"}, stdout=stdout, stderr=stderr
        )
    assert done.returncode == 0, err.read_bytes()
    text = out.read_bytes().decode("utf-8")  # not cp1252, not mangled
    assert [line for line in text.splitlines() if line.startswith("Đã kiểm tra")] == [
        "Đã kiểm tra 31 dòng của 30 đơn vị: 19 hợp lệ, 7 cần lưu ý, 4 cần sửa, "
        "1 đã thay bằng lần gửi sau."
    ]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        failed = _run_cli(
            ["check", str(tmp_path / "khong-co.xlsx")],
            {"PYTHONIOENCODING": "cp1252"},
            stdout=stdout,
            stderr=stderr,
        )
    assert failed.returncode == 1
    assert err.read_bytes().decode("utf-8").startswith("Lỗi: Không tìm thấy tệp ")


def test_a_console_without_vietnamese_letters_gets_them_without_accents(tmp_path):
    book = tmp_path / "cau-tra-loi.xlsx"
    shutil.copy(EXAMPLE, book)
    leader, follower = pty.openpty()
    try:
        done = _run_cli(
            ["check", str(book)],
            {"PYTHONIOENCODING": "cp437"},
            stdout=follower,
            stderr=subprocess.PIPE,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    assert done.returncode == 0, done.stderr
    lines = b"".join(chunks).decode("cp437").splitlines()
    assert [line for line in lines if line.startswith("Da kiem tra")] == [
        # cp437 has ò: only the letters it lacks lose their accents.
        "Da kiem tra 31 dòng cua 30 don vi: 19 hop le, 7 can luu y, 4 can sua, "
        "1 da thay bang lan gui sau."
    ]


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [(92184, 0, "92.184"), (31.24, 1, "31,2"), (1234.56, 1, "1.234,6"), (7, 0, "7")],
)
def test_numbers_use_vietnamese_separators(value, decimals, text):
    from sheets_sync.output import number

    assert number(value, decimals) == text


def test_a_config_saved_by_notepad_loads_and_a_non_utf8_one_is_named(tmp_path):
    from sheets_sync.config import load_settings
    from sheets_sync.errors import ConfigError

    config = tmp_path / "sheets-sync.toml"
    config.write_bytes(b"\xef\xbb\xbf" + "[documents]\nplace = 'Gia Lâm'\n".encode())
    assert load_settings(config).documents.place == "Gia Lâm"
    config.write_bytes("[documents]\nplace = 'Gia Lâm'\n".encode("cp1258"))
    with pytest.raises(ConfigError) as error:
        load_settings(config)
    assert str(error.value) == (
        f"Tệp cấu hình {config} không phải văn bản UTF-8: lưu lại tệp với mã hóa UTF-8."
    )


def test_a_bare_command_shows_the_vietnamese_help():
    result = CliRunner().invoke(main, [], prog_name="sheets-sync")
    assert result.output.splitlines()[0] == "Cách dùng: sheets-sync [TÙY_CHỌN] LỆNH [THAM_SỐ]..."
    assert "Lỗi" not in result.output


def _script_entry() -> tuple[str, str]:
    """The module and function the installed `sheets-sync` command runs."""
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    module, function = scripts["sheets-sync"].split(":")
    return module, function


def test_the_command_starts_from_a_module_that_loads_nothing_heavy():
    module, _ = _script_entry()
    code = f"import sys, {module}; print(sorted({{'click', 'gspread', 'docx'}} & set(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout == "[]\n"


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.1, 0.2, 0.3, 0.45])
def test_ctrl_c_while_the_program_loads_stops_with_one_vietnamese_line(tmp_path, delay):
    """Ctrl-C at any early moment: no traceback; while loading, one line and exit code 130."""
    import signal
    import time

    module, function = _script_entry()
    book = tmp_path / "cau-tra-loi.xlsx"
    shutil.copy(EXAMPLE, book)
    code = (
        f"import sys; from {module} import {function} as main; "
        "sys.argv[1:] = ['check', sys.argv[1]]; print('ready', flush=True); main()"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(book)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None
    assert child.stdout.readline() == b"ready\n"
    time.sleep(0.02 + delay)  # past the print, inside the program
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=120)
    stderr = err.decode("utf-8")
    assert "Traceback" not in stderr
    if delay == 0.0:  # still loading Click and the libraries
        assert (child.returncode, stderr) == (130, "Đã dừng theo yêu cầu.\n")
    elif child.returncode == 130:
        assert stderr.splitlines()[-1].startswith("Đã dừng theo yêu cầu")
    elif child.returncode == 1:  # while Click reads the options: Click's own stop, in Vietnamese
        assert stderr.splitlines()[-1] == "Đã dừng.", stderr
    else:  # done already, or stopped while Python shuts down (no Python code runs then)
        assert child.returncode in (0, -signal.SIGINT), stderr


def test_an_option_path_with_spaces_typed_without_quotes_gets_the_quoted_form(tmp_path):
    roster = tmp_path / "my roster.xlsx"
    roster.write_bytes(b"")
    book = tmp_path / "e.xlsx"
    shutil.copy(EXAMPLE, book)
    split = [str(tmp_path / "my"), "roster.xlsx"]
    result = CliRunner().invoke(main, ["check", "--roster", *split, str(book)])
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == (
        f"Lỗi cách dùng: Giá trị không hợp lệ cho '--roster': Không tìm thấy '{split[0]}'. "
        "Nếu giá trị có dấu cách, đặt cả giá trị trong dấu ngoặc kép, ví dụ: "
        f'--roster "{roster}"'
    )


@pytest.mark.parametrize(
    ("toml", "said"),
    [
        (
            '[documents]\nplace = "Long Biên\nsigner = "A"\n',
            'dòng 2, cột 19 («place = "Long Biên»): thiếu dấu nháy đóng (") ở cuối chuỗi.',
        ),
        (
            '[documents]\r\nplace = "Long Biên\r\n',
            'dòng 2, cột 19 («place = "Long Biên»): thiếu dấu nháy đóng (") ở cuối chuỗi.',
        ),
        ("[documents]\nplace = 'Long Biên\n", "cuối tệp: thiếu dấu nháy đóng (') ở cuối chuỗi."),
    ],
)
def test_an_unterminated_string_says_the_closing_quote_is_missing(tmp_path, toml, said):
    config = tmp_path / "sheets-sync.toml"
    config.write_bytes(toml.encode("utf-8"))
    book = tmp_path / "a.xlsx"
    shutil.copy(EXAMPLE, book)
    result = CliRunner().invoke(main, ["check", str(book), "--config", str(config)])
    assert result.exit_code == 1
    assert result.output == f"Lỗi: Tệp cấu hình {config} sai cú pháp TOML ở {said}\n"


# A tone mark on the second vowel of an open "oa", "oe", "uy" (hoá, xoá, tuỳ): the texts
# place it the older way (hóa, xóa, tùy), as Word's and most offices' documents do.
NEW_TONE_PLACEMENT = re.compile(r"(?<![qQ])(?:[oO][áàảãạéèẻẽẹ]|[uU][ýỳỷỹỵ])(?![^\W\d_])")


def _texts(tree: ast.AST) -> list[str]:
    """The string constants of a module that a person may read: all but docstrings."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_every_text_places_tone_marks_the_same_way():
    found = [
        (path.relative_to(ROOT).as_posix(), text)
        for path in sorted((ROOT / "sheets_sync").rglob("*.py"))
        for text in _texts(ast.parse(path.read_text("utf-8")))
        if NEW_TONE_PLACEMENT.search(text)
    ]
    assert found == []


def test_the_command_collects_garbage_rarely_as_a_batch_run_should():
    """The installed command sets the collector's thresholds before doing any work."""
    module, function = _script_entry()
    code = (
        f"import gc, sys; from {module} import {function} as main; sys.argv[1:] = ['--version']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\nprint(gc.get_threshold(), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    from sheets_sync.entry import GC_THRESHOLDS

    assert done.stderr.strip() == str(GC_THRESHOLDS)
    assert GC_THRESHOLDS[0] >= 10_000  # not Python's default 700
