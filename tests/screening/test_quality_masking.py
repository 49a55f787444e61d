"""The run's data-quality report: examples with personal values masked by default; shown in
full only to staff with the unmask permission, and audited."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fangkong.core.models import AuditEvent
from fangkong.orgs.models import Role
from fangkong.orgs.services import staff_create
from fangkong.screening.models import RunStatus, ScreeningRun
from fangkong.screening.queries import mask_example

pytestmark = pytest.mark.django_db
EXAMPLES = [
    {"record_id": "checkpoint:7", "field": "证件号码", "value": "42010619800101123", "message": "证件号码校验位不符"},
    {"record_id": "rail:3", "field": "phone", "value": "+86 138-1234-5678", "message": "手机号带国家代码 +86，已去除"},
    {"record_id": "hotline:GD001", "field": "诉求内容", "value": "王先生13812345678说邻居420106198001011234从武汉回来",
     "message": "地址不在诉求地址栏"},
    {"record_id": "checkpoint:9", "field": "登记时间", "value": "202002082010", "message": "日期格式不统一"},
    {"record_id": "healthcloud:2", "field": "姓名", "value": "欧阳小明", "message": "姓名与人口库不符"},
]


@pytest.fixture
def run(pudong, district_officer):  # type: ignore[no-untyped-def]
    return ScreeningRun.objects.create(
        district=pudong, as_of=timezone.now().date(), status=RunStatus.DONE, created_by=district_officer,
        summary={"records": 5, "people": 5, "key_people": 1, "orders": 0},
        quality={"sources": {"checkpoint": {"rows": 5, "kept": 5, "problems": {
            f"kind{n}": {"count": 1, "examples": [e]} for n, e in enumerate(EXAMPLES)}}}})


def test_examples_are_masked_by_field_and_by_the_shape_of_the_value():  # type: ignore[no-untyped-def]
    masked = [mask_example(e)["value"] for e in EXAMPLES]
    assert masked[0] == "420106*******1123"
    assert masked[1] == "+86**********5678"
    assert (masked[3], masked[4]) == ("202002082010", "欧***")
    assert "13812345678" not in masked[2] and "420106198001011234" not in masked[2]
    assert "138****5678" in masked[2] and "420106********1234" in masked[2]


def test_the_run_page_masks_the_examples(client, district_officer, run):  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    page = client.get(f"/screening/runs/{run.pk}/").content.decode()
    for value in ("42010619800101123", "13812345678", "420106198001011234", "欧阳小明"):
        assert value not in page
    assert "202002082010" in page  # not personal: left as it is
    assert 'href="?unmask=1"' in page


def test_staff_with_the_permission_may_unmask_and_it_is_audited(client, district_officer, run):  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    page = client.get(f"/screening/runs/{run.pk}/?unmask=1").content.decode()
    assert "42010619800101123" in page and "欧阳小明" in page
    event = AuditEvent.objects.get(action="screening.quality_unmask")
    assert (event.actor, event.object_id) == (district_officer, str(run.pk))


def test_without_the_permission_unmasking_is_refused(client, pudong, run):  # type: ignore[no-untyped-def]
    admin = staff_create(username="sysadmin", password="pw-x", role=Role.SYSTEM_ADMIN, district=pudong)
    client.force_login(admin)  # sees the district's runs, has no unmask permission
    assert client.get(f"/screening/runs/{run.pk}/").status_code == 200
    assert client.get(f"/screening/runs/{run.pk}/?unmask=1").status_code == 403
    assert not AuditEvent.objects.filter(action="screening.quality_unmask").exists()
