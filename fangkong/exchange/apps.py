from django.apps import AppConfig


class Config(AppConfig):
    name = "fangkong.exchange"
    label = "exchange"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # SMS bodies in templates/sms/exchange_*.txt with their variables (checked by the outbox).
        from fangkong.core.messaging import SMS_TEMPLATES

        SMS_TEMPLATES.update({
            "exchange_new_version": ("title", "version"),
            "exchange_mail": ("subject", "sender"),
        })
