from django.urls import path

from . import views_channel, views_forms, views_inbox, views_people, views_policy, views_publish

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
    # 城镇直通车 (fangkong/office/views_channel.py)
    path("channel/", views_channel.channel_list, name="channel"),
    path("channel/new/", views_channel.channel_new, name="channel_new"),
    path("channel/shared/", views_channel.shared_list, name="shared"),
    path("channel/<int:pk>/", views_channel.thread_detail, name="thread"),
    path("channel/<int:pk>/reply/", views_channel.thread_reply_view, name="thread_reply"),
    path("channel/<int:pk>/assign/", views_channel.thread_assign_view, name="thread_assign"),
    path("channel/<int:pk>/close/", views_channel.thread_close_view, name="thread_close"),
    path("channel/<int:pk>/reopen/", views_channel.thread_reopen_view, name="thread_reopen"),
    path("channel/messages/<int:pk>/share/", views_channel.message_share_view, name="message_share"),
    path("channel/files/<int:pk>/", views_channel.thread_attachment, name="thread_file"),
    path("badges/<str:kind>/", views_channel.nav_badge, name="badge"),
    # 智能填表 (fangkong/office/views_forms.py)
    path("forms/", views_forms.form_list, name="forms"),
    path("forms/new/", views_forms.form_new, name="form_new"),
    path("forms/<int:pk>/", views_forms.form_results, name="form_results"),
    path("forms/<int:pk>/export.xlsx", views_forms.form_export_view, name="form_export"),
    path("forms/<int:pk>/pending/", views_forms.form_pending, name="form_pending"),
    path("forms/<int:pk>/remind/", views_forms.form_remind_view, name="form_remind"),
    path("forms/<int:pk>/entries/<int:aid>/", views_forms.entry_detail, name="form_entry"),
    path("forms/fill/<int:aid>/", views_forms.fill, name="form_fill"),
    path("forms/todo/", views_forms.todo_fragment, name="form_todo"),
    path("forms/directive/<int:directive_id>/", views_forms.directive_fragment, name="form_for_directive"),
    path("forms/files/<int:pk>/", views_forms.file_download, name="form_file"),
    # 统一口径 (fangkong/office/views_policy.py)
    path("policy/", views_policy.policy_list, name="policies"),
    path("policy/new/", views_policy.policy_new, name="policy_new"),
    path("policy/<int:pk>/", views_policy.policy_detail, name="policy"),
    path("policy/<int:pk>/edit/", views_policy.policy_edit, name="policy_edit"),
    path("policy/<int:pk>/retire/", views_policy.policy_retire_view, name="policy_retire"),
    path("policy/<int:pk>/versions/<int:number>/", views_policy.policy_version, name="policy_version"),
    path("policy/proposals/", views_policy.proposal_list, name="proposals"),
    path("policy/proposals/<int:pk>/", views_policy.proposal_detail, name="proposal"),
]
