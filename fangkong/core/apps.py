from django.apps import AppConfig


class Config(AppConfig):
    name = "fangkong.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fangkong.core import maintenance
        from fangkong.core.tasks import export_files_cleanup, requeue_stale_messages

        maintenance.register("core.requeue_stale_messages", requeue_stale_messages)
        maintenance.register("core.export_files_cleanup", export_files_cleanup)
