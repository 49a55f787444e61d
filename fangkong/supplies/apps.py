from django.apps import AppConfig


class Config(AppConfig):
    name = "fangkong.supplies"
    label = "supplies"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "物资"

    def ready(self) -> None:
        # The outbox checks every template's variables against fangkong.core's registry;
        # the supply messages belong to this app (texts in templates/sms/supply_*.txt).
        from fangkong.core import messaging

        messaging.SMS_TEMPLATES.setdefault("supply_committed", ("number", "supplier", "result"))
        messaging.SMS_TEMPLATES.setdefault("supply_sent", ("number", "supplier", "items"))
