from django.apps import AppConfig


class Config(AppConfig):
    name = "fangkong.office"
    label = "office"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The office's SMS templates (templates/sms/office_*.txt) and their variables, registered
        # with the outbox's checked list from here so the office owns them.
        from fangkong.core.messaging import SMS_TEMPLATES

        SMS_TEMPLATES.update({
            "office_activation_code": ("code", "minutes"),
            "office_directive_reminder": ("title", "priority"),
            "office_directive_escalation": ("unit", "title", "pending", "deadline"),
            "office_channel_answered": ("title", "town"),
            "office_channel_followup": ("title", "town"),
            "office_channel_assigned": ("title", "town"),
            "office_policy_updated": ("question", "version"),
            "office_policy_proposal": ("question", "outcome"),
        })
