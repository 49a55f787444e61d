from django.urls import path

from . import desk_actions, desk_entry, desk_views

app_name = "desk"

urlpatterns = [
    path("", desk_views.home, name="home"),
    path("rounds/new/", desk_views.round_new, name="round_new"),
    path("rounds/<int:round_id>/", desk_views.round_overview, name="round"),
    path("rounds/<int:round_id>/status/", desk_views.round_status, name="round_status"),
    path("rounds/<int:round_id>/committees/<int:committee_id>/", desk_views.committee_bookings, name="committee"),
    path("rounds/<int:round_id>/approve-selected/", desk_actions.bulk_approve, name="bulk_approve"),
    path(
        "rounds/<int:round_id>/committees/<int:committee_id>/approve-in-order/",
        desk_actions.approve_in_order,
        name="approve_in_order",
    ),
    path("bookings/new/", desk_entry.booking_new, name="booking_new"),
    path("bookings/<int:pk>/", desk_views.booking_detail, name="booking"),
    path("bookings/<int:pk>/decide/", desk_actions.booking_decide, name="booking_decide"),
    path("bookings/<int:pk>/call/", desk_actions.booking_call, name="booking_call"),
    path("audit/", desk_views.audit_log_page, name="audit"),
]
