from django.apps import AppConfig


class Config(AppConfig):
    name = "fangkong.booking"
    label = "booking"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fangkong.core import maintenance

        from .dashboard_counters import hours_close_recent_rounds

        maintenance.register("booking.dashboard_hours", hours_close_recent_rounds)
