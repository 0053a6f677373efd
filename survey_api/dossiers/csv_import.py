"""Reading dossier CSV files for back-filling: Vietnamese or English headers, local or ISO times."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from survey_api.dossiers.models import DossierChannel, DossierStatus
from survey_api.dossiers.schemas import DossierPush
from survey_api.errors import ErrorItem, field_from_msgspec

HEADERS = {
    "mã hồ sơ": "code",
    "mã thủ tục": "procedure_code",
    "mã trung tâm": "centre_code",
    "mã quầy": "counter_code",
    "mã cán bộ": "staff_code",
    "mã cơ quan": "agency_code",
    "kênh": "channel",
    "trạng thái": "status",
    "ngày tiếp nhận": "received_at",
    "hạn trả kết quả": "due_at",
    "ngày giải quyết": "resolved_at",
    "ngày trả kết quả": "returned_at",
    "thời điểm sự kiện": "event_at",
}
VALUES: dict[str, dict[str, str]] = {
    "channel": {
        "trực tiếp": DossierChannel.COUNTER,
        "trực tuyến": DossierChannel.ONLINE,
        "bưu chính": DossierChannel.POSTAL,
    },
    "status": {
        "đã tiếp nhận": DossierStatus.RECEIVED,
        "đang giải quyết": DossierStatus.IN_PROGRESS,
        "tạm dừng": DossierStatus.PAUSED,
        "đã giải quyết": DossierStatus.RESOLVED,
        "đã trả kết quả": DossierStatus.RETURNED,
        "từ chối": DossierStatus.REJECTED,
        "rút hồ sơ": DossierStatus.WITHDRAWN,
    },
}
TIME_FIELDS = ("received_at", "due_at", "resolved_at", "returned_at", "event_at")
LOCAL_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")


def _moment(text: str, zone: ZoneInfo) -> str:
    """``dd/mm/yyyy[ HH:MM[:SS]]`` in local time, or ISO 8601 (local time if it has no offset)."""
    for fmt in LOCAL_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=zone).isoformat()
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return text  # let the schema report it, naming the field
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)).isoformat()


def parse_csv(content: bytes, tz: str) -> list[tuple[int, DossierPush | ErrorItem]]:
    """Rows numbered from 1 (the first line after the header), each parsed or an error naming the field."""
    zone = ZoneInfo(tz)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [(0, ErrorItem(field=None, message=f"The file is not UTF-8 text: {exc}", row=0))]
    reader = csv.DictReader(io.StringIO(text, newline=""))  # newline="": a line may end in \r\n, \n or \r
    try:
        raw_rows = list(reader)
    except csv.Error as exc:  # a quote left open, for one
        return [(0, ErrorItem(field="body", message=f"The file is not CSV: {exc}", row=max(0, reader.line_num - 1)))]
    if not reader.fieldnames:
        return [
            (0, ErrorItem(field="body", message="The file is empty: send a header row, then a row a dossier", row=0))
        ]
    names = {h: HEADERS.get(h.strip().lower(), h.strip().lower()) for h in reader.fieldnames or []}
    if "code" not in names.values():  # every row needs one: a file without the column imports nothing
        return [(0, ErrorItem(field="code", message="The header has no column 'mã hồ sơ' (or 'code')", row=0))]
    rows: list[tuple[int, DossierPush | ErrorItem]] = []
    for row_no, raw in enumerate(raw_rows, start=1):
        record: dict[str, Any] = {}
        for header, value in raw.items():
            if header is None or value is None or not value.strip():
                continue
            field = names[header]
            text = value.strip()
            if field in VALUES:
                text = VALUES[field].get(text.lower(), text)
            elif field in TIME_FIELDS:
                text = _moment(text, zone)
            record[field] = text
        try:
            rows.append((row_no, msgspec.convert(record, DossierPush, strict=False)))
        except msgspec.ValidationError as exc:
            bad_field, message = field_from_msgspec(str(exc))
            rows.append((row_no, ErrorItem(field=bad_field, message=message, row=row_no)))
    return rows
