from django.urls import path

from . import views_inbox, views_people, views_publish

app_name = "office"

urlpatterns = [
    path("", views_publish.home, name="home"),
    path("directives/", views_publish.directive_list, name="directives"),
    path("directives/new/", views_publish.directive_new, name="directive_new"),
    path("directives/<int:pk>/", views_publish.directive_rollup, name="directive"),
    path("directives/<int:pk>/units/<int:committee_id>/", views_publish.directive_unit, name="directive_unit"),
    path("directives/<int:pk>/remind/", views_publish.directive_remind_view, name="directive_remind"),
    path("attachments/<int:pk>/", views_publish.attachment_download, name="attachment"),
    path("photos/<int:pk>/", views_publish.photo_download, name="photo"),
    path("inbox/", views_inbox.inbox, name="inbox"),
    path("inbox/<int:pk>/", views_inbox.receipt_detail, name="receipt"),
    path("inbox/<int:pk>/ack/", views_inbox.receipt_ack, name="receipt_ack"),
    path("inbox/<int:pk>/report/", views_inbox.receipt_report_view, name="receipt_report"),
    path("activate/", views_inbox.activate, name="activate"),
    path("people/", views_people.people_list, name="people"),
    path("people/import/", views_people.people_import_view, name="people_import"),
    path("people/template.xlsx", views_people.people_template, name="people_template"),
]
