"""Issue codes: severity and the Vietnamese sentence reviewers read in the sheet."""

from __future__ import annotations

from typing import Any

from .model import Issue, Severity

# code -> (severity, message template); templates take keyword fields.
ISSUES: dict[str, tuple[Severity, str]] = {
    "missing_unit": ("error", "Chưa ghi tên đơn vị"),
    "missing_fanpage_name": ("error", "Chưa ghi tên trang Fanpage"),
    "missing_fanpage_url": ("error", "Chưa ghi đường link Fanpage"),
    "missing_staff": ("error", "Chưa có cán bộ phụ trách nào có họ tên"),
    "phone_missing": ("error", "Cán bộ {k} ({name}) chưa có số điện thoại"),
    "phone_invalid": ("error", "Số điện thoại của cán bộ {k} ({name}) không hợp lệ: {value}"),
    "url_invalid": ("error", "Đường link Fanpage không phải là một địa chỉ web: {value}"),
    "url_not_facebook": ("error", "Đường link không phải của Facebook: {value}"),
    "url_not_page": (
        "error",
        "Đường link không dẫn tới một trang Fanpage (là nhóm, bài viết, ảnh hay video): {value}",
    ),
    "fanpage_name_convention": (
        "warning",
        "Tên Fanpage chưa đúng quy định, đề nghị đổi thành: {expected}",
    ),
    "phone_old_prefix": (
        "warning",
        "Số điện thoại của cán bộ {k} ({name}) dùng đầu số cũ, đã đổi thành {value}",
    ),
    "url_unverifiable": (
        "warning",
        "Đường link rút gọn hoặc chia sẻ, không kiểm tra được; đề nghị gửi link trực tiếp "
        "của trang: {value}",
    ),
    "submitted_at_invalid": (
        "warning",
        "Không đọc được dấu thời gian ({value}): chưa xét được hạn nộp; khi chọn lần gửi mới "
        "nhất của đơn vị, dòng này được coi như gửi sau mọi dòng phía trên nó",
    ),
    "late_submission": ("warning", "Gửi muộn lúc {value}; hạn nộp là trước ngày {deadline}"),
    "unit_not_in_roster": ("warning", "Đơn vị không có trong danh sách{closest}"),
    "duplicate_superseded": ("warning", "Đã có lần gửi sau của đơn vị này (dòng {row})"),
}


def issue(code: str, field: str, **values: Any) -> Issue:
    """Build the issue `code` with its severity and message."""
    severity, template = ISSUES[code]
    return Issue(code=code, severity=severity, field=field, message=template.format(**values))
