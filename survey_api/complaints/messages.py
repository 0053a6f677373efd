"""Texts about complaints and flags shared by the API, the emails, the citizen pages and the inbox."""

from survey_api.i18n import register

register(
    {
        "complaint.category.harassment": {
            "vi": "Nhũng nhiễu, gợi ý tiền, quà",
            "en": "Harassment or soliciting money",
        },
        "complaint.category.rude": {"vi": "Thái độ không lịch sự", "en": "Rude attitude"},
        "complaint.category.wrong_guidance": {
            "vi": "Hướng dẫn sai hoặc không rõ ràng",
            "en": "Wrong or unclear guidance",
        },
        "complaint.category.delay": {"vi": "Chậm trễ không có lý do", "en": "Unjustified delay"},
        "complaint.category.extra_fees": {"vi": "Thu phí ngoài quy định", "en": "Fees outside the rules"},
        "complaint.category.other": {"vi": "Vấn đề khác", "en": "Other"},
        "complaint.status.new": {"vi": "Mới tiếp nhận", "en": "Received"},
        "complaint.status.assigned": {"vi": "Đã phân công xử lý", "en": "Assigned"},
        "complaint.status.acknowledged": {"vi": "Đang xử lý", "en": "Being handled"},
        "complaint.status.answered": {"vi": "Đã trả lời", "en": "Answered"},
        "complaint.status.closed": {"vi": "Đã kết thúc", "en": "Closed"},
        "complaint.status.rejected": {"vi": "Không thụ lý", "en": "Refused"},
        "flag.reason.complaint": {"vi": "Phản ánh", "en": "Complaint"},
        "flag.reason.low_rating": {"vi": "Đánh giá không hài lòng", "en": "Low rating"},
        "flag.reason.conduct": {"vi": "Đánh giá về thái độ cán bộ", "en": "Rating about conduct"},
        "mail.new.subject": {
            "vi": "[Hài Lòng] {what} mới tại {centre}: {detail}",
            "en": "[Hài Lòng] New {what} at {centre}: {detail}",
        },
        "mail.assigned.subject": {
            "vi": "[Hài Lòng] Bạn được giao xử lý {what} ({detail})",
            "en": "[Hài Lòng] You were assigned a {what} ({detail})",
        },
        "mail.overdue.subject": {
            "vi": "[Hài Lòng] Quá hạn xử lý: {what} tại {centre} ({detail})",
            "en": "[Hài Lòng] Overdue: {what} at {centre} ({detail})",
        },
        "mail.body": {
            "vi": "{what}: {detail}\nTrung tâm: {centre}\nCán bộ: {staff}\nHạn xử lý: {due}\n\n{text}\n\n"
            "Xem và xử lý: {url}\n",
            "en": "{what}: {detail}\nCentre: {centre}\nStaff: {staff}\nDue by: {due}\n\n{text}\n\nOpen it: {url}\n",
        },
        "mail.nobody": {"vi": "(không nêu tên)", "en": "(not named)"},
    }
)
