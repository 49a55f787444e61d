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
        # A clerk added on the desk (fangkong/pickup/services_clerks.py): a new account is sent to
        # /accounts/activate/ to set a password, an existing one to the clerk page.
        messaging.SMS_TEMPLATES.setdefault("pickup_clerk_invited", ("name", "point", "address", "url"))
        messaging.SMS_TEMPLATES.setdefault("pickup_clerk_added", ("name", "point", "address", "url"))
        messaging.EMAIL_TEMPLATES.setdefault(
            "voucher_issued", ("name", "round", "goods", "quantity", "booking_no", "code", "point", "address",
                               "hours", "window", "url")
        )
