"""Generate synthetic form responses at any scale, with the mess real forms carry.

Usage: python scripts/synthetic.py N OUT.xlsx|OUT.csv [SEED]

The responses use the Google Form's header row; the roster lists the units expected to answer.
About one unit in eleven submits twice, a few units never answer, a few answer without being on
the roster, and phones, links, names and unit names come in the forms people really type.
"""

from __future__ import annotations

import csv
import random
import sys
import unicodedata
from bisect import bisect
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Generic, TypeVar

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

T = TypeVar("T")

RESPONSES_TITLE = "Câu trả lời biểu mẫu 1"
ROSTER_TITLE = "Danh sách đơn vị"
ROSTER_HEADER = ["STT", "Tên đơn vị", "Khối"]
DATE_FORMAT = "dd/mm/yyyy hh:mm:ss"
FORM_OPENS = datetime(2024, 1, 26, 8, 0, 0)
DEADLINE = datetime(2024, 2, 5)


def form_header(slots: int = 3) -> list[str]:
    """Return the header row of the Google Form's responses sheet."""
    staff = ("Họ tên cán bộ phụ trách", "Chức vụ", "Số điện thoại", "Đơn vị công tác")
    return [
        *("Dấu thời gian", "Địa chỉ email", "Tên đơn vị"),
        *("Tên trang Fanpage (facebook)", "Đường link Fanpage (facebook)"),
        *(f"{title} {k}" for k in range(1, slots + 1) for title in staff),
        "Ghi chú",
    ]


HEADER = form_header()


class Weighted(Generic[T]):
    """Pick from a table of (value, weight) pairs faster than random.choices."""

    def __init__(self, table: Sequence[tuple[T, float]]) -> None:
        self.values = [value for value, _ in table]
        self.cum: list[float] = []
        total = 0.0
        for _, weight in table:
            total += weight
            self.cum.append(total)
        self.total = total

    def __call__(self, rng: random.Random) -> T:
        return self.values[bisect(self.cum, rng.random() * self.total)]


SURNAMES: Weighted[str] = Weighted(
    [("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 5), ("Phan", 4.5),
     ("Vũ", 3.9), ("Đặng", 2.1), ("Bùi", 2), ("Huỳnh", 1.5), ("Đỗ", 1.4), ("Hồ", 1.3),
     ("Ngô", 1.3), ("Dương", 1), ("Võ", 1), ("Đinh", 0.8), ("Trịnh", 0.6), ("Đào", 0.6),
     ("Hà", 0.5), ("Lý", 0.5), ("Cao", 0.4), ("Lương", 0.4), ("Tạ", 0.3), ("Chu", 0.3),
     ("Mai", 0.3), ("Tô", 0.3), ("Kiều", 0.2), ("Lại", 0.2)]
)  # fmt: skip
FEMALE_MIDDLE: Weighted[str] = Weighted(
    [("Thị", 60), ("Thu", 5), ("Ngọc", 5), ("Thanh", 5), ("Minh", 4), ("Hồng", 4),
     ("Phương", 3), ("Kim", 3), ("Bích", 2), ("Thúy", 2), ("Hoài", 2), ("Diệu", 1),
     ("Khánh", 2), ("Mai", 2)]
)  # fmt: skip
MALE_MIDDLE: Weighted[str] = Weighted(
    [("Văn", 45), ("Đức", 8), ("Minh", 8), ("Quang", 6), ("Hữu", 5), ("Ngọc", 4),
     ("Xuân", 4), ("Thanh", 4), ("Mạnh", 3), ("Tiến", 3), ("Công", 3), ("Trung", 3),
     ("Việt", 2), ("Hoàng", 2)]
)  # fmt: skip
FEMALE_GIVEN = [
    "Hà", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Ngọc", "Nhung", "Oanh", "Phượng", "Quyên",
    "Thảo", "Thủy", "Trang", "Tuyết", "Vân", "Yến", "Hằng", "Huyền", "Giang", "Dung", "Hạnh",
    "Liên", "Loan", "Thu", "Hiền", "Anh", "Chi", "Duyên", "Hòa", "Lệ", "Ly", "Minh", "My", "Nhàn",
    "Quỳnh", "Tâm", "Thơm", "Uyên", "Xuân", "Ánh", "Nguyệt",
]  # fmt: skip
MALE_GIVEN = [
    "An", "Anh", "Bình", "Cường", "Dũng", "Đạt", "Đức", "Giang", "Hải", "Hiếu", "Hoàng", "Hùng",
    "Huy", "Khánh", "Khoa", "Kiên", "Lâm", "Long", "Mạnh", "Minh", "Nam", "Nghĩa", "Phong", "Phúc",
    "Quân", "Quang", "Sơn", "Tài", "Thắng", "Thành", "Tiến", "Toàn", "Trung", "Tuấn", "Tùng",
    "Việt", "Vinh", "Vũ",
]  # fmt: skip

CHAIR: Weighted[str] = Weighted(
    [("Chủ tịch Công đoàn", 70), ("Chủ tịch CĐCS", 15), ("Chủ tịch", 10), ("CT Công đoàn", 5)]
)
OTHER_POSITIONS: Weighted[str] = Weighted(
    [("Phó Chủ tịch", 30), ("Phó Chủ tịch Công đoàn", 15), ("Ủy viên BCH", 25),
     ("Ủy viên Ban Chấp hành", 10), ("Trưởng ban Nữ công", 8), ("Giáo viên", 6),
     ("Văn thư", 3), ("Kế toán", 3)]
)  # fmt: skip

# What a unit is, and the roster's "Khối" for it.
KINDS: list[tuple[str, str]] = [
    ("Trường Mầm non", "Mầm non"), ("Trường Tiểu học", "Tiểu học"), ("Trường THCS", "THCS"),
    ("Trường THPT", "THPT"), ("Ủy ban nhân dân phường", "Cơ quan"), ("Trạm Y tế phường", "Y tế"),
    ("Trung tâm Văn hóa", "Cơ quan"), ("Bưu điện", "Doanh nghiệp"),
    ("Công ty TNHH Thương mại", "Doanh nghiệp"), ("Công ty TNHH May mặc", "Doanh nghiệp"),
    ("Công ty TNHH Cơ khí", "Doanh nghiệp"), ("Công ty TNHH Điện tử", "Doanh nghiệp"),
    ("Công ty TNHH Thực phẩm", "Doanh nghiệp"), ("Công ty Cổ phần Xây dựng", "Doanh nghiệp"),
    ("Công ty Cổ phần Dược phẩm", "Doanh nghiệp"), ("Công ty Cổ phần Vận tải", "Doanh nghiệp"),
    ("Hợp tác xã Dịch vụ", "Doanh nghiệp"),
]  # fmt: skip
# Place names, distinct even with accents and spaces ignored, so no two units share a key.
PLACES = [
    "Ngọc Lâm", "Gia Thụy", "Bồ Đề", "Đức Giang", "Sài Đồng", "Phúc Đồng", "Phúc Lợi", "Thạch Bàn",
    "Giang Biên", "Việt Hưng", "Thượng Thanh", "Cự Khối", "Long Biên", "Ngọc Thụy", "Ái Mộ",
    "Đoàn Khuê", "Hoa Sữa", "Ánh Sao", "Kim Mã", "Liễu Giai", "Ngọc Hà", "Quán Thánh", "Trúc Bạch",
    "Vĩnh Phúc", "Cống Vị", "Điện Biên", "Đội Cấn", "Giảng Võ", "Thành Công", "Hàng Bạc",
    "Hàng Bông", "Hàng Gai", "Tràng Tiền", "Chương Dương", "Phúc Tân", "Cửa Nam", "Lý Thái Tổ",
    "Đồng Tâm", "Bạch Mai", "Minh Khai", "Vĩnh Tuy", "Thanh Lương", "Quỳnh Mai", "Lê Đại Hành",
    "Văn Miếu", "Quốc Tử Giám", "Khâm Thiên", "Ô Chợ Dừa", "Láng Thượng", "Trung Liệt", "Kim Liên",
    "Phương Mai", "Nghĩa Đô", "Nghĩa Tân", "Mai Dịch", "Dịch Vọng", "Yên Hòa", "Trung Hòa",
    "Quan Hoa", "Khương Trung", "Nhân Chính", "Thanh Xuân Bắc", "Hạ Đình", "Định Công",
    "Hoàng Liệt", "Tương Mai", "Mai Động", "Lĩnh Nam", "Tây Mỗ", "Mễ Trì", "Xuân Phương", "Phú Đô",
    "Cổ Nhuế", "Xuân Đỉnh", "Thụy Phương", "Đông Ngạc", "Phú Thượng", "Quảng An", "Nhật Tân",
    "Tứ Liên", "Yên Phụ", "Văn Quán", "Mộ Lao", "La Khê", "Kiến Hưng", "Phú Lương", "Yên Nghĩa",
    "Bát Tràng", "Kiêu Kỵ", "Đa Tốn", "Trâu Quỳ", "Dương Xá", "Cổ Bi", "Đông Anh", "Uy Nỗ",
    "Vân Nội", "Kim Chung", "Sóc Sơn", "Phù Lỗ", "Mê Linh", "Quang Minh", "Tây Tựu", "Thượng Cát",
    "Liên Mạc", "Đan Phượng", "Hoài Đức", "Trạm Trôi", "Phùng", "Quốc Oai", "Thạch Thất",
    "Sơn Tây", "Ba Vì", "Chúc Sơn", "Xuân Mai", "Thường Tín", "Phú Xuyên", "Vân Đình", "Đại Nghĩa",
    "Tây Đằng", "Kim Bài", "Liên Quan", "Văn Điển", "Ngọc Hồi", "Tả Thanh Oai", "Hữu Hòa",
]  # fmt: skip
# A second qualifier, used only when units outnumber kind × place pairs.
AREAS = [
    "quận Ba Đình", "quận Hoàn Kiếm", "quận Tây Hồ", "quận Long Biên", "quận Cầu Giấy",
    "quận Đống Đa", "quận Hai Bà Trưng", "quận Hoàng Mai", "quận Thanh Xuân", "quận Hà Đông",
    "quận Bắc Từ Liêm", "quận Nam Từ Liêm", "thị xã Sơn Tây", "huyện Ba Vì", "huyện Chương Mỹ",
    "huyện Đan Phượng", "huyện Đông Anh", "huyện Gia Lâm", "huyện Hoài Đức", "huyện Mê Linh",
    "huyện Mỹ Đức", "huyện Phú Xuyên", "huyện Phúc Thọ", "huyện Quốc Oai", "huyện Sóc Sơn",
    "huyện Thạch Thất", "huyện Thanh Oai", "huyện Thanh Trì", "huyện Thường Tín", "huyện Ứng Hòa",
    "thành phố Hải Dương", "thành phố Bắc Ninh", "thành phố Hưng Yên", "thành phố Nam Định",
    "thành phố Thái Bình", "thành phố Phủ Lý", "thành phố Ninh Bình", "thành phố Vĩnh Yên",
    "thành phố Thái Nguyên", "thành phố Bắc Giang", "thành phố Hạ Long", "thành phố Hải Phòng",
    "thành phố Việt Trì", "thành phố Hòa Bình", "thành phố Thanh Hóa", "thành phố Vinh",
    "thành phố Huế", "thành phố Đà Nẵng", "thành phố Quy Nhơn", "thành phố Nha Trang",
    "thành phố Đà Lạt", "thành phố Buôn Ma Thuột", "thành phố Cần Thơ", "thành phố Thủ Đức",
    "quận Bình Thạnh", "quận Gò Vấp", "quận Tân Bình", "quận Phú Nhuận", "thành phố Biên Hòa",
    "thành phố Thủ Dầu Một",
]  # fmt: skip

# Current mobile prefixes of every carrier, 055 included.
MOBILE_PREFIXES = [f"0{p}" for p in (*range(32, 40), 86, 96, 97, 98)]  # Viettel
MOBILE_PREFIXES += [f"0{p}" for p in (*range(81, 86), 88, 91, 94)]  # VinaPhone
MOBILE_PREFIXES += [f"0{p}" for p in (70, *range(76, 80), 89, 90, 93)]  # MobiFone
MOBILE_PREFIXES += [f"0{p}" for p in (52, 56, 58, 92, 59, 99, 87, 55)]  # the smaller carriers
# Old 11-digit prefixes of the 2018 conversion, still typed from memory.
OLD_PREFIXES = [f"01{p}" for p in (*range(20, 30), *range(62, 70), 86, 88, 99)]


def _digits(rng: random.Random, count: int) -> str:
    return str(rng.randrange(10**count)).zfill(count)


def _grouped(mobile: str, sep: str) -> str:
    return f"{mobile[:4]}{sep}{mobile[4:7]}{sep}{mobile[7:]}"


PhoneForm = Callable[[random.Random, str], object]
# Each form gets a valid national mobile number (0 + 9 digits) and returns the cell as typed.
PHONE_FORMS: Weighted[PhoneForm] = Weighted(
    [(lambda rng, m: m, 52),
     (lambda rng, m: int(m), 15),  # the cell held a number: the leading zero is gone
     (lambda rng, m: _grouped(m, "."), 8),
     (lambda rng, m: _grouped(m, " "), 7),
     (lambda rng, m: _grouped(m, "-"), 2),
     (lambda rng, m: f"+84 {m[1:4]} {m[4:7]} {m[7:]}", 4),
     (lambda rng, m: int("84" + m[1:]), 2),
     (lambda rng, m: f"(+84) {m[1:]}", 1),
     (lambda rng, m: _grouped(m, " ") + " (Zalo)", 3),
     (lambda rng, m: f"{rng.choice(OLD_PREFIXES)}{m[3]} {m[4:7]} {m[7:]}", 2),
     (lambda rng, m: f"024.{rng.choice('3567')}{_digits(rng, 3)}.{_digits(rng, 4)}", 2),
     (lambda rng, m: m[:-1], 1),  # a digit short
     (lambda rng, m: None, 1)]
)  # fmt: skip

LinkForm = Callable[[random.Random, str], str | None]
# Link forms get the page's username and return the cell as typed.
LINK_FORMS: Weighted[LinkForm] = Weighted(
    [(lambda rng, u: f"https://www.facebook.com/{u}", 50),
     (lambda rng, u: f"https://www.facebook.com/{u}?mibextid=ZbWKwL", 10),
     (lambda rng, u: f"https://www.facebook.com/{u}/?ref=embed_page&__tn__=kC-R", 4),
     (lambda rng, u: f"https://m.facebook.com/{u}", 6),
     (lambda rng, u: f"facebook.com/{u}", 5),
     (lambda rng, u: f"https://www.facebook.com/{u}/about", 2),
     (lambda rng, u: f"https://www.facebook.com/profile.php?id=1000{_digits(rng, 11)}"
                     "&mibextid=LQQJ4d", 6),
     (lambda rng, u: f"https://www.facebook.com/share/{_digits(rng, 10)}/", 3),
     (lambda rng, u: f"https://www.facebook.com/groups/{u}/", 2),
     (lambda rng, u: f"https://zalo.me/g/{u[:12]}", 1),
     (lambda rng, u: f"https://www.tiktok.com/@{u}", 0.5),
     (lambda rng, u: f"https://facebook.com-{u}.top/", 0.5),
     (lambda rng, u: "Đang cập nhật", 0.7),
     (lambda rng, u: None, 0.3)]
)  # fmt: skip

NameForm = Callable[[str, str], str | None]
# Fanpage names get the unit as typed and the chair's name.
NAME_FORMS: Weighted[NameForm] = Weighted(
    [(lambda unit, chair: f"Công đoàn _ {unit}", 55),
     (lambda unit, chair: f"Công đoàn_{unit}", 10),
     (lambda unit, chair: f"Công đoàn {unit}", 12),
     (lambda unit, chair: f"CĐ {unit}", 8),
     (lambda unit, chair: f"Công đoàn-{unit}", 5),
     (lambda unit, chair: unit, 5),
     (lambda unit, chair: chair, 3),
     (lambda unit, chair: None, 1)]
)  # fmt: skip

TONE_STYLE = {"Thụy": "Thuỵ", "Hòa": "Hoà", "hòa": "hoà", "Ủy": "Uỷ", "Thủy": "Thuỷ"}
SHORTER = {"Ủy ban nhân dân": "UBND", "Công ty Cổ phần": "CTCP", "Trạm Y tế": "TYT"}
LONGER = {"THCS": "Trung học cơ sở", "THPT": "Trung học phổ thông", "TNHH": "Trách nhiệm hữu hạn"}


def _replace_any(text: str, table: dict[str, str]) -> str:
    for old, new in table.items():
        text = text.replace(old, new)
    return text


UnitForm = Callable[[str], str]
UNIT_FORMS: Weighted[UnitForm] = Weighted(
    [(lambda u: u, 70),
     (lambda u: _replace_any(u, SHORTER), 6),
     (lambda u: _replace_any(u, LONGER), 5),
     (lambda u: u.removeprefix("Trường "), 4),
     (lambda u: "Công đoàn " + u, 4),
     (lambda u: _replace_any(u, TONE_STYLE), 3),
     (lambda u: u.lower(), 3),
     (lambda u: u.replace(" ", "  ", 2), 3),
     (lambda u: unicodedata.normalize("NFD", u), 2)]
)  # fmt: skip
PERSON_FORMS: Weighted[UnitForm] = Weighted(
    [(lambda n: n, 90),
     (lambda n: n.upper(), 4),
     (lambda n: n.lower(), 2),
     (lambda n: n.replace(" ", "  ", 1), 2),
     (lambda n: unicodedata.normalize("NFD", n), 2)]
)  # fmt: skip
NOTES = [
    "Fanpage mới lập tháng 01/2024", "Đã đổi tên trang theo công văn", "Gửi bổ sung",
    "Trang đang chờ Facebook duyệt đổi tên", "Đồng chí phụ trách 2 mới chuyển công tác đến",
]  # fmt: skip


def ascii_key(text: str) -> str:
    """Return text without accents, spaces or case, as usernames and e-mail addresses use it."""
    bare = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in bare if ch.isascii() and ch.isalnum()).lower()


def units(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """Return `count` distinct (canonical unit name, khối) pairs."""
    pairs = len(KINDS) * len(PLACES)
    space = pairs if count <= pairs else pairs * len(AREAS)
    if count > space:
        raise ValueError(f"at most {space} distinct units, {count} asked")
    out = []
    for index in rng.sample(range(space), count):
        area, rest = divmod(index, pairs)
        kind, place = divmod(rest, len(PLACES))
        name = f"{KINDS[kind][0]} {PLACES[place]}"
        if space > pairs:
            name += f" {AREAS[area]}"
        out.append((name, KINDS[kind][1]))
    return out


def _person(rng: random.Random) -> str:
    female = rng.random() < 0.7
    middle = FEMALE_MIDDLE(rng) if female else MALE_MIDDLE(rng)
    given = rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)
    return f"{SURNAMES(rng)} {middle} {given}"


def _staff(rng: random.Random, typed_unit: str, slots: int) -> tuple[list[object], str]:
    """Return the staff cells of one response and the chair's name."""
    count = 1 if (r := rng.random()) < 0.3 else 2 if r < 0.85 else 3
    cells: list[object] = []
    chair = ""
    for k in range(slots):
        if k >= count:
            cells += [None, None, None, None]
            continue
        name = _person(rng)
        chair = chair or name
        position = CHAIR(rng) if k == 0 else OTHER_POSITIONS(rng)
        mobile = rng.choice(MOBILE_PREFIXES) + _digits(rng, 7)
        phone = PHONE_FORMS(rng)(rng, mobile)
        unit = typed_unit if rng.random() < 0.75 else None
        cells += [PERSON_FORMS(rng)(name), position, phone, unit]
    return cells, chair


def _timestamps(n: int, rng: random.Random) -> list[datetime]:
    """Return n sorted submission times, about 3% on or after the deadline."""
    window = (DEADLINE - FORM_OPENS).total_seconds()
    late = timedelta(days=3).total_seconds()
    seconds = [
        window + rng.random() * late if rng.random() < 0.03 else rng.random() * window
        for _ in range(n)
    ]
    seconds.sort()
    return [FORM_OPENS + timedelta(seconds=int(s)) for s in seconds]


def _response(rng: random.Random, when: datetime, unit: str, slots: int) -> list[object]:
    typed = UNIT_FORMS(rng)(unit)
    username = "congdoan" + ascii_key(unit)[:40]
    staff, chair = _staff(rng, typed, slots)
    email = f"{ascii_key(unit)[:24]}{rng.randrange(100)}@gmail.com"
    note = rng.choice(NOTES) if rng.random() < 0.05 else None
    return [
        when,
        email,
        typed,
        NAME_FORMS(rng)(typed, chair),
        LINK_FORMS(rng)(rng, username),
        *staff,
        note,
    ]


def responses(n: int, seed: int = 1) -> tuple[list[str], list[list[object]], list[list[object]]]:
    """Return the header, n response rows and the roster (header first) for n responses."""
    rng = random.Random(seed)
    answering = max(1, round(n / 1.1)) if n else 0
    outsiders = answering // 100  # answer without being on the roster
    silent = answering // 20  # on the roster, never answer
    named = units(answering + silent, rng)
    picks = list(range(answering)) + [rng.randrange(answering) for _ in range(n - answering)]
    rng.shuffle(picks)
    rows = [
        _response(rng, when, named[pick][0], 3)
        for when, pick in zip(_timestamps(n, rng), picks, strict=True)
    ]
    listed = named[: answering - outsiders] + named[answering:]
    roster: list[list[object]] = [list(ROSTER_HEADER)]
    roster += [[i, name, kind] for i, (name, kind) in enumerate(listed, start=1)]
    return list(HEADER), rows, roster


def write_xlsx(path: Path | str, n: int, seed: int = 1) -> None:
    """Write n synthetic responses and their roster as a two-sheet workbook."""
    header, rows, roster = responses(n, seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(RESPONSES_TITLE)
    sheet.append(header)
    for row in rows:
        stamp = WriteOnlyCell(sheet, value=row[0])
        stamp.number_format = DATE_FORMAT
        sheet.append([stamp, *row[1:]])
    roster_sheet = workbook.create_sheet(ROSTER_TITLE)
    for line in roster:
        roster_sheet.append(line)
    workbook.save(Path(path))


def write_csv(path: Path | str, n: int, seed: int = 1) -> None:
    """Write n synthetic responses as CSV, timestamps day-first as a Vietnamese sheet shows them."""
    header, rows, _ = responses(n, seed)
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            stamp = row[0]
            assert isinstance(stamp, datetime)
            cells = ["" if cell is None else cell for cell in row[1:]]
            writer.writerow([stamp.strftime("%d/%m/%Y %H:%M:%S"), *cells])


def main(argv: list[str]) -> int:
    """Write N responses to OUT (.xlsx or .csv)."""
    if len(argv) not in (2, 3) or not argv[0].isdigit():
        print("Cách dùng: python scripts/synthetic.py N OUT.xlsx|OUT.csv [SEED]", file=sys.stderr)
        return 2
    n, out = int(argv[0]), Path(argv[1])
    seed = int(argv[2]) if len(argv) == 3 else 1
    if out.suffix.lower() == ".csv":
        write_csv(out, n, seed)
    else:
        write_xlsx(out, n, seed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
