"""What the operating system and the TOML parser report, said in Vietnamese.

`strerror` is English on Linux and follows the Windows language on Windows; messages go
through these tables instead, keyed by errno (and the Windows error number where it says
more), so every line a person reads is Vietnamese.
"""

from __future__ import annotations

import errno
import re
import tomllib

OS_REASONS: dict[int, str] = {
    errno.ENOENT: "không tìm thấy tệp hay thư mục",
    errno.EACCES: "không có quyền truy cập",
    errno.EPERM: "không được phép",
    errno.EISDIR: "đây là một thư mục, không phải tệp",
    errno.ENOTDIR: "một phần của đường dẫn không phải thư mục",
    errno.EEXIST: "đã có tệp cùng tên",
    errno.ENOSPC: "ổ đĩa đã đầy",
    errno.EROFS: "ổ đĩa chỉ cho đọc",
    errno.ENAMETOOLONG: "đường dẫn quá dài",
    errno.EINVAL: "tên tệp hay đường dẫn không hợp lệ",
    errno.EBUSY: "tệp đang được chương trình khác dùng",
    errno.EMFILE: "mở quá nhiều tệp cùng lúc",
    errno.ENOTEMPTY: "thư mục không trống",
    errno.EIO: "lỗi đọc/ghi thiết bị",
    errno.ELOOP: "đường dẫn có liên kết vòng",
    errno.EXDEV: "không chuyển được tệp sang ổ đĩa khác",
}

# Windows error numbers that say more than their errno.
WINDOWS_REASONS: dict[int, str] = {
    32: "tệp đang mở trong chương trình khác (Excel, Word...)",
    33: "một phần của tệp đang bị chương trình khác khóa",
    5: "không có quyền truy cập",
    123: "tên tệp hay đường dẫn có ký tự không hợp lệ",
}


def os_reason(exc: OSError) -> str:
    """Say in Vietnamese why an operating-system call failed."""
    winerror = getattr(exc, "winerror", None)
    if isinstance(winerror, int) and winerror in WINDOWS_REASONS:
        return WINDOWS_REASONS[winerror]
    if exc.errno in OS_REASONS:
        return OS_REASONS[exc.errno]
    if exc.errno is None:
        return "lỗi hệ thống"
    return f"lỗi hệ thống số {exc.errno}"


# The TOML parser's messages (Python 3.11's tomllib), as patterns, in Vietnamese.
TOML_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"Cannot overwrite a value", "khóa này đã có giá trị ở trên"),
    (r"Cannot declare (.+) twice", "khai báo {0} hai lần"),
    (r"Cannot mutate immutable namespace (.+)", "không sửa được bảng {0} đã khai báo"),
    (r"Cannot redefine namespace (.+)", "khai báo lại bảng {0}"),
    (r"Duplicate inline table key (.+)", "khóa {0} lặp lại"),
    (r"Escaped character is not a Unicode scalar value", "mã ký tự sau \\ không hợp lệ"),
    (r"Expected '=' after a key in a key/value pair", "thiếu dấu = sau tên khóa"),
    (r"Expected '\]' at the end of a table declaration", "thiếu dấu ] ở cuối tên bảng"),
    (r"Expected '\]\]' at the end of an array declaration", "thiếu ]] ở cuối tên bảng"),
    (r"Expected \"'\"", "thiếu dấu nháy đóng (') ở cuối chuỗi"),
    (r"Expected (.+)", "cần {0}"),
    (r"Invalid date or datetime", "ngày không hợp lệ (viết dạng 2024-02-05)"),
    (r"Invalid hex value", "mã \\u hay \\U sau dấu \\ không hợp lệ"),
    (r"Invalid initial character for a key part", "tên khóa bắt đầu bằng ký tự không hợp lệ"),
    (r"Invalid statement", "dòng không phải dạng khóa = giá trị"),
    (r"Invalid value", "giá trị không hợp lệ (chuỗi phải đặt trong dấu ngoặc kép)"),
    (r"Unclosed array", "danh sách thiếu dấu ] đóng"),
    (r"Unclosed inline table", "bảng thiếu dấu } đóng"),
    (r"Unescaped '\\' in a string", "dấu \\ trong chuỗi"),
    (r"Unterminated string", "chuỗi thiếu dấu ngoặc kép đóng"),
    (r"Illegal character '\\[rn]'", 'thiếu dấu nháy đóng (") ở cuối chuỗi'),
    (r"Found invalid character (.+)", "có ký tự không hợp lệ {0}"),
    (r"Illegal character (.+)", "có ký tự không hợp lệ {0}"),
)

_WHERE = re.compile(
    r"^(?P<what>.*) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$"
)

# Mistakes a Windows path written in "double quotes" makes: its \ starts an escape.
BACKSLASH_ERRORS = frozenset(
    {
        r"Escaped character is not a Unicode scalar value",
        r"Invalid hex value",
        r"Unescaped '\\' in a string",
    }
)
BACKSLASH_HINT = (
    "; đường dẫn Windows hãy đặt trong dấu nháy đơn ('C:\\Thu muc\\khoa.json') "
    "hoặc dùng dấu / thay cho \\"
)


def toml_error(exc: tomllib.TOMLDecodeError, text: str) -> str:
    """Say where a TOML file is wrong and why: `dòng 3, cột 12: thiếu dấu = sau tên khóa`."""
    match = _WHERE.match(str(exc))
    what = match.group("what") if match else str(exc)
    reason = what
    for pattern, vietnamese in TOML_MESSAGES:
        found = re.fullmatch(pattern, what)
        if found:
            reason = vietnamese.format(*found.groups())
            if pattern in BACKSLASH_ERRORS:
                reason += BACKSLASH_HINT
            break
    if match is None or match.group("line") is None:
        return f"cuối tệp: {reason}"
    line = int(match.group("line"))
    lines = text.splitlines()
    shown = lines[line - 1].strip() if line <= len(lines) else ""
    quoted = f" («{shown}»)" if shown else ""
    return f"dòng {line}, cột {match.group('col')}{quoted}: {reason}"
