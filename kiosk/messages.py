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
