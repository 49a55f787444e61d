"""The course publishing form: the directive's 发送范围 (levels, units, posts, people) plus
materials and the quiz, typed as text so it works on a phone."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.errors import UserError
from fangkong.office.forms import DirectiveForm

from .services import QuestionSpec, parse_links, parse_quiz


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


QUIZ_HELP = _("每题之间空一行；第一行是题目，下面每行一个选项，正确选项前加 *（多个 * 即多选题）。")


class CoursePublishForm(DirectiveForm):
    title = forms.CharField(label=_("课程名称"), max_length=90)
    body = forms.CharField(label=_("课程说明（可选）"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    documents = MultipleFileField(label=_("文档（PDF、Word、PPT、Excel，每个不超过20MB）"), required=False)
    videos = MultipleFileField(label=_("视频（MP4、WebM，每个不超过200MB）"), required=False)
    links = forms.CharField(label=_("链接（每行一个：名称 https://…）"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))
    quiz = forms.CharField(label=_("测验（可选）"), required=False, help_text=QUIZ_HELP,
                           widget=forms.Textarea(attrs={"rows": 6, "placeholder": "口罩应多久更换一次？\n*4小时\n一天\n一周"}))
    pass_mark = forms.IntegerField(label=_("及格分（百分制）"), required=False, min_value=1, max_value=100, initial=80,
                                   error_messages={"min_value": _("及格分须在1到100之间。"),
                                                   "max_value": _("及格分须在1到100之间。")})

    field_order = ["title", "body", "documents", "videos", "links", "quiz", "pass_mark", "priority", "deadline"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["reply"]
        self.fields["deadline"].label = _("完成期限（可选）")

    def clean_deadline(self) -> Any:
        deadline = self.cleaned_data.get("deadline")
        if deadline is not None and deadline <= timezone.now():
            raise ValidationError(_("完成期限必须晚于现在。"))
        return deadline

    def clean_links(self) -> list[tuple[str, str]]:
        try:
            return parse_links(self.cleaned_data.get("links") or "")
        except UserError as exc:
            raise ValidationError(exc.message) from exc

    def clean_quiz(self) -> list[QuestionSpec]:
        try:
            return parse_quiz(self.cleaned_data.get("quiz") or "")
        except UserError as exc:
            raise ValidationError(exc.message) from exc
