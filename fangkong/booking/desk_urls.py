from django.urls import path

from . import dashboard_views, desk_actions, desk_allocation, desk_entry, desk_exports, desk_views

app_name = "desk"

urlpatterns = [
    path("", desk_views.home, name="home"),
    path("rounds/new/", desk_views.round_new, name="round_new"),
    path("rounds/<int:round_id>/", desk_views.round_overview, name="round"),
    path("rounds/<int:round_id>/status/", desk_views.round_status, name="round_status"),
    path("rounds/<int:round_id>/dashboard/", dashboard_views.round_dashboard, name="dashboard"),
    path("rounds/<int:round_id>/dashboard/towns/<int:town_id>/", dashboard_views.town_dashboard, name="dashboard_town"),
    path(
        "rounds/<int:round_id>/dashboard/committees/<int:committee_id>/",
        dashboard_views.committee_dashboard,
        name="dashboard_committee",
    ),
    path("rounds/<int:round_id>/allocate/", desk_allocation.round_allocate, name="round_allocate"),
    path("rounds/<int:round_id>/quotas/", desk_allocation.round_quotas, name="round_quotas"),
    path("rounds/<int:round_id>/committees/<int:committee_id>/", desk_views.committee_bookings, name="committee"),
    path("rounds/<int:round_id>/approve-selected/", desk_actions.bulk_approve, name="bulk_approve"),
    path(
        "rounds/<int:round_id>/committees/<int:committee_id>/approve-in-order/",
        desk_actions.approve_in_order,
        name="approve_in_order",
    ),
    path("rounds/<int:round_id>/export/<str:kind>/", desk_exports.round_export, name="round_export"),
    path("exports/<int:job_id>/", desk_exports.export_job, name="export_job"),
    path("exports/<int:job_id>/download/", desk_exports.export_download, name="export_download"),
    path("bookings/new/", desk_entry.booking_new, name="booking_new"),
    path("bookings/<int:pk>/", desk_views.booking_detail, name="booking"),
    path("bookings/<int:pk>/decide/", desk_actions.booking_decide, name="booking_decide"),
    path("bookings/<int:pk>/call/", desk_actions.booking_call, name="booking_call"),
    path("audit/", desk_views.audit_log_page, name="audit"),
]
