"""The training tests reuse the office's people (齐河第二社区, 上南一村, 周家渡街道本级, 上钢新村街道)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.office.conftest import _media_in_tmp, make_person, people  # noqa: F401 - fixtures shared with the office

QUIZ = "口罩应多久更换一次？\n*4小时\n一天\n一周\n\n哪些属于密切接触者？\n*同住人员\n*同一办公室人员\n路过人员"


def pdf(name: str = "防护手册.pdf", size: int = 100) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 " + b"x" * size, content_type="application/pdf")


def publish(actor: Any, **overrides: Any) -> Any:
    from fangkong.office.directives import Target
    from fangkong.training.services import course_publish, parse_quiz

    args: dict[str, Any] = {
        "title": "社区防控岗位培训", "description": "所有居委工作人员必学。", "target": Target(levels=["committees"]),
        "documents": [pdf()], "links": [("操作视频", "https://example.org/v/1")], "questions": parse_quiz(QUIZ),
        "pass_mark": 100, "deadline": timezone.now() + timedelta(days=3),
    }
    args.update(overrides)
    return course_publish(actor=actor, **args)


@pytest.fixture
def course(district_officer: Any, people: Any, worker: Any) -> Any:  # noqa: F811
    return publish(district_officer)
