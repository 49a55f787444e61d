"""Unified policy answers (统一口径): versions, notices to readers of old versions, retirement,
search with highlighting, and staff proposals to the district."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from fangkong.core.errors import UserError
from fangkong.core.models import OutboundMessage
from fangkong.office.models import (
    PolicyEntry,
    PolicyNotice,
    PolicyProposal,
    PolicyVersion,
    ProposalStatus,
)
from fangkong.office.queries_channel import policies_for
from fangkong.office.services_policy import (
    policy_create,
    policy_mark_read,
    policy_notify_readers,
    policy_retire,
    policy_revise,
    proposal_accept,
    proposal_decline,
    proposal_submit,
)
from fangkong.orgs.models import Role, User

pytestmark = pytest.mark.django_db

Q = "居家隔离期间能否外出购买生活物资？"
A = "不能。居家隔离期间由居委会安排志愿者代购，费用由居民自理。"


def _entry(officer: User, **kw: Any) -> PolicyEntry:
    data = {"question": Q, "answer": A, "category": "prevention", "effective_date": date(2026, 11, 1),
            "keywords": "隔离 代购"}
    data.update(kw)
    return policy_create(actor=officer, **data)


def _revise(officer: User, entry: PolicyEntry, answer: str) -> PolicyVersion:
    return policy_revise(actor=officer, entry=entry, question=entry.question, answer=answer, category=entry.category,
                         effective_date=entry.effective_date, keywords=entry.keywords, note="调整代购安排")


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def with_phone(user: User, phone: str) -> User:
    User.objects.filter(pk=user.pk).update(phone=phone)
    user.refresh_from_db()
    return user


def test_each_edit_is_a_new_version_and_old_versions_stay_readable(district_officer: User, worker: User) -> None:
    entry = _entry(district_officer)
    _revise(district_officer, entry, "不能。由楼组长统一代购。")
    entry.refresh_from_db()
    assert entry.version == 2 and entry.answer == "不能。由楼组长统一代购。"
    assert list(entry.versions.values_list("number", "answer")) == [(2, "不能。由楼组长统一代购。"), (1, A)]
    old = client_for(worker).get(f"/office/policy/{entry.pk}/versions/1/")
    assert old.status_code == 200 and A in old.content.decode() and "历史版本" in old.content.decode()
    assert client_for(worker).get(f"/office/policy/{entry.pk}/versions/3/").status_code == 404


def test_an_unchanged_edit_is_refused(district_officer: User) -> None:
    entry = _entry(district_officer)
    with pytest.raises(UserError, match="内容没有变化"):
        _revise(district_officer, entry, A)


def test_only_the_district_writes_answers(town_officer: User) -> None:
    with pytest.raises(UserError, match="只有区级"):
        _entry(town_officer)
    assert client_for(town_officer).get("/office/policy/new/").status_code == 403


def test_a_new_version_notifies_readers_of_the_old_one_once(
    district_officer: User, town_officer: User, worker: User, outsider: User
) -> None:
    entry = _entry(district_officer)
    with_phone(town_officer, "13600000004")
    with_phone(worker, "13600000027")
    with_phone(outsider, "13600000001")
    client_for(town_officer).get(f"/office/policy/{entry.pk}/")
    client_for(worker).get(f"/office/policy/{entry.pk}/")
    _revise(district_officer, entry, "第二版答复")
    client_for(outsider).get(f"/office/policy/{entry.pk}/")  # reads version 2 only
    assert policy_notify_readers(entry=entry, version=2) == 0  # again: nothing new
    notices = PolicyNotice.objects.filter(entry=entry, version=2)
    assert set(notices.values_list("user__username", flat=True)) == {"zhoujiadu", "qihe2"}
    sms = OutboundMessage.objects.filter(template="office_policy_updated")
    assert sorted(sms.values_list("recipient", flat=True)) == ["13600000004", "13600000027"]
    _revise(district_officer, entry, "第三版答复")
    assert set(PolicyNotice.objects.filter(entry=entry, version=3).values_list("user__username", flat=True)) == {
        "zhoujiadu", "qihe2", "shangnan1"}


def test_the_notice_is_a_badge_until_the_new_version_is_read(district_officer: User, worker: User) -> None:
    entry = _entry(district_officer)
    policy_mark_read(user=worker, entry=entry)
    _revise(district_officer, entry, "第二版答复")
    c = client_for(worker)
    assert c.get("/office/badges/policy/").content.decode() == '<span class="nav-badge" id="nav-policy-badge">1</span>'
    assert "已更新为第2版" in c.get("/office/policy/").content.decode()
    c.get(f"/office/policy/{entry.pk}/")
    assert c.get("/office/badges/policy/").content == b""
    assert "已更新为第2版" not in c.get("/office/policy/").content.decode()


def test_retired_answers_leave_search_but_stay_readable(district_officer: User, worker: User) -> None:
    entry = _entry(district_officer)
    with pytest.raises(UserError, match="请填写停用原因"):
        policy_retire(actor=district_officer, entry=entry, reason=" ")
    response = client_for(district_officer).post(f"/office/policy/{entry.pk}/retire/", {"reason": "隔离政策已调整"})
    assert response.status_code == 302
    assert policies_for(worker, q="隔离").count() == 0
    assert list(policies_for(district_officer, retired=True)) == [entry]
    page = client_for(worker).get(f"/office/policy/{entry.pk}/").content.decode()
    assert "已停用" in page and "隔离政策已调整" in page
    with pytest.raises(UserError, match="已经停用"):
        policy_retire(actor=district_officer, entry=entry, reason="再停一次")
    with pytest.raises(UserError, match="已停用，不能再修改"):
        _revise(district_officer, PolicyEntry.objects.get(pk=entry.pk), "新答复")


def test_search_matches_question_answer_and_keywords_and_highlights(district_officer: User, worker: User) -> None:
    _entry(district_officer)
    _entry(district_officer, question="口罩预约每户限几个？", answer="每户每轮限购5个。", keywords="口罩 限购",
           category="supplies")
    assert policies_for(worker, q="代购").count() == 1  # answer
    assert policies_for(worker, q="限购").count() == 1  # keywords
    assert policies_for(worker, q="隔离 外出").count() == 1  # every term
    assert policies_for(worker, q="隔离 口罩").count() == 0
    assert policies_for(worker, category="supplies").count() == 1
    page = client_for(worker).get("/office/policy/", {"q": "代购"}).content.decode()
    assert "<mark>代购</mark>" in page and "找到 1 条" in page
    assert "没有找到与“核酸”相关的口径" in client_for(worker).get("/office/policy/", {"q": "核酸"}).content.decode()


def test_the_search_escapes_what_is_typed(district_officer: User, worker: User) -> None:
    _entry(district_officer)
    page = client_for(worker).get("/office/policy/", {"q": "<script>"}).content.decode()
    assert 'value="&lt;script&gt;"' in page
    assert "没有找到与“&lt;script&gt;”相关的口径" in page


def test_every_policy_url_with_an_id_is_404_in_another_district(district_officer: User, town_officer: User) -> None:
    from fangkong.orgs.models import District

    entry = _entry(district_officer)
    proposal = proposal_submit(actor=town_officer, question="能否发放消毒液？")
    minhang = District.objects.create(code="310112", name="闵行区")
    stranger = client_for(User.objects.create_user(username="minhang", role=Role.DISTRICT_OFFICER, district=minhang))
    for url in (f"/office/policy/{entry.pk}/", f"/office/policy/{entry.pk}/versions/1/",
                f"/office/policy/{entry.pk}/edit/", f"/office/policy/proposals/{proposal.pk}/"):
        assert stranger.get(url).status_code == 404, url
    assert stranger.post(f"/office/policy/{entry.pk}/retire/", {"reason": "x"}).status_code == 404
    assert stranger.post(f"/office/policy/proposals/{proposal.pk}/", {"action": "decline", "reason": "x"}).status_code == 404
    assert "居家隔离" not in stranger.get("/office/policy/?q=隔离").content.decode()
    assert PolicyEntry.objects.get().is_retired is False


def test_a_user_without_a_district_finds_no_policy(district_officer: User) -> None:
    entry = _entry(district_officer)
    nobody = client_for(User.objects.create_user(username="x", role=Role.DISTRICT_OFFICER))
    assert nobody.get(f"/office/policy/{entry.pk}/").status_code == 404
    assert nobody.get("/office/policy/").status_code == 404


def test_staff_propose_and_the_district_accepts_the_proposer_is_told(
    district_officer: User, worker: User
) -> None:
    with_phone(worker, "13600000027")
    response = client_for(worker).post("/office/policy/proposals/", {"question": "独居老人如何预约口罩？", "detail": ""})
    assert response.status_code == 302
    proposal = PolicyProposal.objects.get()
    assert proposal.committee_id == worker.committee_id
    entry = proposal_accept(actor=district_officer, proposal=proposal, question=proposal.question,
                            answer="由居委会社工上门代为登记。", category="service", effective_date=date(2026, 11, 20))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.entry == entry
    assert PolicyNotice.objects.get(user=worker, proposal=proposal).text.startswith("您提出的问题")
    assert list(OutboundMessage.objects.filter(template="office_policy_proposal").values_list("recipient", flat=True)) \
        == ["13600000027"]
    with pytest.raises(UserError, match="已经处理过"):
        proposal_decline(actor=district_officer, proposal=proposal, reason="重复")


def test_the_district_declines_with_a_reason(district_officer: User, town_officer: User) -> None:
    proposal = proposal_submit(actor=town_officer, question="能否发放消毒液？")
    with pytest.raises(UserError, match="请填写未采纳的原因"):
        proposal_decline(actor=district_officer, proposal=proposal, reason="")
    response = client_for(district_officer).post(f"/office/policy/proposals/{proposal.pk}/",
                                                 {"action": "decline", "reason": "属物资申领，请走物资流程"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DECLINED
    page = client_for(town_officer).get("/office/policy/proposals/").content.decode()
    assert "属物资申领，请走物资流程" in page
    assert "未采纳" in PolicyNotice.objects.get(user=town_officer).text


def test_accepting_through_the_page_publishes_the_entry(district_officer: User, town_officer: User) -> None:
    proposal = proposal_submit(actor=town_officer, question="快递能否进小区？")
    response = client_for(district_officer).post(f"/office/policy/proposals/{proposal.pk}/", {
        "action": "accept", "question": "快递能否进小区？", "category": "service", "answer": "快递放在小区门口指定点。",
        "keywords": "快递", "effective_date": "2026-11-25"})
    entry = PolicyEntry.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/office/policy/{entry.pk}/"


def test_proposals_are_private_to_the_proposer_and_the_district(
    district_officer: User, town_officer: User, other_town_officer: User, worker: User
) -> None:
    proposal = proposal_submit(actor=town_officer, question="能否发放消毒液？")
    for user in (other_town_officer, worker):
        assert client_for(user).get(f"/office/policy/proposals/{proposal.pk}/").status_code == 404
    for user in (town_officer, district_officer):
        assert client_for(user).get(f"/office/policy/proposals/{proposal.pk}/").status_code == 200
    assert "能否发放消毒液" not in client_for(other_town_officer).get("/office/policy/proposals/").content.decode()


def test_the_district_cannot_propose_and_questions_are_checked(district_officer: User, worker: User) -> None:
    with pytest.raises(UserError, match="只有街镇、居村委工作人员和协同办公人员"):
        proposal_submit(actor=district_officer, question="问")
    with pytest.raises(UserError, match="请填写问题"):
        proposal_submit(actor=worker, question="  ")


def test_the_policy_form_shows_chinese_errors(district_officer: User) -> None:
    response = client_for(district_officer).post("/office/policy/new/", {
        "question": "问", "category": "prevention", "answer": "答", "effective_date": "2026-13-40"})
    assert response.status_code == 422
    assert "输入一个有效的日期。" in response.content.decode()


def test_the_demo_loads_answers_threads_and_a_proposal_once(district_officer: User, town_officer: User) -> None:
    from fangkong.office.demo_channel import setup_channel_demo
    from fangkong.office.models import Thread

    setup_channel_demo(log=lambda _: None)
    setup_channel_demo(log=lambda _: None)
    assert PolicyEntry.objects.count() == 10
    assert PolicyEntry.objects.filter(is_retired=True).count() == 1
    assert PolicyVersion.objects.count() == 11
    assert Thread.objects.count() == 2 and PolicyProposal.objects.count() == 1
    assert policies_for(town_officer, q="垃圾").count() == 1


def test_the_policy_list_costs_a_fixed_number_of_queries(
    district_officer: User, worker: User, django_assert_max_num_queries: Any
) -> None:
    for i in range(8):
        _entry(district_officer, question=f"{Q}{i}")
    c = client_for(worker)
    c.get("/office/policy/")
    with django_assert_max_num_queries(8):
        assert c.get("/office/policy/?q=隔离").status_code == 200


def test_a_district_officer_working_in_english_still_sends_the_proposer_chinese(district_officer: User, town_officer: User) -> None:
    from django.utils import translation

    town_officer.phone = "13600000004"
    town_officer.save(update_fields=["phone"])
    proposal = proposal_submit(actor=town_officer, question="能否发放消毒液？")
    with translation.override("en"):
        proposal_decline(actor=district_officer, proposal=proposal, reason="属物资申领")
    message = OutboundMessage.objects.get(template="office_policy_proposal")
    assert message.variables["outcome"] == "未采纳，原因见协同办公"
    assert PolicyNotice.objects.get(user=town_officer).text.startswith("您提出的问题")
