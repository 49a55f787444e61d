from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from fangkong.api import api
from fangkong.orgs import views_activation

urlpatterns = [
    # First: the JSON API carries the booking rush (resolving it behind the eleven includes
    # below cost ~8 % of a booking's CPU); nothing else starts with api/v1/.
    path("api/v1/", api.urls),
    path("", include("fangkong.booking.urls")),
    path("", include("fangkong.pickup.urls")),
    path("desk/", include("fangkong.booking.desk_urls")),
    path("desk/addresses/", include("fangkong.addresses.urls")),
    path("office/", include("fangkong.office.urls")),
    path("supplies/", include("fangkong.supplies.urls")),
    path("training/", include("fangkong.training.urls")),
    path("office/exchange/", include("fangkong.exchange.urls")),
    path("screening/", include("fangkong.screening.urls")),
    path("activity/", include("fangkong.activity.urls")),
    path("", include("fangkong.core.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/activate/", views_activation.activate, name="staff_activate"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
