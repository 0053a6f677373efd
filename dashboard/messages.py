"""Texts of the figures pages: overview, centre drill-down and the printable report (Vietnamese first)."""

from survey_api.i18n import register

register(
    {
        "dash.title": {"vi": "Mức độ hài lòng và tiến độ giải quyết hồ sơ", "en": "Satisfaction and timeliness"},
        "dash.whoami": {"vi": "Xin chào, {name}", "en": "Welcome, {name}"},
        "dash.inbox": {"vi": "Hộp thư phản ánh", "en": "Feedback inbox"},
        "dash.kiosks": {"vi": "Ki-ốt đánh giá", "en": "Kiosks"},
        "dash.overview": {"vi": "Tổng quan", "en": "Overview"},
        # filters
        "filter.title": {"vi": "Bộ lọc", "en": "Filters"},
        "filter.from": {"vi": "Từ ngày", "en": "From"},
        "filter.to": {"vi": "Đến ngày", "en": "To"},
        "filter.unit": {"vi": "Địa bàn", "en": "Area"},
        "filter.agency": {"vi": "Cơ quan giải quyết", "en": "Agency"},
        "filter.procedure": {"vi": "Thủ tục hành chính", "en": "Procedure"},
        "filter.channel": {"vi": "Kênh", "en": "Channel"},
        "filter.channel_rating": {"vi": "Kênh đánh giá", "en": "Rating channel"},
        "filter.channel_dossier": {"vi": "Kênh nộp hồ sơ", "en": "Dossier channel"},
        "filter.all": {"vi": "Tất cả", "en": "All"},
        "filter.method": {"vi": "Phương pháp tính", "en": "Method"},
        "filter.apply": {"vi": "Xem số liệu", "en": "Show figures"},
        "filter.reset": {"vi": "Đặt lại", "en": "Reset"},
        "filter.bad_date": {
            "vi": "Ngày không hợp lệ: {value}. Vui lòng nhập theo dạng ngày/tháng/năm.",
            "en": "Not a valid date: {value}.",
        },
        "filter.invalid": {"vi": "Không xem được số liệu với bộ lọc này: {message}", "en": "Cannot show: {message}"},
        # period, method, downloads
        "period": {"vi": "Kỳ báo cáo: từ ngày {start} đến ngày {end}", "en": "Period: {start} to {end}"},
        "method.used": {"vi": "Cách tính", "en": "Method"},
        "download.csv": {"vi": "Tải CSV", "en": "Download CSV"},
        "download.xlsx": {"vi": "Tải Excel (XLSX)", "en": "Download Excel (XLSX)"},
        "download.of": {"vi": "Tải số liệu {what}", "en": "Download {what}"},
        "report.print_link": {"vi": "Báo cáo để in", "en": "Printable report"},
        # cards
        "card.satisfaction": {"vi": "Tỷ lệ hài lòng", "en": "Satisfaction"},
        "card.not_dissatisfied": {"vi": "Tỷ lệ không phàn nàn", "en": "Not dissatisfied"},
        "card.mean": {"vi": "Điểm trung bình", "en": "Mean score"},
        "card.satisfied_of": {
            "vi": "{satisfied} / {ratings} lượt hài lòng",
            "en": "{satisfied} of {ratings} satisfied",
        },
        "card.score_of": {"vi": "trên thang 1–5, {ratings} lượt", "en": "on a 1–5 scale, {ratings} ratings"},
        "card.ratings": {"vi": "Lượt đánh giá", "en": "Ratings"},
        "card.ratings_sub": {"vi": "Kiosk, mã QR và trực tuyến", "en": "Kiosk, QR and web"},
        "card.coverage": {"vi": "Hồ sơ được đánh giá", "en": "Dossiers rated"},
        "card.coverage_of": {
            "vi": "{rated} / {returned} hồ sơ đã trả kết quả",
            "en": "{rated} of {returned} dossiers returned",
        },
        "card.timeliness": {"vi": "Tiến độ giải quyết", "en": "Timeliness"},
        "card.resolved": {"vi": "{n} hồ sơ đã giải quyết", "en": "{n} dossiers resolved"},
        "card.overdue_open": {"vi": "{n} hồ sơ quá hạn chưa giải quyết", "en": "{n} open past due"},
        "card.complaints": {"vi": "Phản ánh, kiến nghị", "en": "Complaints"},
        "card.complaints_sub": {"vi": "{n} quá hạn xử lý", "en": "{n} overdue"},
        "early": {"vi": "Trước hạn", "en": "Early"},
        "on_time": {"vi": "Đúng hạn", "en": "On time"},
        "late": {"vi": "Trễ hạn", "en": "Late"},
        "no_data": {
            "vi": "Chưa có lượt đánh giá hay hồ sơ nào trong kỳ và phạm vi đã chọn.",
            "en": "No ratings or dossiers in the chosen period and scope.",
        },
        # charts
        "chart.by_month": {"vi": "Tỷ lệ hài lòng theo tháng", "en": "Satisfaction by month"},
        "chart.by_month_score": {"vi": "Điểm trung bình theo tháng", "en": "Mean score by month"},
        "chart.month": {"vi": "Tháng", "en": "Month"},
        "chart.satisfaction_axis": {"vi": "Tỷ lệ hài lòng (%)", "en": "Satisfaction (%)"},
        "chart.not_dissatisfied_axis": {"vi": "Tỷ lệ không phàn nàn (%)", "en": "Not dissatisfied (%)"},
        "chart.mean_axis": {"vi": "Điểm trung bình (1–5)", "en": "Mean score (1–5)"},
        "chart.ratings": {"vi": "Lượt đánh giá", "en": "Ratings"},
        "chart.bubble": {
            "vi": "Hài lòng và tỷ lệ trễ hạn theo trung tâm",
            "en": "Satisfaction against late share per centre",
        },
        "chart.bubble_note": {
            "vi": "Kích thước bong bóng theo số lượt đánh giá.",
            "en": "Bubble size follows the number of ratings.",
        },
        "chart.late_axis": {"vi": "Tỷ lệ hồ sơ trễ hạn (%)", "en": "Late dossiers (%)"},
        "chart.timeliness": {"vi": "Tiến độ giải quyết hồ sơ theo trung tâm", "en": "Timeliness per centre"},
        "chart.share_axis": {"vi": "Tỷ lệ trên số hồ sơ đã giải quyết (%)", "en": "Share of dossiers resolved (%)"},
        "chart.dossiers": {"vi": "hồ sơ", "en": "dossiers"},
        "chart.levels": {"vi": "Phân bố mức độ đánh giá", "en": "Ratings by level"},
        "chart.reasons": {"vi": "Lý do người dân chọn nhiều nhất", "en": "Reasons chosen most"},
        "chart.reasons_note": {
            "vi": "Theo các tháng trong kỳ, cho các trung tâm đã chọn.",
            "en": "Whole months of the period, for the centres chosen.",
        },
        "chart.reasons_unfiltered": {
            "vi": "Theo các tháng trong kỳ, cho các trung tâm đã chọn; lý do chỉ lọc được theo một tiêu chí (cơ quan, "
            "thủ tục hoặc kênh đánh giá), nên khi lọc từ hai tiêu chí trở lên, biểu đồ này gồm mọi cơ quan, thủ tục "
            "và kênh.",
            "en": "Whole months of the period, for the centres chosen; reasons follow one filter at a time (agency, "
            "procedure or channel), so with two or more this chart covers them all.",
        },
        "chart.times_chosen": {"vi": "Số lần được chọn", "en": "Times chosen"},
        "chart.praise": {"vi": "Khen", "en": "Praise"},
        "chart.complaint": {"vi": "Chưa hài lòng", "en": "Criticism"},
        "chart.no_reasons": {"vi": "Chưa có lý do nào được chọn.", "en": "No reason chosen yet."},
        "chart.table_alt": {
            "vi": "Số liệu của biểu đồ có trong bảng bên dưới.",
            "en": "The chart's figures are in the table below.",
        },
        # tables
        "table.centres": {"vi": "Theo trung tâm, bộ phận một cửa", "en": "By centre"},
        "table.districts": {"vi": "Theo huyện, thành phố", "en": "By district"},
        "table.counters": {"vi": "Theo quầy", "en": "By counter"},
        "table.staff": {"vi": "Theo cán bộ", "en": "By staff member"},
        "table.procedures": {"vi": "Theo thủ tục hành chính", "en": "By procedure"},
        "col.name.centres": {"vi": "Trung tâm / Bộ phận Một cửa", "en": "Centre"},
        "col.name.districts": {"vi": "Huyện, thành phố", "en": "District"},
        "col.name.counters": {"vi": "Quầy", "en": "Counter"},
        "col.name.staff": {"vi": "Cán bộ, công chức", "en": "Staff member"},
        "col.name.procedures": {"vi": "Thủ tục", "en": "Procedure"},
        "col.ratings": {"vi": "Lượt đánh giá", "en": "Ratings"},
        "col.satisfaction": {"vi": "Tỷ lệ hài lòng", "en": "Satisfaction"},
        "col.not_dissatisfied": {"vi": "Không phàn nàn", "en": "Not dissatisfied"},
        "col.mean": {"vi": "Điểm TB", "en": "Mean"},
        "col.coverage": {"vi": "Hồ sơ được đánh giá", "en": "Rated"},
        "col.resolved": {"vi": "Hồ sơ đã giải quyết", "en": "Resolved"},
        "col.early": {"vi": "Trước hạn", "en": "Early"},
        "col.on_time": {"vi": "Đúng hạn", "en": "On time"},
        "col.late": {"vi": "Trễ hạn", "en": "Late"},
        "col.overdue": {"vi": "Quá hạn chưa giải quyết", "en": "Open past due"},
        "col.complaints": {"vi": "Phản ánh", "en": "Complaints"},
        "table.no_district": {"vi": "Cấp tỉnh (không thuộc huyện)", "en": "Province level (no district)"},
        "table.total": {"vi": "Tổng cộng", "en": "Total"},
        "table.sort_hint": {
            "vi": "Bấm vào tiêu đề cột để sắp xếp.",
            "en": "Choose a column heading to sort.",
        },
        "table.sorted_asc": {"vi": "đang xếp tăng dần", "en": "sorted ascending"},
        "table.sorted_desc": {"vi": "đang xếp giảm dần", "en": "sorted descending"},
        "table.empty": {"vi": "Không có dòng nào.", "en": "No rows."},
        "table.open": {"vi": "Xem chi tiết {name}", "en": "Details of {name}"},
        # centre drill-down
        "centre.title": {"vi": "Chi tiết: {name}", "en": "Details: {name}"},
        "centre.small_note": {
            "vi": "Quầy và cán bộ có dưới {n} lượt đánh giá chỉ hiện số lượt, chưa tính tỷ lệ.",
            "en": "Counters and staff with fewer than {n} ratings show counts only.",
        },
        # staff
        "staff.title": {"vi": "Trang của cán bộ", "en": "Staff page"},
        "staff.text": {
            "vi": (
                "Số liệu tổng hợp dành cho lãnh đạo trung tâm. Các đánh giá chưa hài lòng và phản ánh liên quan "
                "đến Ông/Bà nằm trong hộp thư phản ánh."
            ),
            "en": "Figures are for the centre's managers. Low ratings and complaints about you are in your inbox.",
        },
        "staff.inbox": {"vi": "Mở hộp thư phản ánh của tôi", "en": "Open my inbox"},
        # printable report
        "report.title": {
            "vi": (
                "BÁO CÁO KẾT QUẢ ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG CỦA NGƯỜI DÂN, DOANH NGHIỆP "
                "ĐỐI VỚI VIỆC GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
            ),
            "en": "REPORT ON CITIZEN AND BUSINESS SATISFACTION WITH THE HANDLING OF ADMINISTRATIVE PROCEDURES",
        },
        "report.nation": {"vi": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "en": "SOCIALIST REPUBLIC OF VIETNAM"},
        "report.motto": {"vi": "Độc lập - Tự do - Hạnh phúc", "en": "Independence - Freedom - Happiness"},
        "report.all_scope": {"vi": "TOÀN HỆ THỐNG", "en": "ALL CENTRES"},
        "report.made_on": {"vi": "Lập ngày {day}", "en": "Made on {day}"},
        "report.summary_title": {"vi": "I. Kết quả chung", "en": "I. Overall results"},
        "report.centres_title": {"vi": "II. Kết quả theo trung tâm, bộ phận một cửa", "en": "II. Results by centre"},
        "report.districts_title": {"vi": "III. Kết quả theo huyện, thành phố", "en": "III. Results by district"},
        "report.method": {"vi": "Phương pháp tính: {label}", "en": "Method: {label}"},
        "report.print": {"vi": "In báo cáo", "en": "Print"},
        "report.back": {"vi": "Quay lại bảng điều khiển", "en": "Back to the dashboard"},
        "report.subject_one": {"vi": "{name}", "en": "{name}"},
        "report.subject_many": {
            "vi": "{n} trung tâm, bộ phận một cửa",
            "en": "the {n} centres",
        },
        "report.sentence_pct": {
            "vi": "Trong kỳ, {subject} có {ratings} lượt đánh giá, {measure} {value}.",
            "en": "In the period, {subject} received {ratings} ratings; {measure}: {value}.",
        },
        "report.sentence_none": {
            "vi": "Trong kỳ, {subject} chưa có lượt đánh giá nào.",
            "en": "In the period, {subject} received no rating.",
        },
        "report.measure.top2": {"vi": "mức độ hài lòng", "en": "satisfaction"},
        "report.measure.not_dissatisfied": {"vi": "tỷ lệ không phàn nàn", "en": "not dissatisfied"},
        "report.measure.mean": {"vi": "điểm trung bình", "en": "mean score"},
        "report.sentence_timeliness": {
            "vi": (
                "Số hồ sơ đã giải quyết là {resolved}, trong đó hồ sơ giải quyết trước hạn {early_pct} "
                "({early} hồ sơ), đúng hạn {on_time_pct} ({on_time} hồ sơ), trễ hạn {late_pct} ({late} hồ sơ)."
            ),
            "en": (
                "{resolved} dossiers were resolved: {early_pct} early ({early}), {on_time_pct} on time "
                "({on_time}), {late_pct} late ({late})."
            ),
        },
        "report.sentence_no_dossier": {
            "vi": "Trong kỳ chưa có hồ sơ nào được giải quyết.",
            "en": "No dossier was resolved in the period.",
        },
        "report.sentence_overdue": {
            "vi": "Còn {n} hồ sơ quá hạn chưa giải quyết.",
            "en": "{n} dossiers are still open past their due date.",
        },
        "report.sentence_coverage": {
            "vi": "Tỷ lệ hồ sơ đã trả kết quả được người dân đánh giá là {pct} ({rated}/{returned} hồ sơ).",
            "en": "{pct} of the dossiers returned were rated ({rated} of {returned}).",
        },
        "report.sentence_complaints": {
            "vi": "Tiếp nhận {n} phản ánh, kiến nghị; {overdue} phản ánh quá hạn xử lý.",
            "en": "{n} complaints were received; {overdue} are past their deadline.",
        },
    }
)
