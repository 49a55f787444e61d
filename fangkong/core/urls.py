from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("dev/outbox/", views.outbox, name="outbox"),
]
