"""Concept patterns: text read by meaning, negation and questionnaire answers handled by the engine.

Table-driven through the product's matcher and scoring (the same path as `screen` and `explain`), plus
properties of the engine on arbitrary text. The cases are illustrations written for these tests; the
measured figures come from the labelled corpus (tests/eval/text, `make eval`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supplyscreen.errors import RulesError
from supplyscreen.explain import explain
from supplyscreen.match.concepts import ConceptMatcher, prepare
from supplyscreen.match.rows import Matcher
from supplyscreen.normalize.text import country_code
from supplyscreen.rules import Citation, Concept, Indicator, RuleSet, SetAside, default_rules_dir, load_rules
from supplyscreen.score import score_hits

TIERS = ["clear", "low", "medium", "high"]


def screen(matcher: Matcher, ruleset: RuleSet, **fields: str) -> tuple[set[str], str, bool]:
    verdict = score_hits(matcher.match_row(fields), ruleset)
    return {h.rule for h in verdict.hits if h.points}, verdict.tier, verdict.presumption


# notes that state a direct DPRK-labour nexus in words no rule lists literally: presumption
NEXUS = [
    "Six deckhands came through a manning company in Rason",
    "Line workers were hired through a Sinuiju labour bureau",
    "audit 2025: approx. 60 North Korean workers in fillet line",
    "Q1. What are the nationalities of workers at the facility?: about 60 workers from the DPRK",
    "Q2. Do you employ DPRK nationals? Yes",
    "No child labour found. 45 workers from the DPRK in the fillet line.",
    "North Korean workers did not receive their wages for March",
    "车间有朝鲜籍女工约60名",
    "бригада рабочих из КНДР, 30 человек",
    "북한 근로자 30명이 가공 라인에서 일함",
]

# notes that deny it: never a presumption
NEGATED = [
    "North Korean workers: none",
    "Number of DPRK nationals: 0",
    "DPRK workers - N/A",
    "free of North Korean labour",
    "We do not use DPRK labour or North Korean subcontractors",
    "None of the 200 workers are from North Korea.",
    "Q: Do you employ North Korean nationals? A: No",
    "Do you employ workers from the DPRK?",
    "朝鲜籍员工：无；外籍员工：越南籍3人",
    "本厂未雇用朝鲜劳务人员",
    "рабочих из КНДР нет",
    "Вопрос: используете ли вы труд граждан КНДР? Ответ: нет.",
    "북한 노동자: 없음",
    "북한 근로자를 고용하지 않음",
    "外籍員工：菲律賓2人。北韓籍員工：無",  # traditional characters read as simplified
    "本廠並無朝鮮籍勞工",
    "朝鲜籍工人 0 人；外籍工人 0 人；劳务派遣 0 人。",
    # a denial that ends the sentence, far from its subject or after the subject's own clause
    "Северокорейская рабочая сила в цепочке поставок отсутствует.",
    "Рабочих, прибывших из КНДР, на заводе нет.",
    "Работников, направленных из КНДР, не имеем.",
    "Рабочих из КНДР — ни одного.",
    # verbs a weak negator denies
    "Труд граждан КНДР не применяется.",
    "Граждане КНДР к работам не допускаются.",
    "Граждан КНДР среди сотрудников не числится.",
    "Директор отрицает наличие рабочих из КНДР.",
    "Присутствие граждан КНДР не подтвердилось.",
    "Исключаем использование труда граждан Северной Кореи.",
    "На вопрос о северокорейских рабочих директор ответил отрицательно.",
    "Interviewees had never heard of Korean workers from the North being there.",
    # a count of nought after the term; a list of denials in brackets; an answer not yet given
    "Workforce by nationality | TR 412 | SY 18 | DPRK 0",
    "Forced labour indicators (DPRK workers / ID retention / debt / violence): nil found.",
    "问卷第5题：是否雇用朝鲜籍员工？（待填写）",
    "验厂确认：全部员工为中国籍，无朝鲜劳务人员，未向新义州外发加工。",
]

# look-alikes: no presumption
LOOKALIKES = [
    ("notes", "Interpreters are ethnic Korean Chinese citizens (朝鲜族) from Yanbian"),
    ("name", "延边朝鲜风味餐饮有限公司"),
    (
        "notes",
        "Our procurement team read a news article about North Korean labour; unrelated to this supplier",
    ),
    ("notes", "Supplier policy prohibits forced labour, including labour from the DPRK"),
    ("notes", "Plant is 40 km from the North Korean border"),
]


@pytest.mark.parametrize("note", NEXUS)
def test_paraphrased_nexus_sets_the_presumption(matcher: Matcher, ruleset: RuleSet, note: str) -> None:
    fired, tier, presumption = screen(matcher, ruleset, name="Acme", notes=note)
    assert presumption and tier == "high", (note, fired)


@pytest.mark.parametrize("note", NEGATED)
def test_negated_answers_set_no_presumption(matcher: Matcher, ruleset: RuleSet, note: str) -> None:
    fired, _, presumption = screen(matcher, ruleset, name="Acme", notes=note)
    assert not presumption, (note, fired)


@pytest.mark.parametrize(("field", "text"), LOOKALIKES)
def test_look_alikes_set_no_presumption(matcher: Matcher, ruleset: RuleSet, field: str, text: str) -> None:
    fired, _, presumption = screen(matcher, ruleset, **{field: text})
    assert not presumption, (text, fired)


# origin denied: no DPRK-origin finding at all
ORIGIN_DENIED = [
    "Рыба выловлена не в водах КНДР, а в Охотском море.",
    "Происхождение — Россия; КНДР не фигурирует в цепочке поставок.",
    "Краб не заходил в порты КНДР, перегрузов с судами КНДР не было.",
    "Судно не заходило в Нампхо.",
    "Поставки из Северной Кореи прекращены в 2017 году и с тех пор не осуществлялись.",
]


@pytest.mark.parametrize("note", ORIGIN_DENIED)
def test_denied_dprk_origin_is_no_finding(matcher: Matcher, ruleset: RuleSet, note: str) -> None:
    fired, _, presumption = screen(matcher, ruleset, name="Acme", notes=note)
    assert not presumption and not fired & {
        "nexus.dprk_goods",
        "nexus.dprk_made",
        "nexus.dprk_origin_stated",
    }, fired


# said of the supplier's own workers, with a negator that is not a denial of the workers: presumption
NEXUS_WITH_A_NEGATOR = [
    "Workers from the DPRK are not allowed to leave the dormitory.",
    "Рабочие из КНДР не получают зарплату на руки.",
    "The DPRK crew, never paid, stayed on board for two years.",
    "Северокорейские рабочие, не имеющие паспортов на руках, живут на объекте.",
    "Korean women from the North make up most of the peeling line.",
    "Бригада корейцев «оттуда, с севера» работает на отделке.",
    "[agent] next week 50 more women workers come from Sinuiju\n[buyer] from North Korea?\n[agent] yes",
]


@pytest.mark.parametrize("note", NEXUS_WITH_A_NEGATOR)
def test_a_negator_about_something_else_keeps_the_presumption(
    matcher: Matcher, ruleset: RuleSet, note: str
) -> None:
    fired, tier, presumption = screen(matcher, ruleset, name="Acme", notes=note)
    assert presumption and tier == "high", (note, fired)


def test_chosun_in_a_south_korean_name_is_a_brand(matcher: Matcher, ruleset: RuleSet) -> None:
    assert not screen(matcher, ruleset, name="朝鲜大学产学合作团", country="韩国")[2]
    assert screen(matcher, ruleset, name="朝鲜大同江贸易公司", country="中国")[2]


@pytest.mark.parametrize(
    "note",
    [
        "Zinc ore shipped from Chongjin and relabelled as Russian origin",
        "Suits are sewn at a factory in Pyongyang and packed in Khabarovsk",
        "裁片送往朝鲜新义州缝制，成衣返回沈阳包装",
    ],
)
def test_dprk_origin_is_its_own_finding(matcher: Matcher, ruleset: RuleSet, note: str) -> None:
    fired, tier, presumption = screen(matcher, ruleset, name="Acme", notes=note)
    assert presumption and tier == "high"
    assert fired & {"nexus.dprk_goods", "nexus.dprk_made"}, fired


# ILO indicators in an auditor's own words, in neutral places: grave ones reach medium on their own
ILO = [
    (
        "The agent keeps the workers' ID cards until their loan is repaid",
        "ilo.retention_of_identity_documents",
    ),
    ("Workers hand their bank cards to the supervisor, who draws their pay", "ilo.withholding_of_wages"),
    ("Passports confiscated on arrival by the dormitory manager", "ilo.retention_of_identity_documents"),
    ("The owner warned he would call immigration if they complained", "ilo.intimidation_threats"),
    ("Guards stop workers leaving the compound at night", "ilo.restriction_of_movement"),
    ("工资由线长统一代领后再发给工人", "ilo.withholding_of_wages"),
    ("паспорта рабочих хранятся у бригадира", "ilo.retention_of_identity_documents"),
    ("근로자 여권을 회사가 보관함", "ilo.retention_of_identity_documents"),
    # a claim of access held back by a time or a condition describes the restriction
    (
        "Passports are kept by HR for safekeeping and handed back only when the contract ends",
        "ilo.retention_of_identity_documents",
    ),
    (
        "Passports were held in the HR office; workers had to submit a written request and wait a week to get them",
        "ilo.retention_of_identity_documents",
    ),
    (
        "问：工人的护照由谁保管？答：由宿舍管理员统一放在锁柜里，工人本人没有钥匙。",
        "ilo.retention_of_identity_documents",
    ),
    (
        "Passports held in the HR safe; workers must file a written request three days ahead to see them",
        "ilo.retention_of_identity_documents",
    ),
    # a numbered question after a quoted answer is a sentence of its own
    (
        "Q12 Where are passports kept? -- 'In the admin office.' Q12a Can a worker take it back? -- 'No.'",
        "ilo.retention_of_identity_documents",
    ),
    # a closure in the next sentence about something else leaves the finding standing
    ("Passports held by HR. Wage issue closed out last year.", "ilo.retention_of_identity_documents"),
    # a short topic in place of a question is a label; its answer states the finding
    ("问卷答复：Q7 护照？——“公司统一保管”。", "ilo.retention_of_identity_documents"),
    # a claim denied by a negator that is also part of another concept's term
    (
        "Аудит: паспорта изымаются при приёме; 31 человек без документов на руках",
        "ilo.retention_of_identity_documents",
    ),
    # a condition of leave is no denial; a refused return and copies only hold the claim back
    ("员工休息日未经主管签字不得离开厂区。", "ilo.restriction_of_movement"),
    (
        "The dormitory warden keeps all Myanmar workers' passports and refuses to return them.",
        "ilo.retention_of_identity_documents",
    ),
    ("Паспорта рабочих хранятся у прораба, на руках только копии.", "ilo.retention_of_identity_documents"),
    (
        "Fines of one day's wage for talking on the line; fines reached 40% of monthly pay",
        "ilo.withholding_of_wages",
    ),
    ("The loans taken for these fees are still being repaid out of monthly salary", "ilo.debt_bondage"),
    ("工作未满两年提前回国须赔偿机票和“培训费”共3万元", "ilo.debt_bondage"),
    ("Работникам сказали: пока не вернём долг, паспорт не отдадут", "ilo.retention_of_identity_documents"),
    # a negator in another clause with its own subject is that clause's
    (
        "Their passports were kept by the dormitory manager and they did not know where",
        "ilo.retention_of_identity_documents",
    ),
    # phones taken, locked quarters, blows, net pay of nothing, debts recovered from pay, threats to families
    ("Gang leader collects the pit workers' phones at the start of the three-week shift", "ilo.phones_taken"),
    ("телефоны бригадир собрал в начале вахты, отдаёт на полчаса в воскресенье", "ilo.phones_taken"),
    ("입사 시 휴대폰을 회사에 맡기도록 하고, 근무 중에는 물론 숙소에서도 돌려주지 않음", "ilo.phones_taken"),
    ("The perimeter gate of the pickers' camp is padlocked at night", "ilo.restriction_of_movement"),
    ("Security guards at the concession beat diggers caught carrying ore", "ilo.physical_sexual_violence"),
    ("Payslips show net pay of EUR 0 after deductions for beds and transport", "ilo.withholding_of_wages"),
    ("Placement loan of SGD 3,600 recovered from the worker's salary at SGD 450/month", "ilo.debt_bondage"),
    ("Agent said if I complain, he will send a message to my family", "ilo.intimidation_threats"),
    ("Правозащитники: работники кирпичного завода лишены документов", "ilo.retention_of_identity_documents"),
    ("Wages for the last quarter remain outstanding.", "ilo.withholding_of_wages"),
    (
        "Several workers said the agent still has their passports after two years.",
        "ilo.retention_of_identity_documents",
    ),
    ("Deductions for housing, food and transport exceed the monthly wage.", "ilo.withholding_of_wages"),
    ("Each worker owes the broker more than a year's wages.", "ilo.debt_bondage"),
    ("工人每月工资要先扣还中介的借款。", "ilo.debt_bondage"),
    (
        "Crew statement: bosun strike us with the gaff handle when the line is slow",
        "ilo.physical_sexual_violence",
    ),
    (
        "Miners work 28-30 days without pay, then one day for the ore they carry out",
        "ilo.withholding_of_wages",
    ),
    ("厂区大门保安24小时看守，员工未经批准不得出厂", "ilo.restriction_of_movement"),
    ("Workers said they had to borrow money for the job and now work to pay it off.", "ilo.debt_bondage"),
    # "no" heads no list of findings here: the findings stand
    ("Workers receive no wage for overtime and coercion cases were noted", "ilo.intimidation_threats"),
]

# the same words where no indicator is present
ILO_ABSENT = [
    "Phones are kept in lockers at the clean-room entrance during the shift and returned at the end of shift.",
    "The dormitory is locked at night from the inside; every resident has a key.",
    "Workers beat the monthly output target again.",
    "Interview summary: all 30 workers said they hold their own passports and have never paid a recruitment fee.",
    "Closing meeting: No wage, passport or overtime issues found during the two-day visit.",
    "Commercial debt collection for unpaid B2B invoices.",
    "Audit checklist to cover: passport custody, recruitment fee repayment, wage deductions.",
    "整改跟踪表：NC-02 人事保管身份证 | 已全部退还员工 | 状态：已关闭（已验证）",
    "The supervisor hit the production target for the third month running.",
    "감사 결과 신분증 압수, 임금 체불, 외출 제한 등은 확인되지 않음.",
    "扣押证件、拖欠工资、限制人身自由等情况均未发现。",
    "48 staff, all local hukou holders from Yanji and Longjing; the owner lives on site.",
    "File note: press clipping on a different company fined for holding workers' passports, kept for market context.",
    "Outstanding invoices to this supplier were paid in March.",
    "Training on forced labour indicators (passport retention, debt bondage, threats) was held for supervisors.",
    "Workers may keep their phones; phone use is banned on the production floor for safety.",
]


@pytest.mark.parametrize("note", ILO_ABSENT)
def test_look_alike_words_are_no_ilo_finding(matcher: Matcher, ruleset: RuleSet, note: str) -> None:
    fired, tier, _ = screen(matcher, ruleset, name="Acme", country="Thailand", notes=note)
    assert not {r for r in fired if r.startswith("ilo.")} and tier in ("clear", "low"), (note, fired)


@pytest.mark.parametrize(("note", "rule"), ILO)
def test_grave_ilo_indicator_in_free_words_is_medium(
    matcher: Matcher, ruleset: RuleSet, note: str, rule: str
) -> None:
    fired, tier, presumption = screen(matcher, ruleset, name="Acme", country="Thailand", notes=note)
    assert rule in fired, (note, fired)
    assert TIERS.index(tier) >= TIERS.index("medium") and not presumption


@pytest.mark.parametrize(
    "note",
    [
        "Workers keep their own passports in personal lockers",
        "Passports are not held by the employer",
        "Wages paid monthly into the workers' own bank accounts",
        "No passports retained; no recruitment fees",
        # what happens at another business, a hypothesis, a plan, a closed finding, a training
        "Press coverage this month of passports confiscated at a rival tannery; not connected to this supplier",
        "新闻报道某同行工厂扣押员工身份证，与本供应商无股权关系",
        "Clause 7: if identity documents were ever held by the supplier, we would terminate the contract",
        "Если бы зарплату задерживали, договор был бы расторгнут",
        "Audit plan for next quarter: document custody, wage deductions, dormitory curfew",
        "하반기 감사 예정: 여권 보관 여부와 임금 공제 내역 확인",
        "Unpaid overtime found in 2023 was repaid in full; re-audit verified closed",
        "Awareness training delivered to line leaders: passport retention, debt bondage and threats",
        "Паспорт хранится у работодателя только по письменному заявлению работника, в личной ячейке",
        "Passports are kept by HR with written consent and handed back at the worker's request the same day",
        "护照由宿舍管理员统一保管，工人本人可随时取用。",
        # a finding closed in the next sentence that names it again
        "2023 NC: passports held by HR. CAP closed Feb 2024 and verified at follow-up audit: all passports returned.",
        "2023年审核发现：人事部保管员工身份证。纠正措施已于2024年1月关闭，复审验证身份证已全部归还本人。",
        "It is not the case that any worker is unable to leave the premises freely.",
        "护照？——本人保管",
        "Fine-grain sand; wages paid monthly",
        "Шторм: увольнение на берег отменено, зарплата перечисляется ежемесячно",
        # a blank checklist line; a statement that opens by denying the list after it
        "Audit checklist: 7.1 Passport retention Y/N/NA; 7.2 Recruitment fees Y/N/NA; 7.3 Wage arrears Y/N/NA",
        "None of the following apply: retained passports, withheld wages, debt, locked housing, threats.",
        # a negator heading a list of kinds of finding denies every item
        "No wage, document or coercion cases.",
        "No passport/overtime/threat incidents in the period",
    ],
)
def test_good_practice_is_not_an_ilo_finding(matcher: Matcher, ruleset: RuleSet, note: str) -> None:
    fired, _, _ = screen(matcher, ruleset, name="Acme", country="Thailand", notes=note)
    assert not {r for r in fired if r.startswith("ilo.")}, (note, fired)


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("Корея (Южная)", "KR"),
        ("Корея, Республика", "KR"),
        ("Корея (Северная)", "KP"),
        ("Korea (Rep. of)", "KR"),
        ("Korea, Dem. People's Rep.", "KP"),
        ("韓國", "KR"),
        ("北韓", "KP"),
    ],
)
def test_a_country_is_read_whatever_the_order_of_its_words(cell: str, code: str) -> None:
    assert country_code(cell) == code


def test_busan_district_beats_a_dprk_city_name_inside_it() -> None:
    assert country_code("Korea", "Nampo-dong, Jung-gu, Busan") == "KR"
    assert country_code("Korea", "Nampo, South Pyongan") == "KP"
    assert country_code("KP") == "KP" and country_code("PRK") == "KP" and country_code("KOR") == "KR"


def test_explain_shows_pattern_clause_words_and_why_set_aside(ruleset: RuleSet) -> None:
    text = "\n".join(
        explain(
            {"name": "Acme", "notes": "Line workers were hired through a Sinuiju labour bureau"}, ruleset
        ).lines()
    )
    assert "concept pattern “dprk|dprk_place + recruitment”" in text
    assert "dprk_place “Sinuiju”" in text and "recruitment “hired through”" in text
    negated = "\n".join(explain({"name": "Acme", "notes": "North Korean workers: none"}, ruleset).lines())
    assert "set aside: answer “none”" in negated
    assert "Presumption: no" in negated


def _matcher(*concepts: Concept, when: str, unless: tuple[str, ...] = ()) -> ConceptMatcher:
    ind = Indicator(
        id="test.x",
        name="x",
        category="nexus",
        when=[when],
        unless=list(unless),
        fields=["notes"],
        points=90,
        citations=[Citation(source="test", quote="test")],
    )
    return ConceptMatcher([ind], list(concepts))


A = Concept(
    id="a",
    name="a",
    terms=["alpha", "al*", "甲", "가나"],
    set_aside=[SetAside(reason="r", terms=["alpha beta"])],
)
B = Concept(id="b", name="b", terms=["gamma", "乙", "다라"])


@pytest.mark.parametrize(
    ("text", "fires", "why"),
    [
        ("alpha and gamma", True, None),
        ("gamma, then alps", True, None),  # prefix term
        ("alpha. gamma", False, None),  # two sentences
        ("alpha beta gamma", False, "r"),  # set aside
        ("no alpha gamma", False, "negated"),
        ("alpha gamma: none", False, "answer"),
        ("甲乙", True, None),
        ("无甲乙", False, "negated"),
        ("가나 다라 없음", False, "negated"),
        # a topic answered by a denial in the next clause
        ("As regards alpha, the firm neither uses gamma nor plans to", False, "answer"),
        ("Regarding alpha gamma, the manager said 'not any more'", False, "answer"),
        ("Regarding alpha gamma, the manager keeps the ledger", True, None),
        ("Что касается alpha gamma, таких нет", False, "answer"),
        ("甲乙方面：经核查不存在", False, "answer"),
        ("甲乙：本年度为零", False, "answer"),
        ("가나, 다라, 기타 거래가 일절 없음", False, "negated"),  # a Korean list before its negation
        ("가나 다라 신고 0건", False, "negated"),
        ("해당 없음 (가나 다라)", False, "answer"),  # the answer first, its label in brackets
        # a finding denied after its subject
        ("cases of alpha gamma were not recorded", False, "negated"),
        ("alpha gamma не поступало", False, "negated"),
        ("alpha gamma did not receive pay", True, None),  # not a verb of finding
        ("alpha gamma подтверждено как отсутствующее", False, "negated"),
        ("never, knowingly or otherwise, used alpha gamma", False, "negated"),
        # tick boxes wherever they stand
        ("alpha gamma [ ] yes [x] no", False, "answer"),
        ("□甲乙　☑无", False, "answer"),
        ("alpha gamma [x] yes [ ] no", True, None),
        # "without" negates its own object only
        ("staff without work permits said alpha gamma", True, None),
        # statements separated by " / ", sentences ended after a Korean counter
        ("alpha: none / gamma: none", False, None),
        ("가나 다라 30명. 아동노동은 발견되지 않음", True, None),
    ],
)
def test_engine_table(text: str, fires: bool, why: str | None) -> None:
    matches = _matcher(A, B, when="a + b").matches("notes", text)
    fired = [m for m in matches if m.set_aside is None]
    assert bool(fired) == fires
    if why is not None:
        assert matches and all(why in (m.set_aside or "") for m in matches), matches


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_engine_never_fails_and_quotes_the_text(text: str) -> None:
    for m in _matcher(A, B, when="a + b").matches("notes", text):
        for _, words in m.parts:
            assert words and words in prepare(text).nfkc


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abglmph ,.;:?!-甲乙无的")), max_size=60))
def test_a_negated_copy_never_fires_more(text: str) -> None:
    matcher = _matcher(A, B, when="a + b")
    plain = [m for m in matcher.matches("notes", f"alpha gamma {text}") if m.set_aside is None]
    negated = [m for m in matcher.matches("notes", f"no alpha gamma {text}") if m.set_aside is None]
    assert len(negated) <= len(plain)


@pytest.mark.parametrize(
    ("term", "ok"),
    [("deport*", True), ("cop* of passport*", True), ("a*b", False), ("*ab", False), ("ab**", False)],
)
def test_a_star_may_only_end_a_word(term: str, ok: bool) -> None:
    if ok:
        Concept(id="x", name="x", terms=[term])
    else:
        with pytest.raises(ValueError, match="may only end a word"):
            Concept(id="x", name="x", terms=[term])


def test_an_unknown_concept_is_a_rules_error_with_a_hint(tmp_path: Path) -> None:
    layer = tmp_path / "acme"
    layer.mkdir()
    (layer / "a.yaml").write_text(
        "indicators:\n"
        "  - id: acme.x\n"
        "    name: x\n"
        "    category: nexus\n"
        "    when: [dprk + wokers]\n"
        "    points: 10\n"
        "    citations: [{source: seed.003, summary: test}]\n",
        encoding="utf-8",
    )
    with pytest.raises(RulesError) as err:
        load_rules([default_rules_dir(), layer])
    assert any("unknown concept 'wokers' (did you mean 'workers'?)" in p for p in err.value.problems)


@pytest.mark.parametrize(
    ("text", "sentences", "fires"),
    [
        ("alpha here. gamma there.", 1, False),
        ("alpha here. gamma there.", 2, True),  # the next sentence completes the pattern
        ("alpha here. nothing. gamma there.", 2, False),  # but not the one after
    ],
)
def test_a_pattern_may_span_the_next_sentence_when_the_rule_says_so(
    text: str, sentences: int, fires: bool
) -> None:
    ind = Indicator(
        id="test.x",
        name="x",
        category="ilo",
        when=["a + b"],
        fields=["notes"],
        points=35,
        sentences=sentences,
        citations=[Citation(source="test", quote="test")],
    )
    matches = ConceptMatcher([ind], [A, B]).matches("notes", text)
    assert any(m.set_aside is None for m in matches) == fires


@pytest.mark.parametrize(
    ("notes", "place_fires"),
    [
        ("Interpreters are ethnic Korean Chinese citizens (Chaoxianzu) from Yanbian.", False),
        ("员工中有不少来自延边的朝鲜族，均为本地正常招聘。", False),
        ("Supervisors are Koryo-saram from Sakhalin.", False),
        ("Seafood plant in Yanbian employing about 40 workers from the DPRK.", True),
        ("Our Yanbian plant: staff are local.", True),
        ("No Chaoxianzu staff; the plant is in Yanbian.", True),
    ],
)
def test_a_place_named_as_where_ethnic_korean_staff_come_from_is_not_the_suppliers(
    matcher: Matcher, ruleset: RuleSet, notes: str, place_fires: bool
) -> None:
    fired, _, _ = screen(matcher, ruleset, name="Acme", country="China", address="Qingdao", notes=notes)
    assert any(r.startswith("place.") for r in fired) is place_fires, (notes, fired)


@pytest.mark.parametrize(
    ("field", "text", "presumption"),
    [
        ("notes", "Crew list: master CHN; 9 crew CHN; 12 crew holding PRK passports.", True),
        (
            "notes",
            "Операторы: 22 гражданина Корейской Народно-Демократической Республики по контракту.",
            True,
        ),
        ("name", "PRK Staffing Ltd", False),  # shorthand in a name is a company's initials
    ],
)
def test_nationality_codes_and_official_names(
    matcher: Matcher, ruleset: RuleSet, field: str, text: str, presumption: bool
) -> None:
    row = {"name": "Acme", "country": "United Kingdom", field: text}
    _, _, found = screen(matcher, ruleset, **row)
    assert found is presumption, (text, found)
