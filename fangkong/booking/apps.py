from django.apps import AppConfig


class Config(AppConfig):
    name = "fangkong.booking"
    label = "booking"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The worker's maintenance loop counts the dashboards' closed hours (dashboard_counters.py).
        from fangkong.core import maintenance

        from .dashboard_counters import hours_close_recent_rounds

        maintenance.register("booking.dashboard_hours", hours_close_recent_rounds)

        # Free-text addresses go to the address review queue; a resolved one re-routes the
        # booking (booking/services_address.py) and tells the resident by SMS.
        from fangkong.addresses.sources import register_source
        from fangkong.core.messaging import SMS_TEMPLATES

        from .services_address import SOURCE, on_address_resolved, review_link

        SMS_TEMPLATES["booking_rerouted"] = ("name", "round", "booking_no", "committee", "queue_position")
        register_source(SOURCE, label="预约", on_resolved=on_address_resolved, link=review_link)
