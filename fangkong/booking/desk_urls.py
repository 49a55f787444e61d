from django.urls import path

from . import desk_views

app_name = "desk"

urlpatterns = [
    path("", desk_views.home, name="home"),
    path("rounds/new/", desk_views.round_new, name="round_new"),
    path("rounds/<int:round_id>/", desk_views.round_overview, name="round"),
    path("rounds/<int:round_id>/status/", desk_views.round_status, name="round_status"),
    path("rounds/<int:round_id>/committees/<int:committee_id>/", desk_views.committee_bookings, name="committee"),
    path("bookings/<int:pk>/", desk_views.booking_detail, name="booking"),
    path("audit/", desk_views.audit_log_page, name="audit"),
]
