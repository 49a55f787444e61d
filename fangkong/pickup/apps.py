from django.apps import AppConfig


class Config(AppConfig):
    name = "fangkong.pickup"
    label = "pickup"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "领取点与凭证"

    def ready(self) -> None:
        # The outbox checks every template's variables against a registry in fangkong.core;
        # the voucher messages belong to this app, so it registers them here.
        from fangkong.core import maintenance, messaging
        from fangkong.pickup.services import booking_expire_overdue

        # 已通知 past the pickup window → 逾期未领 (idempotent)
        maintenance.register("pickup.expire_overdue", booking_expire_overdue)

        messaging.SMS_TEMPLATES.setdefault(
            "voucher_issued", ("name", "goods", "code", "point", "address", "window")
        )
        messaging.SMS_TEMPLATES.setdefault("voucher_expired", ("name", "goods", "code", "window"))
        messaging.EMAIL_TEMPLATES.setdefault(
            "voucher_issued", ("name", "round", "goods", "quantity", "booking_no", "code", "point", "address",
                               "hours", "window", "url")
        )
