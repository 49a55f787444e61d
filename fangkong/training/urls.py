from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("", views.course_list, name="courses"),
    path("new/", views.course_new, name="course_new"),
    path("<int:pk>/", views.course_rollup, name="rollup"),
    path("<int:pk>/remind/", views.course_remind_view, name="remind"),
    path("<int:pk>/learn/", views.learn, name="learn"),
    path("<int:pk>/materials/<int:mid>/", views.material_view, name="material"),
    path("directive/<int:directive_id>/", views.directive_fragment, name="for_directive"),
]
