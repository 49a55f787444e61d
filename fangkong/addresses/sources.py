"""Who sends addresses to the review queue, and what happens when one is resolved.

A source is any app whose records carry a free-text address that must be placed on a room or
a committee: ``booking`` (registered by ``fangkong.booking.apps``) today, ``screening`` next.
It registers itself once, from its ``AppConfig.ready``::

    from fangkong.addresses.sources import register_source

    register_source(
        "screening",
        label="筛查工单",
        on_resolved=screening_order_set_address,   # (Resolution) -> None
        link=lambda review: reverse("screening:order", args=[review.source_ref]),
    )

and asks for a match with ``services_review.address_review_request(source="screening",
source_ref=str(order.pk), text=..., district_id=..., town_id=...)`` inside the transaction that
wrote the record; the worker then matches it (``tasks.address_match_run``).

``on_resolved`` is called inside the transaction that resolves the item — by the matcher
(``actor`` None, ``outcome`` ``routed``) or by a person (``routed`` or ``rejected``) — so the
source's own writes (re-routing, its audit row, its SMS in the outbox) commit with the review
or not at all. It must be idempotent (a record already routed is left as it is). To refuse,
raise ``SourceRefused`` with a message for staff: a person's action is then rolled back and
shown the message; a match found by the matcher goes to the town's queue instead, with the
message as its note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from fangkong.core.errors import UserError

if TYPE_CHECKING:
    from fangkong.orgs.models import Committee

    from .models import AddressReview, StandardAddress

ROUTED = "routed"
REJECTED = "rejected"


class SourceRefused(UserError):
    code = "source_refused"


@dataclass(frozen=True)
class Resolution:
    review: AddressReview
    outcome: str  # ROUTED or REJECTED
    address: StandardAddress | None  # the room, when one was found or chosen
    committee: Committee | None  # where the record goes (None when rejected)
    actor: Any = None  # None: the matcher
    request: HttpRequest | None = None


@dataclass(frozen=True)
class Source:
    name: str
    label: str
    on_resolved: Callable[[Resolution], None]
    link: Callable[[AddressReview], str] | None = None


SOURCES: dict[str, Source] = {}


def register_source(
    name: str,
    *,
    label: str,
    on_resolved: Callable[[Resolution], None],
    link: Callable[[AddressReview], str] | None = None,
) -> None:
    if len(name) > 16:
        raise ValueError(f"source name {name!r} is longer than 16 characters")
    SOURCES[name] = Source(name, label, on_resolved, link)


def notify(resolution: Resolution) -> None:
    source = SOURCES.get(resolution.review.source)
    if source is not None:
        source.on_resolved(resolution)


def source_label(name: str) -> str:
    source = SOURCES.get(name)
    return source.label if source else name


def source_link(review: AddressReview) -> str:
    source = SOURCES.get(review.source)
    return source.link(review) if source is not None and source.link is not None else ""
