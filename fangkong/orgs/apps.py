from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "fangkong.orgs"
    label = "orgs"
    verbose_name = _("组织与人员")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .roles import sync_role_groups

        post_migrate.connect(sync_role_groups, sender=self)

        # Staff self-service password SMS (fangkong/orgs/activation.py; templates/sms/staff_*.txt).
        from fangkong.core.messaging import SMS_TEMPLATES

        SMS_TEMPLATES.setdefault("staff_activation_code", ("code", "minutes"))
        SMS_TEMPLATES.setdefault("staff_activation_ambiguous", ())
