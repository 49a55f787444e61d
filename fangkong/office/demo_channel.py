"""Demo data of the direct line and the policy answers: a few threads of 周家渡街道 (one answered
and shared as 经验做法) and ten unified policy answers (one revised, one retired).

Called from ``setup_office_demo``; idempotent (skips when the district already has answers) and
quick (a few dozen rows, through the real services so audit and versions are as in use).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fangkong.orgs.models import User

from .models import PolicyEntry, Thread
from .services_channel import message_share, thread_open, thread_reply
from .services_policy import policy_create, policy_retire, policy_revise, proposal_submit

POLICIES = [
    ("prevention", "居家隔离期间能否外出购买生活物资？", "不能。居家隔离期间由居委会安排志愿者代购生活物资，费用由居民自理；"
     "困难家庭可向居委会申请临时救助。", "隔离 代购 生活物资"),
    ("prevention", "返沪人员需要居家隔离几天？", "来自中高风险地区的返沪人员居家隔离14天；其他地区返沪人员居家健康监测7天，"
     "期间每日两次测温并报告居委会。", "返沪 隔离 健康监测"),
    ("prevention", "居家隔离户的生活垃圾如何处理？", "由街镇环卫所统一上门清运，每日一次。垃圾用双层垃圾袋封装、喷洒消毒后"
     "放在门口指定位置，不得自行投放。", "隔离 垃圾 清运"),
    ("supplies", "口罩预约每户限购几个？", "每户每轮限购5个，一人登记代全户预约。按登记顺序审核，额度用完即止。",
     "口罩 限购 预约"),
    ("supplies", "没有智能手机的老人怎么预约口罩？", "可由家属代为预约，或到居委会由社工在工作台“窗口代录”，与线上预约同等"
     "排序。", "老人 代录 口罩"),
    ("supplies", "领取凭证丢失了怎么办？", "凭身份证号和手机号在“查询预约”页重新查看凭证，或到领取点由店员按领取码核销。",
     "凭证 领取码 丢失"),
    ("people", "志愿者上岗需要哪些培训？", "上岗前完成协同办公中的《社区防控志愿者岗位培训》并通过测验；"
     "首次上岗由楼组长带班。", "志愿者 培训 上岗"),
    ("people", "外地务工人员返岗需要什么证明？", "无需开具健康证明。企业做好返岗登记和健康监测，居委会不再出具"
     "“无疫证明”。", "返岗 证明 务工"),
    ("service", "快递外卖能否进入小区？", "快递外卖不进小区，放在小区门口指定的无接触配送点，由居民自取或志愿者转送。",
     "快递 外卖 配送"),
    ("service", "居民对审核结果有异议向谁反映？", "先向所在居委会反映；居委会答复后仍有异议的，可拨打街镇防控热线，"
     "街镇在一个工作日内答复。", "异议 审核 投诉"),
]


def setup_channel_demo(*, log: Callable[[str], object] = print) -> None:
    officer = User.objects.filter(username="district").first()
    town = User.objects.filter(username="zhoujiadu").first()
    if officer is None or town is None or PolicyEntry.objects.filter(district_id=officer.district_id or 0).exists():
        return
    entries = [
        policy_create(actor=officer, category=c, question=q, answer=a, keywords=k, effective_date=date(2026, 11, 1))
        for c, q, a, k in POLICIES
    ]
    policy_revise(actor=officer, entry=entries[1], question=entries[1].question, category="prevention",
                  answer="来自中高风险地区的返沪人员居家隔离14天（含第7天、第14天两次核酸检测）；其他地区返沪人员居家"
                         "健康监测7天，期间每日两次测温并报告居委会。",
                  keywords=entries[1].keywords, effective_date=date(2026, 11, 20), note="增加两次核酸检测要求")
    policy_retire(actor=officer, entry=entries[7], reason="区里已发布新的返岗指引")
    if not Thread.objects.exists():
        asked = thread_open(actor=town, title="居家隔离户的生活垃圾由谁清运？", category="request", urgency="urgent",
                            body="齐河第二社区有3户居家隔离，物业不愿上门收垃圾，请明确清运责任和频次。")
        answer = thread_reply(actor=officer, thread=asked, body="由街镇环卫所统一上门清运，每日一次；垃圾双层袋封装、"
                                                                  "消毒后放在门口指定位置交接。物业配合通知居民。")
        message_share(actor=officer, message=answer)
        thread_open(actor=town, title="第二轮口罩额度能否在居村委之间调剂？", category="supplies",
                    body="上南一村预约不足额度的一半，齐河第二社区已超额，能否把余量调给齐河？")
        proposal_submit(actor=town, question="居家隔离户的快递由谁转送？",
                        detail="快递放在门口配送点后，隔离户无法自取。")
    log(f"城镇直通车与统一口径：{Thread.objects.count()} 个问题，{len(entries)} 条口径（1 条已修订，1 条已停用）")
