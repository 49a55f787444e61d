from django.urls import path

from . import views

app_name = "activity"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("towns/<int:town_id>/", views.town_dashboard, name="town"),
]
