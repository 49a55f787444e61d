from django.urls import path

from . import views_files, views_mail

app_name = "exchange"

urlpatterns = [
    path("files/", views_files.file_list, name="files"),
    path("files/new/", views_files.file_new, name="file_new"),
    path("files/<int:pk>/", views_files.file_received, name="file"),
    path("files/<int:pk>/status/", views_files.file_sent, name="file_sent"),
    path("files/<int:pk>/versions/", views_files.version_new, name="version_new"),
    path("files/download/<int:pk>/", views_files.download, name="download"),
    path("mail/", views_mail.mailbox, name="mailbox"),
    path("mail/new/", views_mail.mail_new, name="mail_new"),
    path("mail/<int:pk>/", views_mail.thread, name="thread"),
    path("mail/<int:pk>/reply/", views_mail.thread_reply, name="reply"),
    path("mail/files/<int:pk>/", views_mail.mail_file, name="mail_file"),
    path("mail/badge/", views_mail.badge, name="badge"),
]
