from django.apps import AppConfig


class Config(AppConfig):
    """岗位培训: courses published as directives; reminders reuse the office's SMS template
    (office_directive_reminder, registered by fangkong/office/apps.py), so none is added here."""

    name = "fangkong.training"
    label = "training"
    default_auto_field = "django.db.models.BigAutoField"
