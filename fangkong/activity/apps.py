from django.apps import AppConfig


class Config(AppConfig):
    name = "fangkong.activity"
    label = "activity"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "活跃度"
