"""Concept patterns: read free text by meaning, not by literal phrase.

A *concept* is a named set of terms with one meaning in several languages (``rules/concepts.yaml``: the
DPRK, workers, recruitment, identity documents, holding, wages…). An indicator's ``when`` pattern names
slots of concepts, ``"dprk|dprk_place + workers"``, and fires when every slot is filled by a term of one of
its concepts inside one sentence: "Six deckhands came through a manning company in Rason" fills
``dprk_place + recruitment`` without any rule listing that sentence.

The engine, not the rule files, decides when a match is not evidence:

* **negation** in the clause: a determiner negator before a term ("no", "without", "free of", "无", "без",
  "ни"), a negated verb of presence ("we do *not use* DPRK labour", "*не работают*", "*不使用*"), or a
  negation after the terms ("DPRK workers: none", "DPRK-free", "рабочих из КНДР *нет*", "북한 노동자를
  고용하지 *않음*");
* **questionnaire answers**: "North Korean workers: none", "Number of DPRK nationals: 0", "DPRK workers -
  N/A", a yes/no question answered "No"/"нет"/"无"/"없음" (a question with no answer, or a yes/no question
  answered with anything but "yes", is not evidence either);
* **set-aside phrases** of a concept, each with its reason (朝鲜族 ethnic-Korean citizens of China,
  Korean-style food, the China–DPRK border as a place, sanctions wording…);
* an indicator's ``unless`` concepts in the same sentence ("passports kept by the workers *themselves*").

Every decision is explained: a hit says the pattern and the words that filled each slot; ``trace`` says
why a match was set aside.

Term syntax: Han and Hangul terms are substrings of the text (Chinese has no spaces; Korean endings and
particles need no variants). Other terms are whole words, case-insensitive, English plurals folded on both
sides; ``word*`` matches any word that starts with ``word`` (Russian endings, English verb forms).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import ahocorasick

from supplyscreen.match.memo import Memo
from supplyscreen.normalize.text import simplified, stem
from supplyscreen.rules import Concept, Indicator, parse_when

# --- text ----------------------------------------------------------------------------------------------

_EAST = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u1100-\u11ff\u3130-\u318f\u3040-\u30ff"
_EAST_RE = re.compile(f"[{_EAST}]")
_WORD_RE = re.compile(f"[^\\W_{_EAST}]+")
# sentence ends: always at these, and at a full stop followed by a space unless it ends an abbreviation or an
# initial (a question mark does not end a sentence: it opens the answer, see ``prepare``)
# (a full stop may be followed by a closing quote: "… 'for safekeeping.' Q12a …"; a numbered question
# label starts a new sentence: "… -- 'In the office' Q12a Can a worker …")
_HARD_BREAK = re.compile(
    r"[!。！\n\r|•]+|\.(?=[\"'”’»」)]*(?:\s|$))|\s(?=(?:q|question|вопрос|问题|问|문항|문)\s?\d{1,3}[a-z]?\b)"
)
_ABBREVIATIONS = frozenset(
    "approx ca no nr vs etc co inc ltd st dr mr mrs ms mt jsc llc corp dept fig ref p pp q e g i ave rd ul"
    " incl excl esp cf viz resp est max min avg pcs pc qty tel fax строит орг ок чел тыс руб кол"
    " г обл р-н ул д ст стр гл п пп ч art sec para".split()
)
# a label and its answer: "North Korean workers: none", "DPRK workers - N/A", "Q2. Do you…? Yes"
_STATEMENT_BREAK = re.compile(r"[;；]|\s/\s")  # "DPRK labour: none / DPRK materials: none"
_BULLETS = re.compile(r"[;；]|\s/\s|(?:^|\s)[-–—•]+\s")
# a bare answer at the end of a checklist line: "임금 체불 N", "扣发工资—N", "задержка зарплаты — Н"
_TRAILING_ANSWER = re.compile(
    r"(?:\s+(n|y|н|д)|\s*[-–—]+\s*(n|y|no|yes|none|nil|н|д|нет|да|无|有|是|否|없음|있음|아니오|예))\s*[.。]?\s*$"
)
_ANSWER_SEP = re.compile(r"(?<!\d)[:：=]|[:：=](?!\d)|\s[-–—]+\s|——|\?|？")
# commas and contrasts bound the reach of a negator
_CLAUSE_BREAK = re.compile(
    r"[,，:：;；]|\s[-–—]+\s|\b(?:but|however|although|though|whereas|while)\b"
    r"|但是|但|然而|可是|不过|\b(?:но|однако|хотя|зато)\b|하지만|그러나|그런데"
    # a condition opens a clause of its own: "… would be thrown overboard if they did not work faster" (the
    # "not" is the condition's)
    r"|\b(?:if|unless|если)\b|如果"
    # a conjunction that opens a clause with a subject of its own: "… taken by the manager and they did not
    # know where …" (the "not" there is theirs)
    r"|\b(?:and|so)\s+(?=(?:they|he|she|we|i|you|there)\b)|\b(?:и|а)\s+(?=(?:они|он|она|мы|я)\b)"
)
_NEGATED_AUX = re.compile(r"n['’]t\b")  # don't, isn't, wasn't… (the words split at the apostrophe)
# a comma next to a list item ("not sourced from, shipped through or processed in North Korea", "does not
# employ, directly or via subcontractors, any national of the DPRK") does not end the reach of a negator
_COORDINATOR = re.compile(r"\b(?:or|and|nor|или|и|ни|либо)\b|或|或者|及|和|与|亦|또는|및|이나")
_COMMA = frozenset(",，")
_APPOSITIVE = re.compile(
    r"\s*(?:в том числе|включая|в т\. ч\.|связанн\w*|including|in particular|such as|e\.g\.|linked to|related to"
    r"|connected to|包括|其中|如)"
)

# Negators, by how far they reach. A *strong* one negates a term after it in its clause ("no North Korean
# workers", "without DPRK labour", "free of…"); a *weak* one only when a verb of presence or a matched term
# follows within a few words ("we do not use DPRK labour", but "DPRK workers did not receive wages" is
# still a DPRK workforce). *After* negators follow the terms ("DPRK workers none", "DPRK-free").
_STRONG = frozenset(
    "no none without zero nil neither nor free absence absent nobody unable никаких никакие никакого ни без нет никто"
    " отсутствие отсутствии отсутствия отсутствием отсутствует отсутствуют исключаем исключает исключают".split()
)
_CLAUSE_WIDE = frozenset(
    "none nobody neither никто".split()
)  # "none of its sub-suppliers employ DPRK workers"
_PREPOSITIONAL = frozenset("without free без".split())
_WEAK = frozenset(
    "not never cannot n't dont doesnt didnt wont cant isnt arent wasnt werent havent hasnt hadnt не"
    " deny denies denied denying отрицает отрицают отрицал отрицала".split()
)
_AUX = frozenset("be been is are was were have has had".split())
# words a weak negator may reach over to the verb it negates ("not knowingly use", "not have been employed")
_SKIP = frozenset(
    "be been being is are was were have has had do does did ever yet any the a an also even all still at in"
    " knowingly directly indirectly currently presently now usually normally of from to via through by with or"
    " otherwise"
    " for on into within such its their our these those this that и из в на с от для по".split()
)
_AFTER = frozenset(
    "none nil zero free нет отсутствуют отсутствует исключено исключена исключены исключен отрицательно negatively".split()
)
# the after-negators that, ending a clause, deny its subject from further away (not "free": "… for free")
_PREDICATE_AFTER = _AFTER - {"free"}
_AFTER_REACH = 4  # words from the term to a denial after it ("DPRK workers: none")
_PREDICATE_REACH = 9  # words from the term to a clause-final denial that is the clause's predicate
_NOUGHT_ENDS = re.compile(r"\s*(?:$|[|;,)\]\n]|[.。](?!\d)|(?:people|persons|workers|staff|人|名|명|чел)\b)")
_PRESENCE_WORDS = frozenset(
    "there see seen use used uses using hire hired hires hiring buy bought part aware know known heard hear есть был"
    " участвуют участвует участвовали наём найм наем"
    " была были было видел видели видно замечены замечено".split()
)
_PRESENCE_PREFIXES = (
    "ship", "transship", "export", "produc", "manufactur", "made", "process", "assembl", "sew", "grown",
    "harvest", "caught", "load", "originat", "deriv", "supplied", "содерж", "происход", "производ",
    "изготов", "отгруж", "ввез", "ввоз", "постав", "установл", "заявл", "declar", "покуп", "купл", "приобрет", "blend", "mix",
    "employ", "engag", "work", "found", "present", "exist", "involv", "accept", "recruit", "sourc",
    "purchas", "import", "contain", "includ", "identif", "observ", "detect", "staff", "rely", "relie",
    "работ", "использ", "привлека", "привлеч", "нанима", "наня", "трудоустр", "выявл", "обнаруж", "имее",
    "имеют", "явля", "закуп", "участи", "иметь", "вылов", "вылав", "добыв", "добыт", "catch", "fish", "примен",
    "допуск", "допуща", "принима", "приня", "числ", "задейств", "трудя", "оформл", "фигурир", "заход", "зайд",
    "налич", "присутств", "presence", "сотруднич", "cooperat",
)  # fmt: skip
# verbs of finding and reporting: negated after the term they report ("… were not found")
_BANNED = frozenset("prohibited forbidden banned запрещено запрещен запрещена запрещены".split())
_BANNED_BY = frozenset("by under in at per according as".split())
_NOT_FOUND_PREFIXES = (
    "found", "identif", "observ", "detect", "report", "record", "regist", "noted", "confirm", "выявл", "обнаруж",
    "зарегистр", "зафиксир", "поступ", "отмеч", "установл", "подтвержд", "был", "осуществля", "производил", "подтверд",
)  # fmt: skip
_PLACE_PREPOSITIONS = frozenset("in at from within в во из на у".split())
_WEAK_REACH = 4  # words from a weak negator to the verb it negates ("not part of the workforce")
_STRONG_REACH = 3  # words from a strong negator to the term it negates ("no North Korean workers")
# Chinese: a determiner negator ("无朝鲜工人") negates the term after it; a verb negator ("未雇用", "不使用",
# "禁止使用") only a verb of presence or the term itself right after it ("未经批准" or "未完成产量" do not).
_EAST_STRONG = ("无", "没有", "沒有", "并无", "零", "杜绝")
_EAST_WEAK = ("不", "未", "非", "否", "从未", "從未", "未曾", "禁止", "严禁", "并未", "未经", "否认", "否定")
_EAST_PRESENCE = (
    "使用", "雇", "聘", "招", "用", "存在", "涉及", "接收", "接受", "有", "采购", "进口", "发现", "安排", "引进",
    "派遣", "录用", "让", "在", "经", "经过", "由", "含", "包含", "来自", "属于", "是", "通过", "透过", "僱",
    "透過", "經", "經過", "引進", "採購", "進口", "發現", "聘僱", "錄用", "來自", "屬於", "通過", "与", "和", "同", "跟",
    "购买", "买", "从", "见", "向", "对", "對", "给", "給",
)  # fmt: skip
# "…, …, … 모두 미발견": a denial of everything listed before it, across the list's commas
_ALL_DENIED = re.compile(
    r"(?:모두|전부|일절|均|全部|都|등은|등이|등도|등의\s*사항은|等情况均?|等问题均?|等均|等)\s*"
    r"(?:미발견|미확인|없음|없었|없다|해당\s*없음|발견되지\s*않|확인되지\s*않"
    r"|未发现|未發現|未发生|未發生|没有|沒有|无|無)[^,，;；]{0,6}(?:[.。]\s*)?$"
)
_EAST_ADVERBS = re.compile(r"^(?:[再曾会能可要就都也还得或和]|直接|间接|間接|任何)+")
_EAST_REACH = 14  # characters from a Chinese negator to the term
_EAST_NOT_CUES = (
    "未满",  # "未满两年" (before two years are up), "不满" (less than; discontent): a duration, not a denial
    "未滿",
    "不满",
    "不滿",
    "无烟煤",
    "无纺",
    "无缝",
    "无线",
    "无机",
    "无铅",
    "无糖",
    "无菌",
    "无水",
    "无人机",
    "无锈",
    "无尘",  # products
    "是否",
    "能否",
    "可否",
    "有否",
    "与否",  # "whether": a question, not a denial
    "无法",  # "无法外出" (cannot go out): an inability, not an absence
    "없이",  # "허가 없이" (without permission) says nothing of the term before it
    "수 없",  # "할 수 없다" (cannot): an inability, not an absence
    "수없",
    "않으면",  # "…지 않으면" (if not): a condition, as in a threat
    "无锡",
    "零件",
    "零部件",
    "零售",
    "零工",
    "零花",
    "零食",
    "零钱",
    "非洲",
    "南非",
    "未来",
    "非常",
    "不同",
    "不仅",
    "不但",
)  # words holding a cue character
_EAST_AFTER = (
    "为零",
    "为0",
    "0人",
    "0 人",
    "0名",
    "0 名",
    "零人",
    "0 명",
    "없",
    "않",
    "아니",
    "아님",
    "아닙",
    "미고용",
    "미채용",
    "미사용",
    "0명",
    "0건",
    "미발견",
    "미확인",
    "발견되지 않",
    "확인되지 않",
    "0회",
    "0件",
    "안 함",
    "안함",
    "안 합",
    "안 씀",
    "안 쓴",
    "안 한",
    "안 해",
    "안 하",
    "均无",
    "无往来",
    "没有往来",
    "부인",
)
# answers
_NONE_WORDS = frozenset(
    "none no n nil na zero nobody nothing never not нет н ноль отсутствуют отсутствует никого не ни".split()
)
_NONE_EAST = (
    "无",
    "没有",
    "沒有",
    "否",
    "零",
    "不适用",
    "不",
    "未",
    "없음",
    "없다",
    "없습니다",
    "없어",
    "아니",
    "아님",
    "해당 없음",
    "해당없음",
    "무",
)
_NONE_PREFIXES = ("нулев", "отсутств")  # "нулевая отчётность", "отсутствуют"
# denials inside an answer ("审核期内零投诉"): the zero/absence words, a digit zero with a counter
_DENIAL_EAST = (
    "零", "为零", "无人", "没有", "沒有", "不存在", "未发现", "未發現", "未见", "未收到", "未有", "并无", "均无",
    "없음", "없었", "없다", "없습니다", "0건", "0명", "0회", "확인되지 않", "발견되지 않",
    "未反映", "未提及", "均未", "未发生", "未發生", "未出现", "未發現", "미발견", "미확인", "미해당", "관찰되지 않",
)  # fmt: skip
_YES_WORDS = frozenset("yes y yeah yep correct true да д ага есть имеются имеется".split())
_YES_EAST = ("是", "有", "对", "對", "嗯", "예", "네", "있음", "있습니다", "있다")
_AUX_Q = frozenset(
    "do does did are is was were have has had can could will would shall should may must any".split()
)
_WH_WORDS = frozenset(
    "what who whom whose which where when how why что кто где как какие какой какая каких сколько кому"
    " чей чьи когда почему".split()
)
_WH_EAST = (
    "什么",
    "谁",
    "哪",
    "如何",
    "怎么",
    "怎样",
    "多少",
    "几",
    "무엇",
    "누가",
    "누구",
    "어디",
    "어떻게",
    "몇",
    "어느",
    "언제",
    "왜",
)


def _lower(text: str) -> str:
    """NFKC and case-folded, with the same length as the NFKC text (spans are quoted from it)."""
    low = text.casefold()
    if len(low) != len(text):
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return low if low.isascii() else simplified(low)  # 北韓 = 北韩, one character for one


class _Word(NamedTuple):
    text: str  # lower-case
    key: str  # plural-folded
    start: int
    end: int


@dataclass(slots=True)
class _Sentence:
    start: int
    end: int
    answer_at: int  # where the answer starts (after "label:" or "question?"), or -1
    question: str  # "" (no question), "yes_no" or "wh"
    answer: str  # "", "none", "yes" or "other"
    denied: bool = False  # the answer denies what it lists itself ("…, …, … не выявлено")


@dataclass(slots=True)
class _Text:
    nfkc: str
    low: str
    words: list[_Word]
    sentences: list[_Sentence]  # where the slots of a pattern must co-occur
    clause_breaks: list[int]  # character positions where a clause ends
    statements: list[_Sentence]  # sentences cut at ";" too: each "label: answer" pair is one statement
    cues: list[_Word]  # the words as negation reads them: "can't" is "can" and a negator "n't"

    def statement_of(self, pos: int) -> _Sentence:
        for s in self.statements:
            if s.start <= pos < s.end:
                return s
        return self.statements[-1]

    def sentence_of(self, pos: int) -> int:
        for i, s in enumerate(self.sentences):
            if s.start <= pos < s.end:
                return i
        return len(self.sentences) - 1

    def clause_bounds(self, start: int, end: int) -> tuple[int, int]:
        """The clause around a span: cut at the sentence's clause breaks, except commas next to a list item."""
        sent = self.sentences[self.sentence_of(start)]
        breaks = [b for b in self.clause_breaks if sent.start <= b < sent.end]
        hard = [
            b
            for i, b in enumerate(breaks)
            if not (
                self.low[b] in _COMMA and self._soft(b, breaks[i - 1] if i else sent.start, breaks, i, sent)
            )
        ]
        lo, hi = sent.start, sent.end
        for b in hard:
            if b < start:
                lo = b + 1
            elif b >= end and b < hi:
                hi = b
        return lo, hi

    def _soft(self, at: int, prev: int, breaks: list[int], i: int, sent: _Sentence) -> bool:
        """Whether the comma at ``at`` joins list items: the chunk before or after it holds "or", "and"…"""
        nxt = breaks[i + 1] if i + 1 < len(breaks) else sent.end
        if _COORDINATOR.search(self.low, at, nxt) or _COORDINATOR.search(self.low, prev, at):
            return True
        # an inserted phrase: "иностранных граждан, в том числе из КНДР, не выявлено", "contractors, including
        # any linked to the DPRK, are not used"
        if _APPOSITIVE.match(self.low, at + 1) or _APPOSITIVE.match(self.low, prev + (prev > sent.start)):
            return True
        # Chinese and Korean list items are short nouns: "인력, 물품, 거래가 일절 없음"
        before, after = self.low[prev:at].strip(" ,，"), self.low[at + 1 : nxt].strip()
        short = [c for c in (before, after) if c and len(c) <= 3 and _EAST_RE.match(c)]
        return bool(short)


_ANSWER_MARK = re.compile(
    r"^(?:(?:a|r|ans|answer|response|reply|ответ|отв|答|回答|答复|답|답변|응답)\s*[.:：)]\s*"
    r"|(?:currently|at present|presently|now|today|so far|to date|at the moment|as of now)\b\s*"
    r"|(?:目前|现在|当前|暂时|暂|現在|현재는|현재|지금|сейчас|в настоящее время|на данный момент|пока|на сегодня)\s*)+"
)


_OPTION = r"(yes|no|y|n|да|нет|是|否|有|无|예|아니오|아니요)"
_TICK = r"(?:☒|☑|✓|✔|■|\[x\]|\(x\))"
_CHECKED_BEFORE = re.compile(_TICK + r"\s*" + _OPTION + r"(?![^\W\d_])", re.IGNORECASE)
_CHECKED_AFTER = re.compile(r"(?<![^\W\d_])" + _OPTION + r"\s*" + _TICK, re.IGNORECASE)
_ANY_BOX = re.compile(r"[☐☒☑□■✓✔]|\[[ x×✓]?\]|\([ x]?\)", re.IGNORECASE)
_TICK_MARKS = frozenset("☒☑■✓✔")
_ANSWER_LINE = re.compile(
    r"(?:a|ans|answer|response|ответ|отв|答|回答|答复|답|답변)\s*[.:：)]", re.IGNORECASE
)
_DENIED_LIST = re.compile(
    r"\b(?:ticked|marked|answered|checked)\s+[\"'“‘]?(?:no|none|n)[\"'”’]?\s+(?:for|to|on|against)\b"
)
# a statement that opens by denying the list after it: "None of the following apply: retained passports, …"
_DENIAL_HEAD = re.compile(
    r"^\s*(?:none of the (?:following|above|items below)|not (?:found|observed|applicable)|none (?:found|observed)"
    r"|ничего из (?:перечисленного|следующего)|не (?:выявлено|обнаружено)|以下(?:情况|各项|均)?(?:均|都)?(?:未发现|无|不适用)"
    r"|다음(?: 사항)?(?:은|는)? (?:모두 )?(?:해당 ?없음|없음))[^:：]{0,40}[:：]"
)
# answer options offered and none chosen: "7.1 Passport retention Y/N/NA" (a blank checklist line)
_BLANK_OPTIONS = re.compile(
    r"(?<![^\W_])(?:y\s*/\s*n(?:\s*/\s*n\.?a\.?)?|yes\s*/\s*no(?:\s*/\s*n\.?/?a\.?)?|да\s*/\s*нет|是\s*/\s*否"
    r"|有\s*/\s*无|예\s*/\s*아니오)[\s.:;)]*$"
)
_BOXES_TICKED = re.compile(r"[☒☑■✓✔]|\[[x×✓]\]|\(x\)", re.IGNORECASE)


def _ticked_option(body: str) -> tuple[int, str] | None:
    """The option a tick box marks and where its box is: "[ ] yes [x] no" (box before option), "是□ 否☑"
    (after it), "□朝鲜籍劳工 ☑无" — or None."""
    boxes = list(_ANY_BOX.finditer(body))
    if not boxes:
        return None
    # boxes before their options leave a word after the last box ("[ ] yes [x] no"); after them, none
    box_first = re.match(r"\s*[^\W_]", body[boxes[-1].end() :]) is not None
    for box in boxes:
        mark = box.group()
        if not (mark in _TICK_MARKS or "x" in mark.lower() or "×" in mark or "✓" in mark[1:]):
            continue
        if box_first:
            m = re.match(r"\s*([^\W_]+)", body[box.end() :])
        else:
            m = re.search(r"([^\W_]+)\s*$", body[: box.start()])
        if m is not None:
            return box.start(), m.group(1)
    return None


_BOXES = re.compile(r"(?:(?<![^\W\d_])" + _OPTION + r"\s*)?[☐☒☑□■]", re.IGNORECASE)


_NONE_FOUND = re.compile(
    r"\b(?:none|nil|nothing|no one|nobody)\s+(?:found|identified|observed|detected|seen|employed)\b"
)


# an answer cell still to be filled in
_PENDING = re.compile(
    r"(?:tbd|tbc|pending|to be (?:completed|confirmed|filled(?: in)?|answered|provided|advised)|not (?:yet )?answered"
    r"|blank|left blank|no answer|no response|待填写|待填|待补充|待确认|未填写|未填|未回答|空白|не заполнено|не заполнен"
    r"|не отвечено|ответа нет|нет ответа|미기재|미작성|미응답|작성 예정|기재 예정)"
)


def _in_brackets(low: str, start: int, at: int) -> bool:
    """Whether ``at`` is inside a bracket opened after ``start`` and not yet closed."""
    part = low[start:at]
    return part.count("(") + part.count("（") > part.count(")") + part.count("）")


def _answer_kind(answer: str) -> str:
    # a ticked box: "☐ Yes ☒ No" (the box before its option) or "是□ 否☑" (after it)
    box_first = re.match(r"\s*[☐☒☑□■✓✔\[(]", answer) is not None
    checked = (_CHECKED_BEFORE if box_first else _CHECKED_AFTER).search(answer)
    if checked is not None:
        answer = checked.group(1)
    if re.fullmatch(r"\s*[-–—]+\s*[.。]?\s*", answer):
        return "none"  # "NK labour: —": a dash in an answer cell says "nothing"
    text = answer.strip(" \t\"'“”‘’.,:;-–—()[]")
    text = _ANSWER_MARK.sub("", text).strip(" \t\"'“”‘’.,:;-–—()[]（）【】")
    if not text or _PENDING.fullmatch(text):
        return ""  # "（待填写）", "TBD", "to be completed": a question not yet answered
    if text.startswith(("n/a", "n.a", "n / a")):
        return "none"
    first = _WORD_RE.search(text)
    if _EAST_RE.match(text):
        if text.startswith(_NONE_EAST):
            return "none"
        if text.startswith(_YES_EAST):
            return "yes"
        # a denial in the answer's first clause: "审核期内零投诉", "本年度为零", "经溯源确认不存在", "신고 0건"
        if _east_denial(_CLAUSE_BREAK.split(text, maxsplit=1)[0]):
            return "none"
        return "other"
    if _NONE_FOUND.search(text[:40]):
        return "none"  # "reviewed, none found"
    if first is not None and first.start() == 0:
        word = first.group()
        if word in _NONE_WORDS or word.startswith(_NONE_PREFIXES) or (word.isdigit() and int(word) == 0):
            return "none"
        if word in _YES_WORDS:
            return "yes"
    return "other"


_QUESTION_NUMBER = re.compile(
    r"^.*?(?:q|question|вопрос|问题|问|문항|문)\s?\d{1,3}[a-z]?[.:)]?\s*", re.DOTALL
)
_EAST_YES_NO = re.compile(r"吗|否|没有|是不是|能不能|可不可|까|니|나요|습니까")


def _question_kind(question: str) -> str:
    """ "wh", "yes_no", or "" for a bare label with a question mark ("Passport? Supervisor keep")."""
    found = [w.group() for w in _WORD_RE.finditer(question)]
    if set(found) & _WH_WORDS or any(w in question for w in _WH_EAST):
        return "wh"
    last = question.split("\n")[-1]
    label = [w.group() for w in _WORD_RE.finditer(last.split(":")[-1].split("：")[-1])]
    if label and len(label) <= 2 and not _EAST_RE.search(last) and not set(label) & _AUX_Q:
        return ""
    # "Q7 护照？", "여권?": a short Chinese or Korean topic with no yes/no particle is a bare label too
    topic = _QUESTION_NUMBER.sub("", last.split(":")[-1].split("：")[-1]).strip(" ?？")
    if topic and len(topic) <= 4 and all(_EAST_RE.match(c) for c in topic) and not _EAST_YES_NO.search(topic):
        return ""
    return "yes_no"


def prepare(text: str) -> _Text:
    nfkc = unicodedata.normalize("NFKC", text)
    # a tab separates cells like "|" does: a spreadsheet pasted into a cell is a table of its own
    low = _lower(nfkc).replace("\t", "|")
    words = [_Word(m.group(), stem(m.group()), m.start(), m.end()) for m in _WORD_RE.finditer(low)]
    # "don't", "can't": a negator word "n't" where the "t" is, for negation only (terms such as "can't leave"
    # are matched on the words as written)
    cues = sorted(
        [w for w in words if not _NEGATED_AUX.match(low, max(0, w.start - 2))]
        + [_Word("n't", "n't", m.start(), m.end()) for m in _NEGATED_AUX.finditer(low)],
        key=lambda w: w.start,
    )
    tables = _table_blocks(low)
    sentences: list[_Sentence] = []
    start = 0
    for m in _HARD_BREAK.finditer(low):
        if m.group() == "." and _is_abbreviation(low, m.start()):
            continue
        if _joined(low, m, tables):
            continue
        sentences.append(_Sentence(start, m.start(), -1, "", ""))
        start = m.end()
    sentences.append(_Sentence(start, len(low), -1, "", ""))
    sentences = [s for s in sentences if low[s.start : s.end].strip()] or [_Sentence(0, len(low), -1, "", "")]
    statements: list[_Sentence] = []
    for sent in sentences:
        if any(lo <= sent.start and sent.end <= hi for lo, hi in tables):
            statements.extend(_table_statements(low, sent))  # one statement per row, "label | answer"
            continue
        at = sent.start
        # "- Document retention: none - Wage deductions: statutory only": dashes between labelled answers
        cut = _BULLETS if low.count(":", sent.start, sent.end) >= 2 else _STATEMENT_BREAK
        for m in cut.finditer(low, sent.start, sent.end):
            if _in_brackets(low, sent.start, m.start()):
                continue  # "Indicators (ID retention / debt / violence): nil found": one label, its answer after
            statements.append(_Sentence(at, m.start(), -1, "", ""))
            at = m.end()
        statements.append(_Sentence(at, sent.end, -1, "", ""))
    statements = _table_rows(low, statements)
    for s in statements:
        if s.answer:
            continue  # a table row, read already
        body = low[s.start : s.end]
        topic = _TOPIC.search(body)
        if topic is not None:
            # "As regards labour from North Korea, the company neither employs any…": the topic is the label,
            # the clause after it the answer
            brk = _CLAUSE_BREAK.search(body, topic.end())
            answer_at = topic.end() if topic.group(1) is not None else (brk.end() if brk is not None else -1)
            if answer_at > 0 and _denies(low, s.start + answer_at, s.end, cues):
                s.answer_at, s.answer = s.start + answer_at, "none"
                continue
        head = _DENIAL_HEAD.match(body)
        if head is not None:
            s.answer_at, s.answer, s.denied = s.start + head.end(), "none", True
            continue
        if _BLANK_OPTIONS.search(body):
            s.answer_at, s.question, s.answer = s.end, "yes_no", ""  # a checklist line left blank
            continue
        if _DENIED_LIST.search(body):
            s.answer_at, s.answer = (
                s.end,
                "none",
            )  # 'Checklist ticked "No" for: debt bondage, withheld wages…'
            continue
        ticked = _ticked_option(body)
        if ticked is not None and _answer_kind(ticked[1]) == "none":
            # "workers from DPRK [ ] yes [x] no", "□朝鲜籍劳工 ☑无": what is ticked answers the statement
            s.answer_at, s.answer = s.end, "none"  # the label may stand before or after the boxes
            continue
        if ticked is None and _ANY_BOX.match(body.lstrip()) and not _BOXES_TICKED.search(body):
            s.answer_at, s.answer = s.end, "none"  # "[ ] Workers from DPRK": a checklist item left unticked
            continue
        first = _ANSWER_FIRST.match(body)
        if first is not None and _answer_kind(first.group(1)) == "none":
            s.answer_at, s.answer = s.end, "none"  # "N/A (North Korean workers)", "해당사항 없음 (북한 인력)"
            continue
        seps = list(_ANSWER_SEP.finditer(body))
        trailing = _TRAILING_ANSWER.search(body)
        group = 0 if trailing is None else (1 if trailing.group(1) else 2)
        # "임금 체불 N", "扣发工资—N" (but "…: no" is read below, with its separator)
        if (
            trailing is not None
            and trailing.start() > 0
            and not (seps and seps[-1].end() >= trailing.start(group))
        ):
            s.answer_at = s.start + trailing.start(group)
            s.answer = _answer_kind(trailing.group(group))
            continue
        if not seps:
            boxes = _BOXES.search(body)  # "朝鲜籍工人 是□ 否☑": the boxes are the answer
            if boxes is not None:
                s.answer_at = s.start + boxes.start()
                s.answer = _answer_kind(body[boxes.start() :])
            continue
        asked = [m for m in seps if m.group().strip() in ("?", "？")]
        # a question is answered by what follows its mark ("Q7: Do you…? A: Yes - 45 from DPR Korea"); a
        # statement by what follows its last separator ("Audit 2025: 60 North Korean workers")
        sep = asked[-1] if asked else seps[-1]
        if not asked:  # the first separator answered "none" or "yes" ("…: N/A – all staff local")
            sep = next((m for m in seps if _answer_kind(body[m.end() :]) in ("none", "yes")), sep)
        if not body[sep.end() :].strip() and len(seps) > 1 and not asked:
            sep = seps[-2]  # "…: none." with nothing after the last one
        label, answer = body[: sep.start()], body[sep.end() :]
        s.answer_at = s.start + sep.end()
        is_question = sep.group().strip() in ("?", "？") or "?" in label or "？" in label
        s.question = _question_kind(label) if is_question else ""
        s.answer = _answer_kind(answer)
        if s.answer == "other" and not s.question and _denies(low, s.answer_at, s.end, cues):
            s.answer = "none"  # "Violence or threats: not found in 20 interviews", "…：均未反映"
            s.denied = _LIST_DENIED.search(low, s.answer_at, s.end) is not None or bool(
                _ALL_DENIED.search(low, s.answer_at, s.end)
            )
    breaks = [m.start() for m in _CLAUSE_BREAK.finditer(low)]
    return _Text(nfkc, low, words, sentences, breaks, statements, cues)


# a topic the rest of the statement answers: "As regards X, …", "Asked about X, …", "Что касается X, …",
# "关于X，…"; Korean marks the topic after it ("X에 대해서는 …"): group 1
_TOPIC = re.compile(
    r"^\s*(?:as regards|regarding|concerning|with (?:regard|respect) to|in respect of|as (?:to|for)"
    r"|(?:[^\W\d_]+\s){0,2}(?:when )?asked about|on the (?:question|subject|matter) of|что касается|касательно|относительно"
    r"|в отношении|по вопросу|на вопрос об?|关于|關於|对于|對於|至于|至於)\b"
    r"|(에\s*(?:대해서는|대해서|대해|대하여|관해서는|관해서|관해|관하여)|(?:와|과)?\s*관련(?:하여|해서는|해서|해))"
)
_ANSWER_FIRST = re.compile(r"^\s*([^()（）:：?？]{1,12}?)\s*[(（][^()（）]+[)）]\s*[.。]?\s*$")
# a Russian list of findings closed by their denial (the genitive of negation puts the verb last)
_LIST_DENIED = re.compile(
    r"не\s+(?:выявлен\w*|обнаружен\w*|установлен\w*|зафиксирован\w*|зарегистрирован\w*|поступал\w*)\s*[.。]?\s*$"
)
_LOCAL_ONLY = re.compile(
    r"\b(?:all|only|entirely|exclusively)\b[^.;|]{0,40}\blocal\b|\blocal (?:staff|workers|hires) only\b"
    r"|全部为本地|均为本地|都是本地|全是本地|все местные|только местные|모두 현지|전원 현지|모두 내국인"
)
# nouns of reporting that a negator reaches over: "0 grievances relating to threats", "no reports of violence"
_REPORT_NOUNS = (
    "grievance", "complaint", "case", "report", "incident", "allegation", "sign", "evidence", "instance", "issue",
    "finding", "relating", "related", "regarding", "concerning", "about", "жалоб", "случа", "обращени", "сигнал",
    "нарушени", "фактов", "факт",
)  # fmt: skip
# nouns that name kinds of finding: a list of kinds headed by "no" and ending in one of them is denied whole
_FINDING_NOUNS = (
    "case", "issue", "incident", "complaint", "finding", "concern", "violation", "problem", "allegation",
    "grievance", "instance", "breach", "irregularit",
)  # fmt: skip
_LIST_JOINERS = frozenset("or and nor и или либо ни".split())
_LIST_GAP = re.compile(r"\s*[,/&]?\s*|\s+")  # between two items of a list: a space, a comma or a slash
_LIST_REACH = 4
# a Chinese claim whose subject is the term, denied by the verb right after it: "工人本人没有钥匙" (the
# workers themselves have no key), "员工本人不保管"
_CLAIM_DENIED_AFTER = re.compile(r"\s?(?:都|也|并|均)?(?:没有|没|不|未|无|無|並無|并无)")
# a condition or a time that holds back what a claim of access or freedom grants (``_restricted``)
_RESTRICTION = re.compile(
    r"\bonly\s+(?:when|after|on|once|upon|during|before)\b|\buntil\b|\btill\b"
    r"|\bwait(?:s|ed|ing)?\b|\bnot\s+before\b|\bmust\b|\b(?:have|has|had)\s+to\b|\bin\s+advance\b"
    r"|\b(?:days?|weeks?|hours?)\s+ahead\b|\bthrough\s+(?:a|the)\s+(?:manager|supervisor|agent)\b"
    r"|\bчерез\s+\d|\bзаранее\b|\bдолжны\b|\bнужно\b"
    r"|\b(?:только|лишь)\s+(?:после|когда|через|в\s+конце)\b|\bдо\s+(?:окончания|конца|истечения)\b"
    r"|\bждать\b|\bждут\b|后才|後才|才能|才可|才会|方可|方能|须经|需经|必须经|후에야|때만|때에만|받아야|허락을 받아"
    # a refusal of what the claim grants ("refuses to return them"), or only copies left with the worker
    r"|\brefus(?:e|es|ed|ing)\b|\bdeclin(?:e|es|ed|ing)\b|\bonly\s+(?:a\s+)?cop(?:y|ies)\b|\bотказыва\w*|\bотказал\w*"
    r"|\bтолько\s+копи\w*|\bлишь\s+копи\w*|拒绝|拒不|只有复印件|仅有复印件|사본만|거부"
)
_RESTRICT_REACH = 40  # characters on either side of the claim
_PRO_FORMS = frozenset("any anyone anybody such more longer them one it ever".split())


def _denies(low: str, start: int, end: int, cues: Sequence[_Word]) -> bool:
    """Whether the clause starting at ``start`` denies what its topic names: "the company neither employs
    any…", "not any more", "해당 없음", "一律没有"."""
    hi = next((m.start() for m in _CLAUSE_BREAK.finditer(low, start, end)), end)
    if _answer_kind(low[start:hi]) == "none":
        return True
    head = low[start:hi]
    if _EAST_RE.search(head):
        return _east_denial(head)
    if _LOCAL_ONLY.search(head):
        return True  # "all 240 workers are local Chinese"
    if _LIST_DENIED.search(low, start, end):
        return True  # "удержания паспортов, задержек заработной платы … не выявлено"
    words = [w for w in cues if start <= w.start and w.end <= hi][:8]
    for i, w in enumerate(words[:6]):
        if w.text in _STRONG or w.text in _WEAK:
            rest = [x for x in words[i + 1 :] if x.text not in _SKIP][:1]
            if (
                not rest
                or rest[0].text in _PRO_FORMS
                or rest[0].text.startswith(_REPORT_NOUNS)
                or _is_presence(rest[0])
            ):
                return True
    return False


def _east_denial(head: str) -> bool:
    """Whether a Chinese or Korean clause holds a denial word that is not part of another word."""
    for cue in _DENIAL_EAST:
        at = head.find(cue)
        while at >= 0:
            if not _not_a_cue(head, at, cue) and not (cue[0].isdigit() and at > 0 and head[at - 1].isdigit()):
                return True
            at = head.find(cue, at + 1)
    return False


def _table_blocks(low: str) -> list[tuple[int, int]]:
    """Tables written as text: runs of two or more lines holding "|" (a header and its rows). A single line
    with "|" is not one: cells that ingest joined ("Q1: … | Q3: …") stay apart."""
    blocks: list[tuple[int, int]] = []
    run: list[tuple[int, int]] = []
    at = 0
    for line in [*low.split("\n"), ""]:
        span = (at, at + len(line))
        at += len(line) + 1
        if "|" in line:
            run.append(span)
            continue
        if len(run) >= 2:
            blocks.append((run[0][0], run[-1][1]))
        run = []
    return blocks


# a line that opens with a speaker or a time stamp in brackets: a chat log or a transcript pasted into a cell
_SPEAKER = re.compile(r"\s*[\[【(（][^\]】)）\n]{1,40}[\]】)）]")


def _joined(low: str, m: re.Match[str], tables: list[tuple[int, int]]) -> bool:
    """Whether a line or cell break does not end the sentence: inside a table, before an answer line
    ("Q3. …\nA: Yes – 8"), or in a short list that a line ending with ":" introduces."""
    if set(m.group()) - set("\n\r|"):
        return False
    if any(lo <= m.start() and m.end() <= hi for lo, hi in tables):
        return True
    if "\n" not in m.group():
        return False
    if _SPEAKER.match(low, m.end()) is not None:
        return False  # a chat or transcript line: "[agent] …", "[14/03 09:15] HR: …" speaks for itself
    after = low[m.end() : m.end() + 12].lstrip()
    if _ANSWER_LINE.match(after):
        return True
    line_start = low.rfind("\n", 0, m.start()) + 1
    line = low[line_start : m.start()].rstrip()
    if line.endswith((":", "：")):
        return True
    # the list goes on while its lines are short and hold no label of their own
    nxt = low[m.end() :].split("\n", 1)[0]
    if len(nxt) > 60 or ":" in nxt or not nxt.strip():
        return False
    while line_start > 0 and len(line) <= 60 and line.strip() and ":" not in line:
        end = line_start - 1
        line_start = low.rfind("\n", 0, end) + 1
        line = low[line_start:end].rstrip()
        if line.endswith((":", "：")):
            return True
    return False


def _table_statements(low: str, sent: _Sentence) -> list[_Sentence]:
    out: list[_Sentence] = []
    at = sent.start
    for line in low[sent.start : sent.end].split("\n"):
        start, end = at, at + len(line)
        at = end + 1
        if not line.strip():
            continue
        bar = line.find("|")
        row = _Sentence(start, end, -1, "", "")
        if bar > 0:
            row.answer_at = start + bar + 1
            answer = low[row.answer_at : end].split("|")[0]
            row.answer = _answer_kind(answer)
            if row.answer == "other" and _east_denial(answer):
                row.answer = "none"
            row.answer = row.answer or "other"
        out.append(row)
    return out


def _table_rows(low: str, statements: list[_Sentence]) -> list[_Sentence]:
    """Cells of a table written as text ("Passports held by employer | No | closed"): a cell followed on
    its line by a cell that is a plain answer is a label and its answer, one statement."""
    out: list[_Sentence] = []
    i = 0
    while i < len(statements):
        s = statements[i]
        if i + 1 < len(statements) and low.startswith("|", s.end):
            nxt = statements[i + 1]
            kind = _answer_kind(low[nxt.start : nxt.end])
            if kind in ("none", "yes") and "\n" not in low[s.end : nxt.start]:
                out.append(_Sentence(s.start, nxt.end, nxt.start, "", kind))
                i += 2
                continue
        out.append(s)
        i += 1
    return out


def _is_abbreviation(low: str, dot: int) -> bool:
    m = re.search(r"([^\W\d_]+)$", low[max(0, dot - 12) : dot])
    if m is None:
        return False
    word = m.group(1)
    if len(word) == 1 and re.search(r"(?:[:：=\-]\s*|n/)$", low[max(0, dot - 4) : dot - 1]):
        return False  # "DPRK labor: N. DPRK material: N." — a one-letter answer, not an initial
    if word in ("no", "nr") and not re.match(r"\s*\d", low[dot + 1 : dot + 4]):
        return False  # "A: No. Q: …" ends a sentence; "No. 5" does not
    # an initial is one Latin or Cyrillic letter ("J. Smith"); "70명." ends a Korean sentence
    return (len(word) == 1 and not _EAST_RE.match(word)) or word in _ABBREVIATIONS


# --- terms ---------------------------------------------------------------------------------------------


class _Term(NamedTuple):
    owner: int  # concept index
    aside: int  # -1 for a term of the concept, else the index of its set-aside reason
    text: str  # as written in the rules
    words: tuple[tuple[str, bool], ...]  # (word, is prefix) for Latin/Cyrillic terms


@dataclass(frozen=True, slots=True)
class Occurrence:
    concept: str
    start: int
    end: int
    term: str


def _term_words(term: str) -> tuple[tuple[str, bool], ...]:
    out: list[tuple[str, bool]] = []
    for m in re.finditer(r"[^\W_]+\*?", _lower(unicodedata.normalize("NFKC", term))):
        word = m.group()
        out.append((word[:-1], True) if word.endswith("*") else (stem(word), False))
    return tuple(out)


def _anchor(words: tuple[tuple[str, bool], ...]) -> tuple[str, bool]:
    """The word of a term that gates it: its last word (the head noun: "industrial *zone*", "of dprk
    *origin*", "by the *worker*"), or the longest one when the last is very short."""
    last = words[-1]
    return last if len(last[0]) >= 3 else max(words, key=lambda w: len(w[0]))


class _Terms:
    """Every term of a set of concepts, found in a prepared text in one pass."""

    def __init__(self, concepts: Sequence[Concept]) -> None:
        self.concepts = list(concepts)
        self._east = ahocorasick.Automaton()
        east: dict[str, list[_Term]] = defaultdict(list)
        self._exact: dict[str, list[_Term]] = defaultdict(list)
        self._prefix: dict[str, list[_Term]] = defaultdict(list)
        self.reasons: list[str] = []
        for ci, concept in enumerate(self.concepts):
            entries: list[tuple[int, str]] = [(-1, t) for t in concept.terms]
            for aside in concept.set_aside:
                self.reasons.append(aside.reason)
                entries += [(len(self.reasons) - 1, t) for t in aside.terms]
            for aside_idx, term in entries:
                if _EAST_RE.search(term):  # Han or Hangul, alone or mixed with other scripts: a substring
                    east[_lower(unicodedata.normalize("NFKC", term))].append(_Term(ci, aside_idx, term, ()))
                    continue
                words = _term_words(term)
                if not words:
                    continue
                first, is_prefix = words[0]
                (self._prefix if is_prefix else self._exact)[first].append(_Term(ci, aside_idx, term, words))
        for key, values in east.items():
            self._east.add_word(key, (len(key), values))
        self._has_east = bool(east)
        if self._has_east:
            self._east.make_automaton()
        self._prefix_lengths = sorted({len(p) for p in self._prefix})
        # the gate of ``present``: each term by one of its words (see ``_anchor``), which must be in a text for
        # the term to be ("of dprk origin" by "origin", not by "of", which is in every other note)
        self._anchor_exact: dict[str, set[int]] = defaultdict(set)
        self._anchor_prefix: dict[str, set[int]] = defaultdict(set)
        for gated in (*self._exact.values(), *self._prefix.values()):
            for entry in gated:
                if entry.aside < 0:
                    word, is_prefix = _anchor(entry.words)
                    (self._anchor_prefix if is_prefix else self._anchor_exact)[word].add(entry.owner)
        self._anchor_lengths = sorted({len(p) for p in self._anchor_prefix})
        self._gated: Memo[str, frozenset[int]] = Memo()  # word -> the concepts it gates (``_anchored``)
        self.plain: Memo[str, bool] = Memo()  # the words that gate none (a cheap first look)

    def present(self, low: str, words: Sequence[str]) -> frozenset[int]:
        """The concepts (indices) whose terms may occur in a lower-cased text: those with a Han or Hangul
        term in it and those with a term gated by one of its words (a cheap look, kept per word).
        A superset of what ``find`` finds, so a pattern none of whose slots it can fill need not be tried.
        ``words`` are the text's words (``_WORD_RE``), found once by the caller."""
        found: set[int] = set()
        if self._has_east and _EAST_RE.search(low):
            for _, (_, values) in self._east.iter(low):
                found.update(t.owner for t in values if t.aside < 0)
        for gated in self._gated.get_all(words, self._anchored):
            if gated:
                found.update(gated)
        return frozenset(found)

    def _anchored(self, word: str) -> frozenset[int]:
        """The concepts with a term gated by this word (``_anchor``; or that it starts, for a ``word*``)."""
        found = set(self._anchor_exact.get(stem(word), ()))
        for n in self._anchor_lengths:
            if n > len(word):
                break
            found.update(self._anchor_prefix.get(word[:n], ()))
        if not found:
            self.plain.remember(word, True)
        return frozenset(found)

    def _starting(self, word: str, key: str) -> list[_Term]:
        found = list(self._exact.get(key, ()))
        for n in self._prefix_lengths:
            if n > len(word):
                break
            found += self._prefix.get(word[:n], ())
        return found

    def find(self, text: _Text) -> tuple[list[tuple[_Term, int, int]], list[tuple[_Term, int, int]]]:
        """(terms of concepts, set-aside phrases) found, each with its character span."""
        found: list[tuple[_Term, int, int]] = []
        if self._has_east and _EAST_RE.search(text.low):
            for end, (length, values) in self._east.iter(text.low):
                for term in values:
                    found.append((term, end - length + 1, end + 1))
        words = text.words
        for i, w in enumerate(words):
            for term in self._starting(w.text, w.key):
                if i + len(term.words) > len(words):
                    continue
                ok = True
                for (want, is_prefix), got in zip(term.words[1:], words[i + 1 :], strict=False):
                    if not (got.text.startswith(want) if is_prefix else got.key == want):
                        ok = False
                        break
                if ok:
                    found.append((term, w.start, words[i + len(term.words) - 1].end))
        terms = [f for f in found if f[0].aside < 0]
        asides = [f for f in found if f[0].aside >= 0]
        return terms, asides


# --- patterns ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConceptMatch:
    """An indicator's concept pattern filled in one sentence of a field value."""

    indicator: int
    pattern: str
    sentence: str  # the sentence, as the user wrote it
    parts: tuple[tuple[str, str], ...]  # (concept, the user's words) per slot
    set_aside: str | None  # why it is not evidence, or None

    def describe(self) -> str:
        return " + ".join(f"{concept} “{words}”" for concept, words in self.parts)


@dataclass(frozen=True, slots=True)
class _Pattern:
    indicator: int
    text: str
    slots: tuple[frozenset[str], ...]


class ConceptMatcher:
    """The ``when`` patterns of a rule set's indicators."""

    def __init__(self, indicators: Sequence[Indicator], concepts: Sequence[Concept]) -> None:
        self.indicators = list(indicators)
        self.terms = _Terms(concepts)
        self.patterns = [
            _Pattern(i, p, tuple(frozenset(slot) for slot in parse_when(p)))
            for i, ind in enumerate(self.indicators)
            for p in ind.when
        ]
        self.fields = {f for ind in self.indicators for f in ind.fields}
        # whether a pattern may be filled, per field and set of concepts present: a few hundred such sets
        self._possible: Memo[tuple[str, frozenset[int]], bool] = Memo()
        # concepts of verbs of presence ("employ", "задействовать", "고용"): "not" before one negates
        self._presence = frozenset(c.id for c in concepts if c.presence)
        self._negatable = frozenset(c.id for c in concepts if c.negatable)
        self._reach = {c.id: c.reach for c in concepts if c.reach}
        self._only_in = {c.id: frozenset(c.fields) for c in concepts if c.fields}
        index = {c.id: i for i, c in enumerate(self.terms.concepts)}
        # per field, the patterns that apply to it, each as its slots of concept indices
        self._slots: dict[str, list[tuple[frozenset[int], ...]]] = {
            f: [
                tuple(frozenset(index[name] for name in slot if name in index) for slot in p.slots)
                for p in self.patterns
                if f in self.indicators[p.indicator].fields
            ]
            for f in self.fields
        }

    def _fillable(self, present: tuple[str, frozenset[int]]) -> bool:
        """Whether a pattern of the field may be filled by the concepts present."""
        field_name, concepts = present
        return any(all(slot & concepts for slot in slots) for slots in self._slots[field_name])

    def _later_blocker(
        self, text: _Text, ind: Indicator, choice: Sequence[Occurrence], everything: list[Occurrence], si: int
    ) -> Occurrence | None:
        """An ``unless`` concept with a ``reach`` in one of the next sentences that names a concept of the
        match again: "2023 NC: passports held by HR. CAP closed Feb 2024: all passports returned." """
        reach = max((self._reach.get(name, 0) for name in ind.unless), default=0)
        if not reach:
            return None
        chosen = {o.concept for o in choice}
        by_sentence: dict[int, list[Occurrence]] = defaultdict(list)
        for o in everything:
            later = text.sentence_of(o.start) - si
            if 0 < later <= reach:
                by_sentence[later].append(o)
        end = max(o.end for o in choice)
        for later, occs in sorted(by_sentence.items()):
            # the next cells of one tracker row speak of the same finding: "NC-02 人事保管身份证 | 已全部退还员工"
            between = text.low[end : occs[0].start]
            if any(o.concept in chosen for o in occs) or ("|" in between and "\n" not in between):
                for o in occs:
                    if self._reach.get(o.concept, 0) >= later and o.concept in ind.unless:
                        return o
        return None

    def context(self, text: str, concepts: frozenset[str], span: tuple[int, int]) -> tuple[str, str] | None:
        """A term of one of ``concepts`` in the sentence of ``text`` that holds ``span`` and outside it, as
        (concept, the user's words), or None: what sets a term indicator aside (its ``unless``)."""
        prepared = prepare(text)
        terms, asides = self.terms.find(prepared)
        sentence = prepared.sentence_of(span[0])
        for term, start, end in terms:
            concept = self.terms.concepts[term.owner].id
            if (
                concept in concepts
                and not (start < span[1] and span[0] < end)
                and prepared.sentence_of(start) == sentence
                and _aside_of(term, start, end, asides) is None
                and self._negation(
                    prepared, (Occurrence(concept, start, end, term.text),), [], self._presence
                )
                is None
            ):
                return concept, prepared.nfkc[start:end]
        return None

    def matches(self, field_name: str, text: str) -> list[ConceptMatch]:
        """Every pattern filled in ``text`` (a value of ``field_name``), set aside or not."""
        if field_name not in self.fields or not text:
            return []
        if text.isascii():  # the common case, cheaply: NFKC leaves ASCII alone
            low = text.lower()
            words = _WORD_RE.findall(low)
            if self.terms.plain.keys() >= set(words):
                return []
        else:
            low = _lower(unicodedata.normalize("NFKC", text))
            words = _WORD_RE.findall(low)
        present = self.terms.present(low, words)
        if not present:
            return []
        if not self._possible.get_or((field_name, present), self._fillable):
            return []
        prepared = prepare(text)
        terms, asides = self.terms.find(prepared)
        names = [c.id for c in self.terms.concepts]
        occurrences: list[Occurrence] = []
        aside_of: dict[Occurrence, str] = {}
        for term, start, end in terms:
            occ = Occurrence(names[term.owner], start, end, term.text)
            if occ.concept in self._only_in and field_name not in self._only_in[occ.concept]:
                continue  # "NK" in a company name: its initials
            aside = _aside_of(term, start, end, asides)
            if aside is not None:
                aside_of[occ] = self.terms.reasons[aside.aside]
            occurrences.append(occ)
        if not occurrences:
            return []
        by_sentence: dict[int, list[Occurrence]] = defaultdict(list)
        for occ in sorted(set(occurrences), key=lambda o: (o.start, -o.end)):
            by_sentence[prepared.sentence_of(occ.start)].append(occ)
        out: list[ConceptMatch] = []
        for pattern in self.patterns:
            ind = self.indicators[pattern.indicator]
            if field_name not in ind.fields:
                continue
            for si, occs in by_sentence.items():
                match = self._fill(pattern, ind, prepared, si, occs, aside_of, occurrences)
                if match is None and ind.sentences > 1 and si + 1 in by_sentence:
                    both = occs + by_sentence[si + 1]
                    match = self._fill(pattern, ind, prepared, si, both, aside_of, occurrences, last=si + 1)
                if match is not None:
                    out.append(match)
        return out

    def _fill(
        self,
        pattern: _Pattern,
        ind: Indicator,
        text: _Text,
        si: int,
        occs: list[Occurrence],
        aside_of: dict[Occurrence, str],
        everything: list[Occurrence],
        last: int | None = None,
    ) -> ConceptMatch | None:
        options = [[o for o in occs if o.concept in slot] for slot in pattern.slots]
        if not all(options):
            return None
        sentence = text.sentences[si]
        end = text.sentences[last].end if last is not None else sentence.end
        best: tuple[int, tuple[Occurrence, ...], str | None] | None = None
        for choice in itertools.islice(itertools.product(*options), 200):
            if len({(o.start, o.end) for o in choice}) < len(choice) or _overlap(choice):
                continue
            reason = next((f"{aside_of[o]} (“{_quote(text, o)}”)" for o in choice if o in aside_of), None)
            if reason is None:
                reason = self._negation(text, choice, everything, self._presence)
            rank = 0 if reason is None else 1
            if best is None or rank < best[0]:
                best = (rank, choice, reason)
                if rank == 0:
                    break
        if best is None:
            return None
        _, choice, reason = best
        if reason is None and ind.unless:
            blocker = next(
                (
                    o
                    for o in occs
                    if o.concept in ind.unless
                    and o not in aside_of
                    # a word inside a term of the match never blocks it: "prohibited from leaving" is no
                    # policy (but "workers keep" still blocks the "keep" it holds)
                    and not any(c.start <= o.start and o.end <= c.end and c != o for c in choice)
                    # nor does a denied claim: "工人本人没有钥匙", "доступа к ним у работников нет"
                    and not (
                        o.concept in self._negatable
                        and (
                            # its negator counts even inside a term of a concept outside the match ("без
                            # документов на руках": "без документов" is also a term of undocumented workers),
                            # not inside the match's own ("not the case that any worker is unable to leave
                            # freely": "unable" is the finding's, and "freely" still sets it aside)
                            self._negation(text, (o,), [o, *choice], self._presence) is not None
                            or _restricted(text, o)
                            or _CLAIM_DENIED_AFTER.match(text.low, o.end) is not None
                        )
                    )
                ),
                None,
            )
            if blocker is not None:
                reason = f"{blocker.concept} in the same sentence (“{_quote(text, blocker)}”)"
            else:
                later = self._later_blocker(text, ind, choice, everything, last if last is not None else si)
                if later is not None:
                    reason = f"{later.concept} in a sentence after it (“{_quote(text, later)}”)"
        parts = tuple((o.concept, _quote(text, o)) for o in choice)
        quoted = text.nfkc[sentence.start : end].strip()
        return ConceptMatch(pattern.indicator, pattern.text, quoted, parts, reason)

    @staticmethod
    def _negation(
        text: _Text,
        choice: Sequence[Occurrence],
        everything: list[Occurrence],
        presence_concepts: frozenset[str],
    ) -> str | None:
        """Why the terms of a match are negated in their sentence, or None."""
        for occ in choice:
            reason = _answered(text, text.statement_of(occ.start), occ)
            if reason is not None:
                return reason
        covered = [(o.start, o.end) for o in everything]

        def inside(start: int, end: int) -> bool:
            return any(s <= start and end <= e for s, e in covered)

        own = [(o.start, o.end) for o in choice]
        presence = [(o.start, o.end) for o in everything if o.concept in presence_concepts]
        chosen = {o.concept for o in choice}  # other terms of the match's concepts: "не в водах КНДР"
        kin = [(o.start, o.end) for o in everything if o.concept in chosen]
        for occ in choice:
            lo, hi = text.clause_bounds(occ.start, occ.end)
            words = [w for w in text.cues if lo <= w.start and w.end <= hi]
            before = [w for w in words if w.end <= occ.start and not inside(w.start, w.end)]
            after = [w for w in words if w.start >= occ.end and not inside(w.start, w.end)]
            counted = [w for w in before if not w.text.startswith(_REPORT_NOUNS) and w.text not in _SKIP]
            for back, w in enumerate(reversed(counted)):
                zero = w.text == "0"  # "0 DPRK staff" (not the "000" of "4,000")
                if (w.text in _STRONG or zero) and (
                    back < _STRONG_REACH
                    or w.text in _CLAUSE_WIDE
                    # "no goods in this PO were mined … by North Korean nationals": the negator is the
                    # subject's, and a verb of presence after it carries it over the clause
                    # (not a preposition: "workers without work permits said…" negates only the permits)
                    or (
                        w.text not in _PREPOSITIONAL
                        and any(_is_presence(x) or x.text in _AUX for x in words if x.start > w.end)
                    )
                ):
                    return f"negated by “{text.nfkc[w.start : w.end]}”"
            listed = _listed_denial(text, words, occ)
            if listed is not None:
                return listed
            for w in words:
                if w.text in _WEAK and not inside(w.start, w.end):
                    verb = _negated_verb(w, words, own + presence + kin)
                    if verb is not None:
                        return f"negated by “{text.nfkc[w.start : verb.end]}”"
            for i, w in enumerate(after[:_AFTER_REACH]):
                if w.text in _AFTER or w.text.startswith(_NONE_PREFIXES):
                    return f"negated by “{text.nfkc[w.start : w.end]}”"
                # a count of nought right after the term: "Workforce by nationality | TR 412 | DPRK 0"
                if i == 0 and w.text == "0" and _NOUGHT_ENDS.match(text.low, w.end) is not None:
                    return f"negated by “{text.nfkc[occ.start : w.end]}”"
                # "use of DPRK labour is prohibited" (but "DPRK workers are prohibited from leaving")
                if w.text in _BANNED and (i + 1 == len(after) or after[i + 1].text in _BANNED_BY):
                    return f"negated by “{text.nfkc[w.start : w.end]}”"
            # a denial that is the predicate at the clause's end reaches its whole subject: "Северокорейская
            # рабочая сила в цепочке поставок отсутствует", "DPRK workers at any of our sites: none"
            if _AFTER_REACH < len(after) <= _PREDICATE_REACH and (
                after[-1].text in _PREDICATE_AFTER or after[-1].text.startswith(_NONE_PREFIXES)
            ):
                return f"negated by “{text.nfkc[after[-1].start : after[-1].end]}”"
            # a short denial closing the sentence after the term's clause: "Работников, направленных из КНДР, не
            # имеем", "DPRK staff, none"
            end = text.statement_of(occ.start).end
            tail = [w for w in text.cues if hi <= w.start and w.end <= end]
            if (
                1 <= len(tail) <= 4
                and "|" not in text.low[hi:end]
                and (
                    tail[-1].text in _PREDICATE_AFTER  # "Рабочих, прибывших из КНДР, на заводе нет"
                    or (
                        len(tail) <= 3
                        and tail[0].text in _WEAK
                        and (len(tail) == 1 or _is_presence(tail[1]) or tail[1].text in _AUX)
                    )
                )
            ):
                return f"negated by “{text.nfkc[tail[0].start : tail[-1].end]}”"
            # a finding denied after its subject: "cases of harassment were not recorded", "жалоб на насилие
            # не поступало"
            for i, w in enumerate(after[:-1]):
                if w.text in _WEAK and after[i + 1].text.startswith(_NOT_FOUND_PREFIXES):
                    return f"negated by “{text.nfkc[w.start : after[i + 1].end]}”"
            if _EAST_RE.search(text.low, lo, hi):
                reason = _east_negation(text.low, occ, lo, hi, inside)
                if reason is not None:
                    return reason
        return None


def _listed_denial(text: _Text, words: Sequence[_Word], occ: Occurrence) -> str | None:
    """A strong negator heading a list of kinds of finding that the term is one of: "No wage, document or
    coercion cases", "no passport/overtime/wage issues found". The negator counts even when a term of its
    own starts with it ("no wage" of unpaid wages), because the list ends in a noun that names findings
    (cases, issues, incidents …), so every item of the list is denied. Items are one or two words joined by
    commas, slashes or "or"/"and"; "No pay or food for three days" (no such noun) and "no wage for overtime
    and coercion cases were noted" (not a list of items) stay findings."""
    after = [i for i, w in enumerate(words) if w.start >= occ.end]
    ends = [i for i in after[:_LIST_REACH] if words[i].text.startswith(_FINDING_NOUNS)]
    before = [i for i, w in enumerate(words) if w.end <= occ.start and w.text in _STRONG]
    if not ends or not before or words[before[-1]].text in _PREPOSITIONAL:
        return None
    first, last = before[-1], ends[0]
    item, joined = 0, False
    for a, b in zip(words[first:last], words[first + 1 : last + 1], strict=True):
        gap = text.low[a.end : b.start]
        if not _LIST_GAP.fullmatch(gap):
            return None  # a full stop, a colon, a bracket: not one list
        if b is words[last]:
            break
        if gap.strip() or b.text in _LIST_JOINERS:
            item, joined = 0, True
            continue
        item += 1
        if item > 2 or b.text in _SKIP:
            return None
    if not joined:
        return None
    return f"negated by “{text.nfkc[words[first].start : words[last].end]}” (a list of findings denied)"


def _aside_of(term: _Term, start: int, end: int, asides: Sequence[tuple[_Term, int, int]]) -> _Term | None:
    """The set-aside phrase of the term's own concept that overlaps it ("ethnic Korean" over "Korean"), or
    None."""
    return next((o for o, a, b in asides if o.owner == term.owner and a < end and start < b), None)


def _restricted(text: _Text, occ: Occurrence) -> bool:
    """Whether a claim of access or freedom is held back by a condition or a time in its clause: "handed
    back only when the contract ends", "had to submit a written request and wait up to a week", "free to
    leave only after the season", "только после окончания контракта", "合同期满后才归还",
    "계약 만료 후에야 돌려준다". Such a claim describes the restriction; it does not set the finding aside.
    A condition that binds the employer ("held only at the worker's written request", "только по заявлению")
    is no such restriction."""
    lo, hi = text.clause_bounds(occ.start, occ.end)
    near = text.low[max(lo, occ.start - _RESTRICT_REACH) : min(hi, occ.end + _RESTRICT_REACH)]
    return bool(_RESTRICTION.search(near))


def _is_presence(word: _Word) -> bool:
    return word.text in _PRESENCE_WORDS or word.text.startswith(_PRESENCE_PREFIXES)


def _negated_verb(cue: _Word, words: Sequence[_Word], spans: Sequence[tuple[int, int]]) -> _Word | None:
    """The word a weak negator negates, when it is a verb of presence or a matched term, else None: the
    first word after it that is not an auxiliary or adverb ("do not *use*", "not *knowingly* *use*",
    "are not *employed*"; but "could not *get* their passports back" negates "get", not "passports")."""
    skipped = 0
    place = False  # one noun after a preposition: "не в водах КНДР, а в Охотском море"
    for word in (x for x in words if x.start > cue.start):
        if any(s <= word.start < e for s, e in spans) or _is_presence(word):
            return word
        if word.text in _SKIP or (word.text.endswith("ly") and len(word.text) > 4):
            skipped += 1
            place = word.text in _PLACE_PREPOSITIONS
            if skipped <= 3:
                continue
        elif place:
            place = False
            continue
        return None
    return None


def _answered(text: _Text, statement: _Sentence, occ: Occurrence) -> str | None:
    """Why a term in a questionnaire statement is not evidence ("DPRK workers: none", "Do you employ DPRK
    nationals? No", a question without an answer), or None."""
    in_label = statement.answer_at < 0 or occ.start < statement.answer_at
    if statement.denied and not in_label:
        # "Акт проверки: удержания паспортов, задержек заработной платы … не выявлено": the answer lists
        # what it denies
        return f"answer “{_short(text.nfkc[statement.answer_at : statement.end].strip())}”"
    if not in_label:
        return None
    if statement.question:
        if statement.answer == "none":
            return "a question answered “no”"
        if statement.answer == "":
            return "a question, not an answer"
        if statement.question == "yes_no" and statement.answer != "yes":
            return "a yes/no question not answered “yes”"
    elif statement.answer == "none":
        return f"answer “{text.nfkc[statement.answer_at : statement.end].strip()}”"
    return None


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _east_negation(
    low: str, occ: Occurrence, lo: int, hi: int, inside: Callable[[int, int], bool]
) -> str | None:
    """Chinese and Korean negation of a term in its clause ``low[lo:hi]``, or None."""
    # a list between the negator and the term carries it further: "未发现限制人身自由、扣押证件或扣押工资"
    items = low.count("、", max(lo, occ.start - 3 * _EAST_REACH), occ.start)
    begin = max(lo, occ.start - _EAST_REACH * (1 + min(items, 3)))
    for cue in (*_EAST_STRONG, *_EAST_WEAK):
        at = low.rfind(cue, begin, occ.start)
        while at >= 0:
            if not inside(at, at + len(cue)) and not _not_a_cue(low, at, cue):
                # 不再使用, 未曾雇用, 不得雇用, 不直接或间接使用
                after = _EAST_ADVERBS.sub("", low[at + len(cue) : occ.start + 3])
                if cue not in _EAST_WEAK or at + len(cue) == occ.start or after.startswith(_EAST_PRESENCE):
                    return f"negated by “{low[at : min(occ.start, at + len(cue) + 2)]}”"
            at = low.rfind(cue, begin, at)
    inside_clause = _ALL_DENIED.search(low, occ.end, hi)
    if inside_clause is not None:
        return f"negated by “{inside_clause.group().strip()}”"  # "扣押证件、拖欠工资等情况均未发现"
    else:
        tail = _ALL_DENIED.search(low, occ.end)
        if (
            tail is not None
            and "\n" not in low[occ.end : tail.start()]
            and "。" not in low[occ.end : tail.start()]
        ):
            return f"negated by “{tail.group().strip()}”"  # "여권 보관, 임금 유보, 채무 노동 모두 미발견"
    for cue in _EAST_AFTER:
        at = low.find(cue, occ.end, hi)
        while at >= 0:
            if cue[0].isdigit() and at > 0 and low[at - 1].isdigit():
                pass  # "30명" is thirty people, not "0명"
            elif not inside(at, at + len(cue)) and not _not_a_cue(low, at, cue):
                return f"negated by “{cue}”"
            at = low.find(cue, at + 1, hi)
    return None


# "未经…批准/同意/签字": without someone's leave — a condition, not a denial
_WITHOUT_LEAVE = re.compile(r"未经[^，,。；;]{0,10}?(?:批准|同意|签字|签名|允许|许可|审批|准许)")


def _not_a_cue(low: str, at: int, cue: str) -> bool:
    """Whether the negator ``cue`` at ``at`` is part of a word that negates nothing here (无锡, 未来, 없이), or of
    a condition ("未经主管签字不得离开": without the supervisor's signature, workers may not leave)."""
    if _WITHOUT_LEAVE.match(low, at - 1 if cue == "经" else at):
        return True
    for word in _EAST_NOT_CUES:
        i = word.find(cue)
        while i >= 0:
            if at >= i and low.startswith(word, at - i):
                return True
            i = word.find(cue, i + 1)
    return False


def _overlap(choice: Sequence[Occurrence]) -> bool:
    spans = sorted((o.start, o.end) for o in choice)
    return any(b[0] < a[1] for a, b in itertools.pairwise(spans))


def _quote(text: _Text, occ: Occurrence) -> str:
    return text.nfkc[occ.start : occ.end]
