"""Writes of file exchange: send a file, upload a new version, download (with a receipt).

Sending reuses ``directive_publish`` whole (targeting, scope checks, fan-out, inbox and badge):
the file is announced by a directive that needs no reply, and its receipts are the recipients.
A new version notifies every recipient with a phone by SMS through the outbox (one key per
version and person, so a retry sends nothing twice; beyond ``VERSION_INLINE_SMS`` a worker job
queues them, as the office's large reminders do) and shows as "有新版本" in their list.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.core.messaging import queue_sms, shared_language
from fangkong.office.directives import Target, directive_publish, publisher_scope, receipt_read
from fangkong.office.models import Priority, Receipt, ReplyKind

from .limits import check_files
from .models import Download, FileShare, FileVersion

# Up to this many SMS are queued in the request; more (a district-wide file) by a worker job.
VERSION_INLINE_SMS = 2000


def _one_file(upload: UploadedFile | None) -> UploadedFile:
    if upload is None:
        raise UserError(_("请选择要发送的文件。"), field="file")
    check_files([upload], what=_("文件"), max_count=1)
    return upload


def file_send(
    *, actor: Any, title: str, note: str, upload: UploadedFile | None, target: Target, target_label: str = "",
    priority: str = Priority.NORMAL,
) -> FileShare:
    scope = publisher_scope(actor)
    title = title.strip()
    if not title:
        raise UserError(_("请填写文件标题。"), field="title")
    if len(title) > 90:
        raise UserError(_("文件标题不能超过90个字。"), field="title")
    upload = _one_file(upload)
    now = timezone.now()
    with shared_language():  # the notice is stored once for every recipient
        body = (note.strip() + "\n\n" if note.strip() else "") + _(
            "文件《%(name)s》请在“文件”中下载，下载后发送方可看到您已下载。") % {"name": upload.name}
        notice_title = _("【文件】%(t)s") % {"t": title}
    with transaction.atomic():
        directive = directive_publish(
            actor=actor, title=notice_title, body=body, target=target, priority=priority,
            reply=ReplyKind.NONE, target_label=target_label,
        )
        assert scope.district_id is not None
        share = FileShare.objects.create(directive=directive, sender=actor, district_id=scope.district_id,
                                         town_id=scope.town_id, title=title, note=note.strip(), created_at=now,
                                         updated_at=now)
        FileVersion.objects.create(share=share, number=1, file=upload, name=(upload.name or "")[:200],
                                   size=upload.size or 0, uploaded_by=actor, uploaded_at=now)
        audit_log(actor=actor, action="exchange.file_send", object_type="file_share", object_id=share.pk,
                  district_id=scope.district_id, town_id=scope.town_id,
                  detail={"directive": directive.pk, "recipients": directive.recipients_count, "size": upload.size})
    return share


def file_new_version(*, actor: Any, share: FileShare, upload: UploadedFile | None, note: str = "") -> FileVersion:
    """Only the sending unit (the sender's level: same town, or the district) may add versions."""
    scope = publisher_scope(actor)
    if share.district_id != scope.district_id or share.town_id != scope.town_id:
        raise UserError(_("只有发送单位可以上传新版本。"))
    upload = _one_file(upload)
    if len(note) > 200:
        raise UserError(_("版本说明不能超过200个字。"), field="note")
    now = timezone.now()
    with transaction.atomic():
        locked = FileShare.objects.select_for_update().get(pk=share.pk)
        number = locked.current_version + 1
        version = FileVersion.objects.create(share=locked, number=number, file=upload, name=(upload.name or "")[:200],
                                             size=upload.size or 0, note=note.strip(), uploaded_by=actor,
                                             uploaded_at=now)
        FileShare.objects.filter(pk=share.pk).update(current_version=number, updated_at=now)
        share.current_version, share.updated_at = number, now
        sms = Receipt.objects.filter(directive_id=share.directive_id).exclude(person__phone="").count()
        if sms <= VERSION_INLINE_SMS:
            version_queue_sms(version=version, new_event=True)
        else:
            from .tasks import version_send_sms

            version_send_sms.enqueue(version.pk)
        audit_log(actor=actor, action="exchange.file_version", object_type="file_share", object_id=share.pk,
                  district_id=share.district_id, town_id=share.town_id, detail={"version": number, "sms": sms})
    return version


def version_queue_sms(*, version: FileVersion, new_event: bool = False) -> int:
    """One SMS per recipient with a phone (the key makes a retried job send nothing twice)."""
    share = version.share
    variables = {"title": share.title[:30], "version": version.number}
    queued = 0
    targets = (Receipt.objects.filter(directive_id=share.directive_id).exclude(person__phone="")
               .values_list("person_id", "person__phone"))
    for person_id, phone in targets.iterator(chunk_size=2000):
        queue_sms(phone=phone, template="exchange_new_version", variables=variables,
                  key=f"exchange_version:{version.pk}:{person_id}", new_event=new_event)
        queued += 1
    return queued


def file_download(*, actor: Any, version: FileVersion, receipt: Receipt | None) -> None:
    """Record a download: by a recipient (``receipt``: a download receipt, and the directive read)
    or by the sender's side (audited only)."""
    share = version.share
    with transaction.atomic():
        if receipt is not None:
            Download.objects.create(share=share, version=version, receipt=receipt, person_id=receipt.person_id,
                                    town_id=receipt.town_id, committee_id=receipt.committee_id)
            receipt_read(receipt=receipt)
        audit_log(actor=actor, action="exchange.file_download", object_type="file_version", object_id=version.pk,
                  district_id=share.district_id, town_id=receipt.town_id if receipt else share.town_id,
                  committee_id=receipt.committee_id if receipt else None,
                  detail={"share": share.pk, "version": version.number, "recipient": receipt is not None})
