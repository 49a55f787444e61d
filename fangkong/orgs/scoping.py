"""Who may see which rows: committee ⊂ town ⊂ district, enforced in queries.

Every model that holds residents' data uses ``ScopedQuerySet`` and names the columns that place
a row in the tree. ``visible_to(user)`` is the only way views read such rows; an object outside
the scope is then simply not found (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from django.db import models

from .models import Role

if TYPE_CHECKING:
    from .models import User


@dataclass(frozen=True)
class Scope:
    level: str  # "district", "town", "committee" or "none"
    district_id: int | None = None
    town_id: int | None = None
    committee_id: int | None = None

    @property
    def is_none(self) -> bool:
        return self.level == "none"


def scope_of(user: Any) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope("none")
    role = user.role
    if role in (Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN) and user.district_id:
        return Scope("district", district_id=user.district_id)
    if role == Role.TOWN_OFFICER and user.town_id:
        return Scope("town", district_id=user.district_id, town_id=user.town_id)
    if role == Role.COMMITTEE_WORKER and user.committee_id:
        return Scope(
            "committee",
            district_id=user.district_id,
            town_id=user.town_id,
            committee_id=user.committee_id,
        )
    return Scope("none")


class ScopedQuerySet(models.QuerySet):
    """Subclasses set the lookups that lead from a row to its district, town and committee."""

    district_field = "district_id"
    town_field = "town_id"
    committee_field = "committee_id"

    def visible_to(self, user: User | Any) -> Self:
        scope = scope_of(user)
        if scope.level == "district":
            return self.filter(**{self.district_field: scope.district_id})
        if scope.level == "town":
            return self.filter(**{self.town_field: scope.town_id})
        if scope.level == "committee":
            return self.filter(**{self.committee_field: scope.committee_id})
        return self.none()


def committees_in_scope(user: Any) -> models.QuerySet:
    """The committees a user may see: theirs, their town's, or their district's."""
    from .models import Committee

    scope = scope_of(user)
    committees = Committee.objects.select_related("town")
    if scope.level == "district" and scope.district_id is not None:
        return committees.filter(district_id=scope.district_id)
    if scope.level == "town" and scope.town_id is not None:
        return committees.filter(town_id=scope.town_id)
    if scope.level == "committee" and scope.committee_id is not None:
        return committees.filter(pk=scope.committee_id)
    return committees.none()


def towns_in_scope(user: Any) -> models.QuerySet:
    """The towns a user may see as a whole: their district's, or their own town. A committee
    worker sees no town as a whole."""
    from .models import Town

    scope = scope_of(user)
    if scope.level == "district" and scope.district_id is not None:
        return Town.objects.filter(district_id=scope.district_id)
    if scope.level == "town" and scope.town_id is not None:
        return Town.objects.filter(pk=scope.town_id)
    return Town.objects.none()
