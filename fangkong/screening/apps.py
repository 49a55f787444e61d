from django.apps import AppConfig


class Config(AppConfig):
    name = "fangkong.screening"
    label = "screening"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The screening SMS templates (templates/sms/screening_*.txt), registered with the
        # outbox's checked list from here so this app owns them.
        from fangkong.core import maintenance
        from fangkong.core.messaging import SMS_TEMPLATES

        from .clocks import escalate_overdue
        from .notify import TEMPLATES as NEW_ORDER_TEMPLATES
        from .observation import observations_tick

        SMS_TEMPLATES.update(NEW_ORDER_TEMPLATES)
        SMS_TEMPLATES.update({
            # To town officers when orders of their town pass a clock (fangkong.screening.clocks).
            "screening_overdue": ("town", "count", "urgent", "first"),
        })
        # Periodic, idempotent: overdue orders escalate to their town (once); home observations
        # get today's check, and end after their 14th day.
        maintenance.register("screening.escalate_overdue", escalate_overdue)
        maintenance.register("screening.observations_tick", observations_tick)

        # Orders the pipeline could not place wait in their town's 地址复核 queue too; a resolved
        # item routes the order (services_address.py).
        from typing import cast

        from django.utils.translation import gettext_lazy

        from fangkong.addresses.sources import register_source

        from .services_address import SOURCE, on_address_resolved, review_link

        # Lazy, so the queue names the source in the reader's language.
        register_source(SOURCE, label=cast(str, gettext_lazy("联防联控工单")), on_resolved=on_address_resolved,
                        link=review_link)
