from django.urls import path

from . import views

app_name = "supplies"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_new, name="new"),
    path("export.xlsx", views.request_export, name="export"),
    path("stock/", views.stock, name="stock"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/<str:action>/", views.request_action, name="action"),
]
