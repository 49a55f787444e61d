from django.urls import path

from . import views_dashboard as dashboard
from . import views_map as maps
from . import views_orders as orders
from . import views_runs as runs

app_name = "screening"

urlpatterns = [
    path("", orders.order_list, name="orders"),
    path("bulk/", orders.order_bulk, name="bulk"),
    path("orders/<int:pk>/", orders.order_detail, name="order"),
    path("orders/<int:pk>/route/", orders.order_route_view, name="route"),
    path("orders/<int:pk>/accept/", orders.order_accept_view, name="accept"),
    path("orders/<int:pk>/result/", orders.order_result_view, name="result"),
    path("orders/<int:pk>/return/", orders.order_return_view, name="return"),
    path("orders/<int:pk>/close/", orders.order_close_view, name="close"),
    path("orders/<int:pk>/extension/", orders.order_extension_view, name="extension"),
    path("orders/<int:pk>/false-positive/", orders.order_false_positive_view, name="false_positive"),
    path("orders/<int:pk>/photo/", orders.order_photo, name="photo"),
    path("checks/<int:pk>/", orders.check_record_view, name="check"),
    path("map/", maps.order_map, name="map"),
    path("map/orders.json", maps.order_map_data, name="map_data"),
    path("dashboard/", dashboard.screening_dashboard, name="dashboard"),
    path("runs/", runs.run_list, name="runs"),
    path("runs/<int:pk>/", runs.run_detail, name="run"),
    path("runs/<int:pk>/progress/", runs.run_progress, name="run_progress"),
    path("runs/<int:pk>/transfers.csv", runs.run_transfers, name="run_transfers"),
]
