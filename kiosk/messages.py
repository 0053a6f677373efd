"""Texts of the phone rating page and the kiosk (Vietnamese first, English second)."""

from survey_api.i18n import register

register(
    {
        "phone.title": {"vi": "Đánh giá mức độ hài lòng", "en": "Rate our service"},
        "phone.dossier": {"vi": "Hồ sơ", "en": "Dossier"},
        "phone.procedure": {"vi": "Thủ tục", "en": "Procedure"},
        "phone.criteria": {"vi": "Đánh giá chi tiết (không bắt buộc)", "en": "Details (optional)"},
        "phone.na": {"vi": "Không áp dụng", "en": "Not applicable"},
        "phone.reasons": {"vi": "Lý do (chọn nếu có)", "en": "Reasons (if any)"},
        "phone.comment": {"vi": "Góp ý thêm", "en": "Comment"},
        "phone.comment_hint": {"vi": "Tối đa 2.000 ký tự", "en": "Up to 2,000 characters"},
        "phone.submit": {"vi": "Gửi đánh giá", "en": "Send"},
        "phone.complain": {"vi": "Phản ánh thái độ cán bộ", "en": "Report staff conduct"},
        "phone.choose_overall": {
            "vi": "Vui lòng chọn mức độ hài lòng.",
            "en": "Please choose how satisfied you are.",
        },
        "phone.invalid": {
            "vi": "Thông tin gửi lên chưa hợp lệ, vui lòng kiểm tra lại.",
            "en": "Some answers are not valid; please check them.",
        },
        "phone.unsaved": {
            "vi": "Chưa gửi được đánh giá do hệ thống tạm thời gián đoạn. Lựa chọn của Ông/Bà vẫn còn trên trang này; "
            "vui lòng bấm Gửi đánh giá lại sau ít phút.",
            "en": "Your rating could not be sent: the system is briefly unavailable. Your answers are still on this "
            "page; please press Send again in a few minutes.",
        },
        "phone.thanks": {"vi": "Cảm ơn Ông/Bà đã đánh giá!", "en": "Thank you for your rating!"},
        "phone.thanks_more": {
            "vi": "Ý kiến của Ông/Bà giúp chúng tôi phục vụ tốt hơn.",
            "en": "Your opinion helps us serve you better.",
        },
        "phone.used_title": {"vi": "Hồ sơ này đã được đánh giá", "en": "This dossier has already been rated"},
        "phone.used": {
            "vi": "Mỗi hồ sơ chỉ được đánh giá một lần. Cảm ơn Ông/Bà đã tham gia.",
            "en": "Each dossier can be rated once. Thank you for taking part.",
        },
        "phone.expired_title": {"vi": "Mã đánh giá đã hết hạn", "en": "This rating link has expired"},
        "phone.expired": {
            "vi": "Thời hạn đánh giá cho hồ sơ này đã kết thúc. Ông/Bà vẫn có thể gửi phản ánh nếu cần.",
            "en": "The time to rate this dossier is over. You can still report a problem if needed.",
        },
        "phone.unknown_title": {"vi": "Mã đánh giá không hợp lệ", "en": "This rating link is not valid"},
        "phone.unknown": {
            "vi": "Vui lòng quét lại mã QR in trên phiếu hẹn trả kết quả, hoặc liên hệ Bộ phận Một cửa.",
            "en": "Please scan the QR code on your result slip again, or ask at the one-stop counter.",
        },
        "slip.title": {"vi": "Phiếu trả kết quả", "en": "Result slip"},
        "slip.procedure": {"vi": "Thủ tục", "en": "Procedure"},
        "slip.dossier": {"vi": "Mã hồ sơ", "en": "Dossier code"},
        "slip.call": {
            "vi": "Quét mã để đánh giá mức độ hài lòng",
            "en": "Scan the code to rate your satisfaction",
        },
        "slip.qr_label": {"vi": "Mã QR đánh giá", "en": "Rating QR code"},
        "slip.once": {"vi": "Mỗi hồ sơ được đánh giá một lần.", "en": "Each dossier can be rated once."},
    }
)

# The counter kiosk. Every ``kiosk.*`` text goes to the page in both languages, so the tablet can switch
# language (and back to Vietnamese for the next citizen) without a network round trip.
KIOSK_MESSAGES: dict[str, dict[str, str]] = {
    "kiosk.title": {"vi": "Đánh giá mức độ hài lòng", "en": "Rate our service"},
    "kiosk.lang_switch": {"vi": "English", "en": "Tiếng Việt"},
    "kiosk.lang_label": {"vi": "Switch to English", "en": "Chuyển sang tiếng Việt"},
    "kiosk.noscript": {
        "vi": "Ki-ốt đánh giá cần bật JavaScript.",
        "en": "The rating kiosk needs JavaScript.",
    },
    "kiosk.loading": {"vi": "Đang kết nối máy chủ…", "en": "Connecting to the server…"},
    "kiosk.setup_title": {"vi": "Ghép nối thiết bị", "en": "Pair this device"},
    "kiosk.setup_help": {
        "vi": "Nhập mã thiết bị do quản trị viên cấp (bắt đầu bằng hk_), hoặc mở liên kết ghép nối "
        "hay quét mã QR trên trang Quản lý ki-ốt.",
        "en": "Type the device token given by the administrator (it starts with hk_), or open the pairing "
        "link or scan the QR code on the kiosk admin page.",
    },
    "kiosk.token_label": {"vi": "Mã thiết bị", "en": "Device token"},
    "kiosk.pair": {"vi": "Ghép nối", "en": "Pair"},
    "kiosk.pair_empty": {"vi": "Vui lòng nhập mã thiết bị.", "en": "Please type the device token."},
    "kiosk.pair_wrong": {
        "vi": "Mã thiết bị không đúng hoặc đã bị thu hồi.",
        "en": "The device token is wrong or has been revoked.",
    },
    "kiosk.pair_offline": {
        "vi": "Không kết nối được máy chủ. Vui lòng kiểm tra mạng và thử lại.",
        "en": "Cannot reach the server. Please check the network and try again.",
    },
    "kiosk.unpaired": {
        "vi": "Thiết bị đã bị hủy ghép nối. Vui lòng ghép nối lại.",
        "en": "This device has been unpaired. Please pair it again.",
    },
    "kiosk.locked": {
        "vi": "Thiết bị đã được ghép nối với {place}. Liên kết ghép nối mới không được áp dụng.",
        "en": "This device is already paired with {place}. The new pairing link was not applied.",
    },
    "kiosk.staff": {"vi": "Cán bộ phục vụ: {name}", "en": "Serving you: {name}"},
    "kiosk.choose": {"vi": "Chạm vào một biểu tượng để đánh giá", "en": "Tap a face to rate"},
    "kiosk.chosen": {"vi": "Ông/Bà đã chọn: {level}", "en": "You chose: {level}"},
    "kiosk.reasons": {"vi": "Lý do (chọn nếu có)", "en": "Reasons (if any)"},
    "kiosk.comment": {"vi": "Góp ý thêm (không bắt buộc)", "en": "Comment (optional)"},
    "kiosk.send": {"vi": "Gửi đánh giá", "en": "Send"},
    "kiosk.complain": {"vi": "Phản ánh thái độ cán bộ", "en": "Report staff conduct"},
    "kiosk.category": {"vi": "Nội dung phản ánh", "en": "What happened"},
    "kiosk.cat.harassment": {"vi": "Nhũng nhiễu, gây phiền hà", "en": "Harassment or soliciting"},
    "kiosk.cat.rude": {"vi": "Thái độ chưa lịch sự", "en": "Rude attitude"},
    "kiosk.cat.wrong_guidance": {"vi": "Hướng dẫn sai", "en": "Wrong guidance"},
    "kiosk.cat.delay": {"vi": "Chậm trễ không có lý do", "en": "Delay without reason"},
    "kiosk.cat.extra_fees": {"vi": "Thu phí ngoài quy định", "en": "Fees outside the rules"},
    "kiosk.cat.other": {"vi": "Khác", "en": "Other"},
    "kiosk.text": {"vi": "Mô tả sự việc", "en": "Describe what happened"},
    "kiosk.phone": {
        "vi": "Số điện thoại để được trả lời (không bắt buộc)",
        "en": "Phone number for a reply (optional)",
    },
    "kiosk.consent": {
        "vi": "Tôi đồng ý để Trung tâm dùng số điện thoại này chỉ để liên hệ về phản ánh này. Số được xóa {days} ngày "
        "sau khi phản ánh kết thúc.",
        "en": "I agree that the centre may use this number only to contact me about this report. It is erased {days} "
        "days after the report ends.",
    },
    "kiosk.send_complaint": {"vi": "Gửi phản ánh", "en": "Send report"},
    "kiosk.back": {"vi": "Quay lại", "en": "Back"},
    "kiosk.need_category": {"vi": "Vui lòng chọn nội dung phản ánh.", "en": "Please choose what happened."},
    "kiosk.need_text": {"vi": "Vui lòng mô tả sự việc.", "en": "Please describe what happened."},
    "kiosk.bad_phone": {
        "vi": "Số điện thoại chưa đúng (chỉ gồm chữ số, 8 đến 20 ký tự).",
        "en": "The phone number is not valid (digits only, 8 to 20 characters).",
    },
    "kiosk.need_consent": {
        "vi": "Vui lòng đánh dấu đồng ý, hoặc để trống số điện thoại.",
        "en": "Please tick your consent, or leave the phone number empty.",
    },
    "kiosk.thanks": {"vi": "Cảm ơn Ông/Bà đã đánh giá!", "en": "Thank you for your rating!"},
    "kiosk.thanks_more": {
        "vi": "Ý kiến của Ông/Bà giúp chúng tôi phục vụ tốt hơn.",
        "en": "Your opinion helps us serve you better.",
    },
    "kiosk.complaint_recorded": {
        "vi": "Phản ánh của Ông/Bà đã được ghi nhận và sẽ được chuyển đến người có trách nhiệm.",
        "en": "Your report has been recorded and will be passed to the person in charge.",
    },
    "kiosk.tracking": {"vi": "Mã theo dõi phản ánh: {code}", "en": "Report tracking code: {code}"},
    "kiosk.secret": {"vi": "Mã bí mật: {secret}", "en": "Secret code: {secret}"},
    "kiosk.track_hint": {
        "vi": "Ông/Bà vui lòng ghi lại hai mã này để tra cứu kết quả giải quyết.",
        "en": "Please note both codes to follow how your report is handled.",
    },
    "kiosk.done": {"vi": "Xong", "en": "Done"},
    "kiosk.queue_waiting": {"vi": "Chờ gửi: {n}", "en": "Waiting to send: {n}"},
    "kiosk.queue_empty": {"vi": "Đã gửi hết", "en": "All sent"},
    "kiosk.storage_failed": {
        "vi": "⚠ Máy không lưu được đánh giá: đang gửi ngay",
        "en": "⚠ This device cannot store ratings: sending at once",
    },
}
register(KIOSK_MESSAGES)
