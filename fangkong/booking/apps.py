from django.apps import AppConfig


class Config(AppConfig):
    name = "fangkong.booking"
    label = "booking"
    default_auto_field = "django.db.models.BigAutoField"
