"""What the emails to the units say: the wording, in one place, with {placeholders}.

A letter is a list of blocks: a paragraph (one string) or a bulleted list (a list of strings).
Lines whose placeholder has no value (no form link, no contact line) are left out.
"""

from __future__ import annotations

SUBJECT = {
    "result": "Kết quả kiểm tra danh sách Fanpage: {unit} — {status}",
    "reminder": "Nhắc nộp danh sách Fanpage: {unit}",
}

GREETING = "Kính gửi: Ban Chấp hành {union}."
# The union of a unit; a unit typed as "Công đoàn ..." is already one.
UNION = "Công đoàn"

# The result letter: the opening, then what follows for each status.
RECEIVED = (
    "{sender} đã nhận được danh sách theo dõi, quản lý lực lượng tham gia tuyên truyền "
    "(Fanpage) của đơn vị, gửi qua biểu mẫu lúc {submitted}, và đã kiểm tra."
)
VERDICT = {
    "ok": "Kết quả: Hợp lệ. Danh sách của đơn vị đính kèm thư này ({file}).",
    "warning": (
        "Kết quả: Hợp lệ, cần lưu ý. Danh sách của đơn vị đính kèm thư này ({file}); "
        "đề nghị đơn vị xem các điểm sau:"
    ),
    "error": "Kết quả: Cần sửa. Danh sách chưa lập được vì còn các điểm sau:",
}
EXPECTED_NAME = "Tên Fanpage đề nghị: {expected}"
NEXT_STEP = {
    "ok": (
        "Đề nghị đơn vị in danh sách đính kèm, ký tên, đóng dấu và gửi về {sender} "
        "trước ngày {deadline}."
    ),
    "warning": (
        "Đề nghị đơn vị in danh sách đính kèm, ký tên, đóng dấu và gửi về {sender} "
        "trước ngày {deadline}. Nếu cần sửa, đơn vị gửi lại biểu mẫu: lần gửi sau sẽ thay "
        "lần gửi trước."
    ),
    "error": (
        "Đề nghị đơn vị sửa các điểm trên và gửi lại biểu mẫu trước ngày {deadline}: "
        "lần gửi sau sẽ thay lần gửi trước."
    ),
}
RECORDED = "Thông tin đơn vị đã gửi:"
RECORDED_FANPAGE = "Tên Fanpage: {name}"
RECORDED_URL = "Đường link Fanpage: {url}"
RECORDED_STAFF = "Cán bộ phụ trách {k}: {name}, {position}, điện thoại {phone}"

# The reminder to a roster unit that has not answered.
NOT_RECEIVED = (
    "Đến {today}, {sender} chưa nhận được danh sách theo dõi, quản lý lực lượng tham gia "
    "tuyên truyền (Fanpage) của đơn vị."
)
ASK = "Đề nghị đơn vị điền và gửi biểu mẫu trước ngày {deadline}."
ASK_LATE = "Hạn nộp (trước ngày {deadline}) đã qua: đề nghị đơn vị điền và gửi biểu mẫu ngay."
ALREADY_SENT = "Nếu đơn vị vừa gửi, xin bỏ qua thư này."

# Closing lines, common to both letters.
FORM_LINK = "Biểu mẫu: {form_url}"
CONTACT = "Liên hệ: {contact}"
SIGNATURE = "Trân trọng,\n{sender}"
AUTOMATIC = "Thư này được gửi tự động từ bảng tổng hợp câu trả lời biểu mẫu."

# Who signs when [email] from_name is empty.
DEFAULT_SENDER = "Liên đoàn Lao động"

# The ledger cells: when and what was sent, or why it could not be.
LEDGER_SENT = "{at} — {status} (mã {fp})"
REMINDED = "Đã nhắc nộp"
LEDGER_REFUSED = "{at} — Không gửi được: {reason}"
MAIL_SERVER_FAILED = "máy chủ thư ngừng nhận (xem thông báo lỗi của lần chạy)"
LEDGER_NO_ADDRESS = "Không gửi: chưa có địa chỉ email hợp lệ"

# What `notify` prints when it is done; {n} is a count.
SUMMARY = {
    "dry_run": (
        "Chạy thử: đã soạn {n} thư vào thư mục {folder}/ để mở xem; chưa gửi thư nào, "
        "chưa ghi gì vào bảng tính."
    ),
    "sent": "Đã gửi {result} thư báo kết quả và {reminder} thư nhắc nộp.",
    "outbox_cleared": (
        "Đã xóa {n} thư soạn thử của lần chạy thử trước khỏi {folder}/: thư mục chỉ còn thư "
        "của lần này."
    ),
    "unchanged": "{n} đơn vị đã được báo đúng nội dung này: không gửi lại.",
    "reminded_today": "{n} đơn vị đã được nhắc hôm nay: không nhắc lại.",
    "no_address": "Bỏ qua {n} đơn vị không có địa chỉ email hợp lệ: {units}.",
    "no_email_column": (
        "Trang câu trả lời không có cột 'Địa chỉ email': trong Google Forms, bật "
        "Cài đặt > Câu trả lời > Thu thập địa chỉ email."
    ),
    "reminders_skipped": (
        "Không nhắc được đơn vị nào: cần danh sách đơn vị (trang 'Danh sách đơn vị' hoặc "
        "--roster) có cột 'Email'."
    ),
    "refused": "Không gửi được cho {unit}: {reason}; sẽ thử lại lần chạy sau.",
    "uncertain": (
        "{n} thư mất kết nối ngay sau khi gửi: có thể đã tới, được coi là đã gửi và không gửi lại."
    ),
    "deferred": "Còn {n} thư để lần chạy sau (giới hạn [email] max_per_run mỗi lần).",
    "ledger": "Đã ghi {n} ô vào cột '{notified}'/'{reminded}'.",
}
