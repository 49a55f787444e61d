from django.urls import path

from . import desk_views, views

app_name = "pickup"

urlpatterns = [
    path("pickup/", views.clerk_page, name="clerk"),
    path("pickup/redeem/", views.clerk_redeem, name="redeem"),
    path("v/<str:token>/", views.voucher_page, name="voucher"),
    path("v/<str:token>/voucher.pdf", views.voucher_pdf_public, name="voucher_pdf"),
    path("stock/", views.stock_page, name="stock"),
    path("desk/pickup/", desk_views.points_page, name="desk_points"),
    path("desk/pickup/points/<int:pk>/clerks/add/", desk_views.clerk_add, name="clerk_add"),
    path("desk/pickup/points/<int:pk>/clerks/<int:clerk_pk>/remove/", desk_views.clerk_remove, name="clerk_remove"),
    path("desk/bookings/<int:pk>/voucher.pdf", desk_views.booking_voucher_pdf, name="booking_voucher_pdf"),
]
