from django.urls import path

from . import lottery_views, views

app_name = "booking"

urlpatterns = [
    path("", views.home, name="home"),
    path("r/<int:round_id>/", views.book, name="book"),
    path("r/<int:round_id>/qr.svg", views.round_qr, name="qr"),
    path("r/<int:round_id>/poster/", views.round_poster, name="poster"),
    path("r/<int:round_id>/lottery/", lottery_views.lottery_page, name="lottery"),
    path("r/<int:round_id>/lottery.csv", lottery_views.lottery_csv, name="lottery_csv"),
    path("done/<str:token>/", views.done, name="done"),
    path("addresses/suggest/", views.address_suggest, name="address_suggest"),
    path("lookup/", views.lookup, name="lookup"),
]
