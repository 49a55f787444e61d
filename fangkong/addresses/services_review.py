"""Writes of the address review queue: asking for a match, the matcher's decision, and a
person's confirm / pick / reject. Every resolution tells the item's source (``sources.py``) in
the same transaction, is counted in ``AddressMatchDay`` as it happens, and a person's is audited;
a confirmation also saves the text as an ``AddressAlias`` so the same string matches next time.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.orgs.models import Committee

from .matching import MatchResult, alias_key, match_address
from .models import (
    AddressAlias,
    AddressMatchDay,
    AddressReview,
    MatchStatus,
    ReviewStatus,
    StandardAddress,
)
from .sources import REJECTED, ROUTED, Resolution, SourceRefused, notify

logger = logging.getLogger("fangkong.addresses")

# Other open items with the same text are resolved with a confirmation, up to this many.
SAME_TEXT_LIMIT = 200
_COUNTED = {
    MatchStatus.MATCHED: "matched",
    MatchStatus.ALIAS: "alias",
    MatchStatus.COMMITTEE_ONLY: "committee_only",
    MatchStatus.REVIEW: "review",
    MatchStatus.OUTSIDE: "outside",
}


class ReviewNotFound(UserError):
    code = "not_found"


class ReviewAlreadyResolved(UserError):
    code = "already_resolved"


def _bump(review: AddressReview, column: str, when: datetime) -> None:
    """One more in the day's counter row (created on first use; a lost race just retries)."""
    day = timezone.localtime(when).date()
    match = {"day": day, "source": review.source, "town_id": review.town_id}
    for _attempt in range(2):
        if AddressMatchDay.objects.filter(**match).update(**{column: F(column) + 1}):
            return
        try:
            with transaction.atomic():
                AddressMatchDay.objects.create(**match, district_id=review.district_id, **{column: 1})
            return
        except IntegrityError:
            continue


def address_review_request(
    *, source: str, source_ref: str, text: str, district_id: int, town_id: int | None, source_label: str = "",
    candidates: list[dict[str, Any]] | None = None,
) -> AddressReview:
    """Queue ``text`` for matching (call inside the transaction that wrote the record): the
    worker runs ``tasks.address_match_run`` once it commits. Asking twice returns the first item.
    ``candidates`` (as the item stores them) are what the source already knows, kept when the
    matcher finds none of its own."""
    from .tasks import address_match_run

    review, created = AddressReview.objects.get_or_create(
        source=source,
        source_ref=str(source_ref),
        defaults={
            "text": text[:200], "key": alias_key(text), "district_id": district_id, "town_id": town_id,
            "source_label": source_label[:100], "candidates": candidates or [],
        },
    )
    if created:
        transaction.on_commit(lambda: address_match_run.enqueue(review.pk))
    return review


def address_review_match(*, review_id: int) -> str:
    """The worker's step: match an item still ``matching``; return its new status (or
    "skipped"). Matching runs outside the transaction: only the run that still finds the
    item ``matching`` under its row lock writes anything."""
    if not AddressReview.objects.filter(pk=review_id, status=ReviewStatus.MATCHING).exists():
        return "skipped"
    text = AddressReview.objects.values_list("text", flat=True).get(pk=review_id)
    try:
        result = match_address(text)
    except Exception as exc:  # a broken index must not hide the item from people: queue it
        logger.exception("address match failed review=%s", review_id)
        result = MatchResult(MatchStatus.REVIEW, explanation=f"自动识别出错，请人工复核（{type(exc).__name__}）")
    with transaction.atomic():
        review = AddressReview.objects.select_for_update().filter(pk=review_id, status=ReviewStatus.MATCHING).first()
        if review is None:
            return "skipped"
        _settle(review, result, now=timezone.now())
    logger.info("address match review=%s source=%s status=%s", review.pk, review.source, review.match_status)
    return review.status


def _settle(review: AddressReview, result: MatchResult, *, now: datetime) -> None:
    review.match_status = result.status
    review.confidence = result.confidence
    review.explanation = result.explanation
    review.candidates = result.candidates or review.candidates
    review.matched_at = now
    review.status = ReviewStatus.OPEN
    _bump(review, _COUNTED[MatchStatus(result.status)], now)
    if result.committee_id is not None:
        committee = Committee.objects.get(pk=result.committee_id)
        try:
            with transaction.atomic():
                notify(Resolution(review, ROUTED, result.address, committee))
        except SourceRefused as exc:
            review.note = exc.message[:200]
        else:
            review.status = ReviewStatus.AUTO
            review.address, review.committee = result.address, committee
    review.save()


def _open_review(actor: Any, review_id: int) -> AddressReview:
    review = AddressReview.objects.visible_to(actor).select_for_update().filter(pk=review_id).first()
    if review is None:
        raise ReviewNotFound(_("没有找到该复核事项。"))
    if review.status != ReviewStatus.OPEN:
        raise ReviewAlreadyResolved(
            _("该地址已处理（{status}），请刷新后查看。").format(status=ReviewStatus(review.status).label)
        )
    return review


def _audit(actor: Any, review: AddressReview, action: str, request: HttpRequest | None, **detail: Any) -> None:
    audit_log(
        actor=actor, action=action, object_type="address_review", object_id=review.pk,
        district_id=review.district_id, town_id=review.town_id, request=request,
        detail={"source": review.source, "source_ref": review.source_ref, "text": review.text, **detail},
    )


@transaction.atomic
def address_review_confirm(
    *,
    actor: Any,
    review_id: int,
    address_id: str = "",
    committee_id: int | None = None,
    request: HttpRequest | None = None,
) -> AddressReview:
    """Place an open item on a room (``address_id``: a candidate, or any room of the district
    found by search) or, when no room fits, on a committee (``committee_id``); save the text as
    an alias, tell the source, count and audit it."""
    review = _open_review(actor, review_id)
    district_id = review.district_id  # visible to the actor, so in the actor's district
    address: StandardAddress | None = None
    if address_id:
        address = (
            StandardAddress.objects.select_related("committee", "town")
            .filter(address_id=address_id, district_id=district_id).first()
        )
        if address is None:
            raise UserError(_("所选地址不在本区标准地址库中。"), field="address_id")
        committee = address.committee
    elif committee_id is not None:
        found = Committee.objects.filter(pk=committee_id, district_id=district_id).select_related("town").first()
        if found is None:
            raise UserError(_("所选居委会不存在。"), field="committee_id")
        committee = found
    else:
        raise UserError(_("请选择一个候选地址，或搜索标准地址。"), field="address_id")
    now = timezone.now()
    notify(Resolution(review, ROUTED, address, committee, actor=actor, request=request))
    review.status, review.address, review.committee = ReviewStatus.CONFIRMED, address, committee
    review.resolved_by, review.resolved_at = actor, now
    review.save(update_fields=["status", "address", "committee", "resolved_by", "resolved_at"])
    _bump(review, "confirmed", now)
    candidate_ids = [c.get("address_id") for c in review.candidates]
    how = "top" if candidate_ids[:1] == [address_id] and address_id else ("candidate" if address_id in candidate_ids else "search")
    if review.key:
        AddressAlias.objects.update_or_create(
            key=review.key,
            defaults={"text": review.text, "address": address, "committee": committee, "created_by": actor, "created_at": now},
        )
    _audit(
        actor, review, "addresses.review_confirm", request,
        address_id=address.address_id if address else "", committee=committee.code, how=how if address else "committee",
        alias=review.key,
    )
    _resolve_same_text(review, address, committee, now=now)
    return review


def _resolve_same_text(done: AddressReview, address: StandardAddress | None, committee: Committee, *, now: datetime) -> None:
    """Other open items of the district with the same text now match through the new alias."""
    if not done.key:
        return
    others = (
        AddressReview.objects.select_for_update()
        .filter(district_id=done.district_id, key=done.key, status=ReviewStatus.OPEN).exclude(pk=done.pk)
        .order_by("pk")[:SAME_TEXT_LIMIT]
    )
    for other in others:
        try:
            with transaction.atomic():
                notify(Resolution(other, ROUTED, address, committee))
        except SourceRefused as exc:
            other.note = exc.message[:200]
            other.save(update_fields=["note"])
            continue
        other.status, other.match_status, other.address, other.committee = ReviewStatus.AUTO, MatchStatus.ALIAS, address, committee
        other.explanation = _("与已确认的复核事项 #{pk} 地址相同").format(pk=done.pk)
        other.resolved_at = now
        other.save(update_fields=["status", "match_status", "address", "committee", "explanation", "resolved_at"])
        _bump(other, "alias", now)


@transaction.atomic
def address_review_close(
    *, source: str, source_ref: str, actor: Any, committee: Committee | None, note: str = ""
) -> bool:
    """The source settled its record by hand (a town routed a screening order from the order
    page): the item still matching or open leaves the queue without calling the source back —
    已确认 to ``committee`` (no alias: nobody confirmed the text), or 辖区外/无法确定 when
    ``committee`` is None. Returns whether an item was closed."""
    review = (
        AddressReview.objects.select_for_update()
        .filter(source=source, source_ref=str(source_ref), status__in=[ReviewStatus.MATCHING, ReviewStatus.OPEN])
        .first()
    )
    if review is None:
        return False
    now = timezone.now()
    review.status = ReviewStatus.CONFIRMED if committee is not None else ReviewStatus.REJECTED
    review.committee, review.note = committee, note.strip()[:200]
    review.resolved_by, review.resolved_at = actor, now
    review.save(update_fields=["status", "committee", "note", "resolved_by", "resolved_at"])
    _bump(review, "confirmed" if committee is not None else "rejected", now)
    return True


@transaction.atomic
def address_review_reject(
    *, actor: Any, review_id: int, note: str = "", request: HttpRequest | None = None
) -> AddressReview:
    """Mark an open item 辖区外/无法确定: no alias; the source keeps its record where it is."""
    review = _open_review(actor, review_id)
    now = timezone.now()
    review.note = note.strip()[:200]
    notify(Resolution(review, REJECTED, None, None, actor=actor, request=request))
    review.status, review.resolved_by, review.resolved_at = ReviewStatus.REJECTED, actor, now
    review.save(update_fields=["status", "note", "resolved_by", "resolved_at"])
    _bump(review, "rejected", now)
    _audit(actor, review, "addresses.review_reject", request, note=review.note)
    return review
