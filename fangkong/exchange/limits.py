"""Size and type limits of exchanged files and mail attachments (the office's checks and types;
the size from ``settings.EXCHANGE_MAX_FILE_MB``)."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from fangkong.office.directives import ATTACHMENT_MAX_COUNT, ATTACHMENT_TYPES, _check_files


def max_bytes() -> int:
    return int(settings.EXCHANGE_MAX_FILE_MB) * 1024 * 1024


def check_files(files: Sequence[UploadedFile], *, what: str, max_count: int = ATTACHMENT_MAX_COUNT) -> None:
    _check_files(files, types=ATTACHMENT_TYPES, max_bytes=max_bytes(), max_count=max_count, what=what)


def hint() -> str:
    return _("每个不超过%(mb)sMB，类型：%(types)s") % {
        "mb": settings.EXCHANGE_MAX_FILE_MB, "types": " ".join(sorted(ATTACHMENT_TYPES))}
