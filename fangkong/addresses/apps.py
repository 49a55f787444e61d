from django.apps import AppConfig


class Config(AppConfig):
    name = "fangkong.addresses"
    label = "addresses"
    default_auto_field = "django.db.models.BigAutoField"
