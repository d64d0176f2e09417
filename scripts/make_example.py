"""Write examples/form-responses.xlsx: a Long Biên district's form responses and roster.

Usage: python scripts/make_example.py [OUT.xlsx]

The rows carry the mess real responses carry; each is written out by hand so the example never
changes unless this file does. Same input, same bytes: no randomness, no clock.

Sheet row → what it shows (header = row 1):
  2  clean: `Công đoàn _ Trường THCS Ngọc Lâm`, plain page link, 10-digit phones as text
  3  clean: `Công đoàn_Trường ...` (no spaces around _), phone `0983.456.789`, three staff
  4  unit `Công đoàn Trường ...` prefix; link `?mibextid=ZbWKwL`; phone a number, zero lost
  5  unit `Phòng GD&ĐT ...` abbreviated; `m.facebook.com`; `+84 983 123 456`; landline
  6  unit `UBND ...`; link without scheme; phone the number 84912345678
  7  unit `Trung học cơ sở` spelled out; name `CĐ Trường ...`; link `?ref=...&__tn__=...`
  8  group link (error), superseded by row 12
  9  unit without `Trường`; name without `_`; `profile.php?id=...&mibextid=...`; `(Zalo)`; 1 staff
  10 clean, three staff, one name in capitals `NGUYỄN THỊ HOA`
  11 name `Công đoàn-...`; old 11-digit phone `01684 567 890`; staff unit a department
  12 resubmission of row 8 with the link fixed (the effective one)
  13 unit, fanpage name and staff names in decomposed Unicode (NFD)
  14 unit `UBND phường Ngọc Thuỵ` (other tone placement than the roster's `Thụy`); NFD name
  15 unit, fanpage name, names and positions lowercase; `/share/...` link (unverifiable)
  16 unit with double spaces
  17 fanpage named after a person
  18 completely empty (skipped)
  19 `CTCP ...` for `Công ty Cổ phần ...`; Zalo link instead of a page (error)
  20 look-alike host `facebook.com.page-verify.info` (error)
  21 phone one digit short (error)
  22 second staff member named without a phone (error)
  23-31 clean, but 25 is a unit not on the roster (warning) and 28 types `BQL` for
        `Ban Quản lý`; 27 has a note
  32 timestamp typed as text `04/02/2024 23:59:00` (day-first: 4 February, on time)
  33 late: 05/02/2024 07:45
Roster units that never answer: Ủy ban nhân dân phường Phúc Đồng, Trường Mầm non Thạch Bàn,
Trường THCS Thượng Thanh.
"""

from __future__ import annotations

import io
import sys
import unicodedata
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.xml.functions import tostring
from synthetic import DATE_FORMAT, HEADER, RESPONSES_TITLE, ROSTER_HEADER, ROSTER_TITLE

# Stamped on the workbook and on every entry of its archive, so a rerun gives the same bytes.
FIXED_TIME = datetime(2024, 1, 26, 8, 0, 0)
OUT = Path(__file__).resolve().parent.parent / "examples" / "form-responses.xlsx"

Phone = str | int | None
Staff = tuple[str, str, Phone] | tuple[str, str, Phone, str]


def nfd(text: str) -> str:
    """Return text as a decomposing keyboard types it."""
    return unicodedata.normalize("NFD", text)


def at(day: int, hour: int, minute: int, second: int) -> datetime:
    """Return a submission time in the form's window (January 26 – February 5, 2024)."""
    return datetime(2024, 1 if day >= 26 else 2, day, hour, minute, second)


# (khối, canonical unit name), in the order the district lists them.
ROSTER: list[tuple[str, str]] = [
    ("Cơ quan", "Phòng Giáo dục và Đào tạo quận Long Biên"),
    ("Cơ quan", "Ban Quản lý dự án đầu tư xây dựng quận Long Biên"),
    ("Cơ quan", "Ủy ban nhân dân phường Bồ Đề"),
    ("Cơ quan", "Ủy ban nhân dân phường Ngọc Thụy"),
    ("Cơ quan", "Ủy ban nhân dân phường Phúc Đồng"),
    ("Mầm non", "Trường Mầm non Hoa Sữa"),
    ("Mầm non", "Trường Mầm non Hoa Mai"),
    ("Mầm non", "Trường Mầm non Gia Thụy"),
    ("Mầm non", "Trường Mầm non Sài Đồng"),
    ("Mầm non", "Trường Mầm non Ánh Sao"),
    ("Mầm non", "Trường Mầm non Thạch Bàn"),
    ("Tiểu học", "Trường Tiểu học Ái Mộ"),
    ("Tiểu học", "Trường Tiểu học Gia Thụy"),
    ("Tiểu học", "Trường Tiểu học Ngọc Lâm"),
    ("Tiểu học", "Trường Tiểu học Đoàn Khuê"),
    ("Tiểu học", "Trường Tiểu học Thạch Bàn A"),
    ("Tiểu học", "Trường Tiểu học Phúc Lợi"),
    ("Tiểu học", "Trường Tiểu học Giang Biên"),
    ("THCS", "Trường THCS Ngọc Lâm"),
    ("THCS", "Trường THCS Gia Thụy"),
    ("THCS", "Trường THCS Đức Giang"),
    ("THCS", "Trường THCS Chu Văn An"),
    ("THCS", "Trường THCS Sài Đồng"),
    ("THCS", "Trường THCS Việt Hưng"),
    ("THCS", "Trường THCS Thượng Thanh"),
    ("THPT", "Trường THPT Nguyễn Gia Thiều"),
    ("THPT", "Trường THPT Lý Thường Kiệt"),
    ("Y tế", "Bệnh viện Đa khoa Đức Giang"),
    ("Y tế", "Trung tâm Y tế quận Long Biên"),
    ("Doanh nghiệp", "Công ty TNHH Thương mại Hoàng Long"),
    ("Doanh nghiệp", "Công ty Cổ phần Xây dựng Long Biên"),
    ("Doanh nghiệp", "Công ty TNHH May mặc Sài Đồng"),
]

FB = "https://www.facebook.com/"
NGOC_LAM_STAFF: list[Staff] = [
    ("Trần Thị Bích Ngọc", "Chủ tịch Công đoàn", "0915263748"),
    ("Nguyễn Văn Khoa", "Ủy viên BCH", "0862 451 937"),
]

# (submitted at, e-mail, unit as typed, fanpage name, fanpage link, staff, note); None = blank row.
# A staff member is (name, position, phone[, unit]); the unit defaults to the unit as typed.
Response = tuple[datetime | str, str, str, str, str, list[Staff], str]
RESPONSES: list[Response | None] = [
    (at(26, 14, 5, 33), "thcsngoclam.lb@gmail.com", "Trường THCS Ngọc Lâm",
     "Công đoàn _ Trường THCS Ngọc Lâm", FB + "congdoanthcsngoclam",
     [("Nguyễn Thị Thu Hà", "Chủ tịch Công đoàn", "0912385476"),
      ("Trần Văn Minh", "Ủy viên BCH", "0968241573")], ""),
    (at(26, 16, 20, 7), "mnhoasua.longbien@gmail.com", "Trường Mầm non Hoa Sữa",
     "Công đoàn_Trường Mầm non Hoa Sữa", FB + "congdoanmamnonhoasua",
     [("Phạm Thị Lan Anh", "Chủ tịch Công đoàn", "0983.456.789"),
      ("Lê Thị Ngọc Ánh", "Phó Chủ tịch", "0904 127 386"),
      ("Đỗ Thị Hằng", "Ủy viên BCH", "0356 218 947")], ""),
    (at(27, 8, 47, 51), "thaimo.lb@gmail.com", "Công đoàn Trường Tiểu học Ái Mộ",
     "Công đoàn _ Trường Tiểu học Ái Mộ", FB + "congdoanthaimo?mibextid=ZbWKwL",
     [("Hoàng Thị Minh Nguyệt", "Chủ tịch Công đoàn", 971234568, "Trường Tiểu học Ái Mộ"),
      ("Vũ Đức Thắng", "Ủy viên BCH", "0386572914", "Trường Tiểu học Ái Mộ")], ""),
    (at(27, 10, 12, 40), "pgdlongbien@gmail.com", "Phòng GD&ĐT quận Long Biên",
     "Công đoàn _ Phòng Giáo dục và Đào tạo quận Long Biên",
     "https://m.facebook.com/congdoanphonggddtlongbien",
     [("Đặng Văn Hùng", "Chủ tịch Công đoàn", "+84 983 123 456"),
      ("Bùi Thị Thanh Huyền", "Ủy viên BCH", "024.3827.1234")], ""),
    (at(27, 14, 33, 2), "ubndbode.cd@gmail.com", "UBND phường Bồ Đề",
     "Công đoàn _ UBND phường Bồ Đề", "facebook.com/congdoanphuongbode",
     [("Ngô Thị Kim Oanh", "Chủ tịch Công đoàn", 84912345678),
      ("Lý Văn Toàn", "Phó Chủ tịch Công đoàn", "0977 318 245")], ""),
    (at(28, 9, 5, 26), "thcsgiathuy@gmail.com", "Trường Trung học cơ sở Gia Thụy",
     "CĐ Trường THCS Gia Thụy", FB + "cdthcsgiathuy?ref=embed_page&__tn__=kC-R",
     [("Đinh Thị Hồng Nhung", "Chủ tịch Công đoàn", "0945 672 318"),
      ("Phan Quang Huy", "Ủy viên BCH", "0332187456")], ""),
    (at(29, 8, 15, 44), "thngoclam.lb@gmail.com", "Trường Tiểu học Ngọc Lâm",
     "Công đoàn _ Trường Tiểu học Ngọc Lâm", FB + "groups/congdoanthngoclam/",
     NGOC_LAM_STAFF, ""),
    (at(29, 10, 41, 18), "mnhoamai.lb@gmail.com", "Mầm non Hoa Mai",
     "Công đoàn Trường Mầm non Hoa Mai",
     FB + "profile.php?id=100089412345678&mibextid=LQQJ4d",
     [("Lê Thị Thu Trang", "Chủ tịch Công đoàn", "0936 247 815 (Zalo)")], ""),
    (at(29, 15, 58, 9), "thptnguyengiathieu@gmail.com", "Trường THPT Nguyễn Gia Thiều",
     "Công đoàn _ Trường THPT Nguyễn Gia Thiều", FB + "congdoan.nguyengiathieu",
     [("Phạm Văn Đức", "Chủ tịch Công đoàn", "0989123765"),
      ("NGUYỄN THỊ HOA", "Phó Chủ tịch", "0913 456 278"),
      ("Hà Minh Tuấn", "Ủy viên BCH", "0397 645 128")], ""),
    (at(30, 9, 22, 35), "congdoanbvducgiang@gmail.com", "Bệnh viện Đa khoa Đức Giang",
     "Công đoàn-Bệnh viện Đa khoa Đức Giang", FB + "congdoanbenhvienducgiang",
     [("Dương Thị Phương Thảo", "Chủ tịch Công đoàn", "01684 567 890"),
      ("Cao Văn Long", "Ủy viên BCH", "0916 825 473", "Khoa Khám bệnh")], ""),
    (at(31, 7, 50, 12), "thngoclam.lb@gmail.com", "Trường Tiểu học Ngọc Lâm",
     "Công đoàn _ Trường Tiểu học Ngọc Lâm", FB + "congdoanthngoclam",
     NGOC_LAM_STAFF, "Gửi lại: sửa đường link Fanpage"),
    (at(31, 13, 27, 55), "mnsaidong@gmail.com", nfd("Trường Mầm non Sài Đồng"),
     nfd("Công đoàn _ Trường Mầm non Sài Đồng"), FB + "congdoanmnsaidong",
     [(nfd("Vương Thị Hạnh"), nfd("Chủ tịch Công đoàn"), "0348.915.276"),
      (nfd("Nguyễn Thị Hương Giang"), nfd("Ủy viên BCH"), "0972 863 154")], ""),
    (at(1, 8, 36, 21), "ubndngocthuy@gmail.com", "UBND phường Ngọc Thuỵ",
     "Công đoàn _ UBND phường Ngọc Thuỵ", FB + "congdoanphuongngocthuy/",
     [(nfd("Lê Thị Thuỷ"), "Chủ tịch Công đoàn", "0837 294 615"),
      ("Trịnh Văn Hải", "Ủy viên BCH", "0394 128 576")], ""),
    (at(1, 14, 10, 48), "thcsducgiang@gmail.com", "trường thcs đức giang",
     "công đoàn _ trường thcs đức giang", FB + "share/15dXqKz7aB/?mibextid=qi2Omg",
     [("phạm thị mai", "chủ tịch công đoàn", "0985 736 421"),
      ("đào văn nam", "ủy viên bch", "0359728164")], ""),
    (at(2, 9, 3, 17), "thdoankhue@gmail.com", "Trường  Tiểu học   Đoàn Khuê",
     "Công đoàn _ Trường Tiểu học Đoàn Khuê", FB + "congdoanthdoankhue",
     [("Hoàng Thị Hải Yến", "Chủ tịch Công đoàn", "0906 384 172"),
      ("Nguyễn Mạnh Cường", "Ủy viên BCH", "0327 461 985")], ""),
    (at(2, 10, 45, 39), "hoanglong.trading@gmail.com", "Công ty TNHH Thương mại Hoàng Long",
     "Phạm Thị Lan", FB + "phamthilan.hoanglong",
     [("Phạm Thị Lan", "Chủ tịch Công đoàn", "0918 273 645"),
      ("Trần Quang Vinh", "Ủy viên BCH", "0708 342 196")], ""),
    None,
    (at(2, 15, 14, 6), "xaydunglongbien.cd@gmail.com", "CTCP Xây dựng Long Biên",
     "Công đoàn _ Công ty Cổ phần Xây dựng Long Biên", "https://zalo.me/g/cdxaydunglb",
     [("Bùi Văn Tiến", "Chủ tịch Công đoàn", "0982 615 347")], ""),
    (at(3, 8, 29, 50), "thgiathuy@gmail.com", "Trường Tiểu học Gia Thụy",
     "Công đoàn _ Trường Tiểu học Gia Thụy",
     "https://facebook.com.page-verify.info/congdoanthgiathuy",
     [("Đỗ Thị Kim Dung", "Chủ tịch Công đoàn", "0942 371 586"),
      ("Lương Văn Bình", "Ủy viên BCH", "0398 256 417")], ""),
    (at(3, 10, 2, 13), "thcschuvanan.lb@gmail.com", "Trường THCS Chu Văn An",
     "Công đoàn _ Trường THCS Chu Văn An", FB + "congdoanthcschuvanan",
     [("Hồ Thị Thanh Hương", "Chủ tịch Công đoàn", "098345671"),
      ("Tạ Đức Anh", "Ủy viên BCH", "0375 842 619")], ""),
    (at(3, 14, 47, 28), "ttytlongbien@gmail.com", "Trung tâm Y tế quận Long Biên",
     "Công đoàn _ Trung tâm Y tế quận Long Biên", FB + "ttytlongbien.congdoan",
     [("Mai Thị Thu Hiền", "Chủ tịch Công đoàn", "0912 748 365"),
      ("Chu Văn Quân", "Ủy viên BCH", None, "Trạm Y tế phường Thạch Bàn")], ""),
    (at(3, 16, 31, 54), "mngiathuy@gmail.com", "Trường Mầm non Gia Thụy",
     "Công đoàn _ Trường Mầm non Gia Thụy", FB + "congdoanmngiathuy",
     [("Nguyễn Thị Xuân", "Chủ tịch Công đoàn", "0385 926 174"),
      ("Kiều Thị Linh", "Phó Chủ tịch", "0919 537 482")], ""),
    (at(4, 8, 12, 5), "ththachbana@gmail.com", "Trường Tiểu học Thạch Bàn A",
     "Công đoàn _ Trường Tiểu học Thạch Bàn A", FB + "congdoanththachbana",
     [("Vũ Thị Thanh Tâm", "Chủ tịch Công đoàn", "0976 184 253"),
      ("Lại Văn Sơn", "Ủy viên BCH", "0353 617 842")], ""),
    (at(4, 9, 40, 31), "cokhithachban@gmail.com", "Công ty TNHH Cơ khí Thạch Bàn",
     "Công đoàn _ Công ty TNHH Cơ khí Thạch Bàn", FB + "congdoancokhithachban",
     [("Tô Văn Dũng", "Chủ tịch Công đoàn", "0967 253 814")], ""),
    (at(4, 10, 18, 46), "thcsviethung@gmail.com", "Trường THCS Việt Hưng",
     "Công đoàn _ Trường THCS Việt Hưng", FB + "congdoanthcsviethung",
     [("Nguyễn Thị Quỳnh", "Chủ tịch CĐCS", "0933 628 417"),
      ("Phan Thị Ngọc Mai", "Ủy viên BCH", "0868 471 592")], ""),
    (at(4, 13, 55, 20), "thptlythuongkiet@gmail.com", "Trường THPT Lý Thường Kiệt",
     "Công đoàn _ Trường THPT Lý Thường Kiệt", FB + "congdoanthptlythuongkiet",
     [("Trần Minh Hoàng", "Chủ tịch Công đoàn", "0989 762 314"),
      ("Nguyễn Thị Duyên", "Phó Chủ tịch", "0327 185 946")], "Fanpage mới lập tháng 01/2024"),
    (at(4, 15, 8, 37), "bqldalongbien@gmail.com", "BQL dự án đầu tư xây dựng quận Long Biên",
     "Công đoàn _ Ban Quản lý dự án đầu tư xây dựng quận Long Biên",
     FB + "congdoanbqldalongbien",
     [("Đặng Quang Trung", "Chủ tịch Công đoàn", "0904 516 273")], ""),
    (at(4, 16, 42, 11), "mnanhsao@gmail.com", "Trường Mầm non Ánh Sao",
     "Công đoàn _ Trường Mầm non Ánh Sao", FB + "congdoanmnanhsao",
     [("Lê Thị Hồng Hạnh", "Chủ tịch Công đoàn", "0963 847 125"),
      ("Phạm Thị Thu Uyên", "Ủy viên BCH", "0819 372 654")], ""),
    (at(4, 19, 26, 58), "thphucloi@gmail.com", "Trường Tiểu học Phúc Lợi",
     "Công đoàn _ Trường Tiểu học Phúc Lợi", FB + "congdoanthphucloi",
     [("Ngô Văn Kiên", "Chủ tịch Công đoàn", "0948 261 735"),
      ("Nguyễn Thị Ngọc Hà", "Ủy viên BCH", "0394 572 816")], ""),
    (at(4, 21, 3, 44), "maysaidong.cd@gmail.com", "Công ty TNHH May mặc Sài Đồng",
     "Công đoàn _ Công ty TNHH May mặc Sài Đồng", FB + "congdoanmaysaidong",
     [("Hoàng Văn Phúc", "Chủ tịch Công đoàn", "0775 318 462"),
      ("Đỗ Thị Nga", "Trưởng ban Nữ công", "0355 826 147")], ""),
    ("04/02/2024 23:59:00", "thcssaidong@gmail.com", "Trường THCS Sài Đồng",
     "Công đoàn _ Trường THCS Sài Đồng", FB + "congdoanthcssaidong",
     [("Vũ Thị Phương", "Chủ tịch Công đoàn", "0984 517 326"),
      ("Nguyễn Hữu Nghĩa", "Ủy viên BCH", "0366 294 718")], ""),
    (at(5, 7, 45, 12), "thgiangbien@gmail.com", "Trường Tiểu học Giang Biên",
     "Công đoàn _ Trường Tiểu học Giang Biên", FB + "congdoanthgiangbien",
     [("Trần Thị Hoài Thu", "Chủ tịch Công đoàn", "0971 625 384")], "Xin lỗi vì gửi muộn"),
]  # fmt: skip

SLOTS = 3
WIDTHS = [20, 30, 40, 45, 55] + [26, 22, 20, 32] * SLOTS + [30]


def response_cells(response: Response | None) -> list[object]:
    """Return one row of the responses sheet, blank cells as None."""
    if response is None:
        return [None] * len(HEADER)
    submitted_at, email, unit, fanpage_name, fanpage_url, staff, note = response
    cells: list[object] = [submitted_at, email, unit, fanpage_name, fanpage_url]
    for k in range(SLOTS):
        if k < len(staff):
            name, position, phone, *where = staff[k]
            cells += [name, position, phone, where[0] if where else unit]
        else:
            cells += [None, None, None, None]
    return [*cells, note or None]


def build_workbook() -> Workbook:
    """Build the two-sheet workbook as the Google Sheet would export it."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = RESPONSES_TITLE
    sheet.append(HEADER)
    for response in RESPONSES:
        sheet.append(response_cells(response))
        stamp = sheet.cell(row=sheet.max_row, column=1)
        if isinstance(stamp.value, datetime):
            stamp.number_format = DATE_FORMAT
    for col, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=col).column_letter].width = width
    sheet.freeze_panes = "A2"
    roster = workbook.create_sheet(ROSTER_TITLE)
    roster.append(ROSTER_HEADER)
    for number, (kind, unit) in enumerate(ROSTER, start=1):
        roster.append([number, unit, kind])
    for letter, width in zip("ABC", (6, 50, 16), strict=True):
        roster.column_dimensions[letter].width = width
    return workbook


def fixed_zip(data: bytes, core_xml: bytes) -> bytes:
    """Rewrite an .xlsx archive with fixed entry times and the given document properties."""
    # Stored, not deflated: deflate output differs between zlib builds, and the file is small.
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.external_attr = 0o600 << 16
            body = core_xml if info.filename == "docProps/core.xml" else src.read(info)
            dst.writestr(entry, body)
    return out.getvalue()


def save_fixed(workbook: Workbook, path: Path) -> None:
    """Save a workbook so that the same content always gives the same bytes."""
    workbook.properties.creator = "sheets-sync"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    core = tostring(workbook.properties.to_tree())
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(fixed_zip(buffer.getvalue(), core))


def write_example(path: Path = OUT) -> None:
    """Write the example workbook to path."""
    save_fixed(build_workbook(), path)


if __name__ == "__main__":
    write_example(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
