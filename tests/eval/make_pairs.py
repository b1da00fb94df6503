"""Build ``pairs.csv``: the hand-written pairs plus variants and hard negatives drawn from real list entries,
split once into ``dev`` and ``test``.

Run:    .venv/bin/python tests/eval/make_pairs.py [--check] [--out PATH]
Import: ``assign_splits(rows)`` gives {id: split}; ``read_pairs(path)`` reads the file.

Inputs (read, never fetched): ``pairs_hand.csv`` beside this script (the 465 pairs of the first evaluation,
relabelled into the new columns, and hand-written hard cases), the OFAC SDN snapshot
(``../shared/data/ofac-sdn/sdn.csv``, ``alt.csv``, ``add.csv``) and the OpenSanctions FtM entities
(``../shared/data/opensanctions/entities.ftm.json``). The OFAC files are parsed here from their raw layout, not
through supplyscreen's loader, so that the data does not inherit the product's reading of them.

Every generated pair names the list entry it comes from (``source``) and why it has its label (``note``).
Variants are made by fixed rules with ``random.Random`` seeded by ``SEED`` and the generator's name, so the
output depends only on the inputs: running the script again rewrites ``pairs.csv`` byte for byte
(``--check`` verifies it). See ``README.md`` beside this script for the columns and categories.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import random
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

SEED = 20261208
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATA = ROOT.parent / "shared" / "data"
HAND = HERE / "pairs_hand.csv"
PAIRS = HERE / "pairs.csv"
OFAC_DIR = DATA / "ofac-sdn"
FTM = DATA / "opensanctions" / "entities.ftm.json"

HAND_COLUMNS = [
    "kind",
    "category",
    "label",
    "query",
    "query_field",
    "query_country",
    "candidate",
    "candidate_aliases",
    "candidate_type",
    "candidate_country",
    "candidate_ids",
    "source",
    "note",
]
COLUMNS = ["id", "split", *HAND_COLUMNS]
KINDS = ("org", "vessel", "person", "aircraft")
TYPES = ("organization", "vessel", "person", "aircraft")
FIELDS = ("name", "vessel", "notes")
SPLITS = ("dev", "test")
KIND_OF_TYPE = {"organization": "org", "vessel": "vessel", "person": "person", "aircraft": "aircraft"}


# --- list entries ---------------------------------------------------------------------------------------


@dataclass
class ListEntry:
    ref: str  # "ofac:SDN 12345" or "opensanctions:NK-..."
    name: str
    aliases: list[str]
    type: str  # organization | vessel | person | aircraft
    countries: list[str]
    imo: list[str] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    remarks: str = ""

    @property
    def dprk(self) -> bool:
        return any(p.startswith("DPRK") for p in self.programs) or any(
            c in ("Korea, North", "Democratic People's Republic of Korea", "KP") for c in self.countries
        )

    @property
    def only_dprk(self) -> bool:
        """In the DPRK and nowhere else (no foreign branch or address)."""
        return bool(self.countries) and all(
            c in ("Korea, North", "Democratic People's Republic of Korea") for c in self.countries
        )


def _ofac_rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            if row and row[0].strip().isdigit():
                yield [("" if c.strip() == "-0-" else c.strip()) for c in row]


IMO_RE = re.compile(r"\bIMO\s*(\d{7})\b")


def load_ofac(folder: Path = OFAC_DIR) -> list[ListEntry]:
    """Every SDN entry with its aliases (alt.csv) and countries (add.csv, a vessel's flag)."""
    aliases: dict[str, list[str]] = defaultdict(list)
    for row in _ofac_rows(folder / "alt.csv"):
        if len(row) >= 4 and row[3]:
            aliases[row[0]].append(row[3].replace(";", ","))
    countries: dict[str, list[str]] = defaultdict(list)
    for row in _ofac_rows(folder / "add.csv"):
        if len(row) >= 5 and row[4] and row[4] != "undetermined":
            countries[row[0]].append(row[4])
    out = []
    for row in _ofac_rows(folder / "sdn.csv"):
        if len(row) < 12:
            continue
        ent, name, kind, program, flag, remarks = row[0], row[1], row[2], row[3], row[9], row[11]
        typ = {"individual": "person", "vessel": "vessel", "aircraft": "aircraft"}.get(kind, "organization")
        place = list(dict.fromkeys([*countries.get(ent, []), *([flag] if flag else [])]))
        programs = [p.strip(" []") for p in re.split(r"\]\s*\[", program) if p.strip(" []")]
        out.append(
            ListEntry(
                ref=f"ofac:SDN {ent}",
                name=name,
                aliases=list(dict.fromkeys(a for a in aliases.get(ent, []) if a != name)),
                type=typ,
                countries=place,
                imo=list(dict.fromkeys(IMO_RE.findall(remarks))) if typ == "vessel" else [],
                programs=programs,
                remarks=remarks,
            )
        )
    return out


def load_ftm(path: Path = FTM) -> list[ListEntry]:
    """Companies and people of the OpenSanctions FtM file, with every name they are known by."""
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            data = json.loads(line)
            typ = {"Company": "organization", "Organization": "organization", "Person": "person"}.get(
                data.get("schema", "")
            )
            props = data.get("properties", {})
            names = [
                n
                for key in ("name", "alias", "previousName", "weakAlias")
                for n in props.get(key, [])
                if ";" not in n
            ]
            if not typ or not names:
                continue
            caption = data.get("caption") or names[0]
            countries = sorted({c.upper() for k in ("country", "jurisdiction") for c in props.get(k, [])})
            out.append(
                ListEntry(
                    ref=f"opensanctions:{data['id']}",
                    name=caption,
                    aliases=list(dict.fromkeys(n for n in names if n != caption)),
                    type=typ,
                    countries=countries,
                    programs=list(data.get("datasets", [])),
                )
            )
    return out


# --- pairs ----------------------------------------------------------------------------------------------


def pair(
    category: str,
    label: int,
    query: str,
    cand: ListEntry | Mapping[str, str],
    note: str,
    *,
    query_field: str = "",
    query_country: str = "",
    drop_aliases: Iterable[str] = (),
    candidate_ids: str | None = None,
    source: str = "",
) -> dict[str, str]:
    """One pair against a list entry (its name, aliases, type, countries and IMO numbers as listed)."""
    if isinstance(cand, ListEntry):
        dropped = {norm(a) for a in drop_aliases}
        aliases = [a for a in cand.aliases if norm(a) not in dropped]
        fields = {
            "candidate": cand.name,
            "candidate_aliases": "; ".join(aliases),
            "candidate_type": cand.type,
            "candidate_country": ";".join(cand.countries),
            "candidate_ids": "; ".join(f"IMO {n}" for n in cand.imo),
        }
        src = cand.ref + (f" {source}" if source else "")
    else:
        fields = dict(cand)
        src = source
    if candidate_ids is not None:
        fields["candidate_ids"] = candidate_ids
    kind = KIND_OF_TYPE[fields["candidate_type"]]
    return {
        "kind": kind,
        "category": category,
        "label": str(label),
        "query": query,
        "query_field": query_field or ("vessel" if kind == "vessel" else "name"),
        "query_country": query_country,
        **fields,
        "source": src,
        "note": note,
    }


def norm(text: str) -> str:
    """Letters and digits only, case-folded, accents dropped: to tell a variant from an alias it equals."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9']+", text)


KEEP_UPPER = frozenset(
    """LLC JSC OJSC PJSC CJSC OOO OAO ZAO PAO AO FZE FZCO SA AG NV BV JV KG LP SARL GMBH EOOD EAD DOO KFT
    PLC PTE PVT SDN BHD CC USA UK UAE DPRK PRC KPA IRGC JVC II III IV VI VII VIII IX XI XII XVI""".split()
)


def title(text: str) -> str:
    """Title case as suppliers write names, keeping legal-form acronyms and initials in capitals."""

    def one(word: str) -> str:
        bare = word.strip(".,()'\"&-")
        if bare.upper() in ("LTD", "CO", "INC", "MR", "ST"):
            return word[:1].upper() + word[1:].lower()
        if bare.upper() in KEEP_UPPER or (len(bare) <= 3 and not re.search(r"[AEIOUY]", bare.upper())):
            return word.upper()
        return word[:1].upper() + word[1:].lower()

    return re.sub(r"[^\s\-/]+", lambda m: one(m.group(0)), text)


# Country names as a supplier sheet writes them, by the name the list gives.
COUNTRY_FORMS: dict[str, tuple[str, ...]] = {
    "Korea, North": (
        "North Korea",
        "DPRK",
        "KP",
        "Korea, Democratic People's Republic of",
        "PRK",
        "Korea DPR",
    ),
    "Democratic People's Republic of Korea": ("North Korea", "DPRK", "KP", "Korea DPR"),
    "China": ("China", "CN", "PRC", "People's Republic of China", "CHN"),
    "Russia": ("Russia", "RU", "Russian Federation", "RUS"),
    "Hong Kong": ("Hong Kong", "HK", "Hong Kong SAR"),
    "Singapore": ("Singapore", "SG"),
    "United Arab Emirates": ("United Arab Emirates", "UAE", "AE"),
    "Iran": ("Iran", "IR", "Islamic Republic of Iran"),
    "Syria": ("Syria", "SY", "Syrian Arab Republic"),
    "Turkey": ("Turkey", "TR", "Türkiye"),
    "Lebanon": ("Lebanon", "LB"),
    "Panama": ("Panama", "PA"),
    "Colombia": ("Colombia", "CO"),
    "Mexico": ("Mexico", "MX"),
    "Venezuela": ("Venezuela", "VE"),
    "Germany": ("Germany", "DE", "Deutschland"),
    "United Kingdom": ("United Kingdom", "UK", "GB"),
    "Malta": ("Malta", "MT"),
    "Cyprus": ("Cyprus", "CY"),
    "Bulgaria": ("Bulgaria", "BG"),
    "Ukraine": ("Ukraine", "UA"),
    "Belarus": ("Belarus", "BY"),
    "Taiwan": ("Taiwan", "TW"),
    "Thailand": ("Thailand", "TH"),
    "Malaysia": ("Malaysia", "MY"),
    "Cambodia": ("Cambodia", "KH"),
    "Burma": ("Myanmar", "Burma", "MM"),
    "Iraq": ("Iraq", "IQ"),
    "Pakistan": ("Pakistan", "PK"),
    "Afghanistan": ("Afghanistan", "AF"),
    "Israel": ("Israel", "IL"),
    "Slovakia": ("Slovakia", "SK"),
    "Slovenia": ("Slovenia", "SI"),
    "Egypt": ("Egypt", "EG"),
    "Namibia": ("Namibia", "NA"),
    "Vietnam": ("Vietnam", "Viet Nam", "VN"),
    "Peru": ("Peru", "PE"),
    "Argentina": ("Argentina", "AR"),
    "Italy": ("Italy", "IT"),
    "Spain": ("Spain", "ES"),
    "Switzerland": ("Switzerland", "CH"),
    "RU": ("Russia", "RU", "Russian Federation"),
}
# The same countries in other scripts and official forms: a list and a sheet rarely write them alike.
COUNTRY_OTHER_SPELLING: dict[str, tuple[str, ...]] = {
    "Korea, North": ("조선민주주의인민공화국", "КНДР", "朝鲜", "D.P.R.K.", "Korea (North)", "Korea, DPR"),
    "Democratic People's Republic of Korea": ("조선", "КНДР", "朝鲜", "D.P.R. Korea"),
    "China": ("中国", "中华人民共和国", "P.R. China", "China (PRC)", "Китай"),
    "Russia": ("Россия", "Российская Федерация", "Russian Fed.", "РФ"),
    "RU": ("Россия", "Российская Федерация", "Russian Federation"),
    "Hong Kong": ("香港", "Hong Kong, China", "HKSAR"),
    "Iran": ("Iran, Islamic Republic of", "ایران", "I.R. Iran"),
    "United Arab Emirates": ("U.A.E.", "Emirates", "Dubai, UAE"),
    "Syria": ("Syrian Arab Rep.", "سوريا"),
    "Turkey": ("Türkiye", "Republic of Türkiye"),
    "Singapore": ("Republic of Singapore", "SGP"),
    "Panama": ("Panamá", "Republic of Panama"),
}
SOUTH_KOREA = ("South Korea", "Republic of Korea", "KR", "Korea, Republic of", "KOR", "대한민국")


def country_form(rng: random.Random, listed: Sequence[str], blank: float = 0.35) -> str:
    """A country of the entry as a sheet writes it, or blank."""
    known = [c for c in listed if c in COUNTRY_FORMS]
    if not known or rng.random() < blank:
        return ""
    return rng.choice(COUNTRY_FORMS[rng.choice(known)])


# --- rewriting names --------------------------------------------------------------------------------------

# (legal form at the end of a name as OFAC writes it, forms a supplier writes instead)
LEGAL_FORMS: list[tuple[str, tuple[str, ...]]] = [
    (r",?\s+PTE\.?,?\s+LTD\.?$", (" Private Limited", " Pte Ltd", " Pte. Limited")),
    (r",?\s+CO\.?,?\s*LTD\.?$", (" Company Limited", " Co Ltd", " Co., Limited", " Ltd.")),
    (r",?\s+COMPANY,?\s+LIMITED$", (" Co., Ltd.", " Co Ltd", " Ltd")),
    (r",?\s+CO\.?,?\s+LIMITED$", (" Co., Ltd.", " Company Limited")),
    (r",?\s+LTD\.?\s+CO\.?$", (" Co., Ltd.", " Company Limited")),
    (r",?\s+S\.A\. DE C\.V\.$", (" SA de CV", " S.A. de C.V")),
    (r",?\s+SDN\.?\s+BHD\.?$", (" Sendirian Berhad",)),
    (r",?\s+LIMITED$", (" Ltd", " Ltd.", " Co., Ltd.")),
    (r",?\s+LTD\.?$", (" Limited",)),
    (r",?\s+CORPORATION$", (" Corp.", " Corp", " Co.")),
    (r",?\s+CORP\.?$", (" Corporation",)),
    (r",?\s+COMPANY$", (" Co.", " Co", " Company Ltd")),
    (r",?\s+CO\.?$", (" Company", " Co., Ltd.")),
    (r",?\s+L\.?L\.?C\.?$", (" Limited Liability Company", " L.L.C.")),
    (r",?\s+S\.?A\.?S\.?$", (" SAS",)),
    (r",?\s+S\.?A\.?$", (" SA", " Sociedad Anonima")),
    (r",?\s+GMBH$", (" Gesellschaft mit beschränkter Haftung", " G.m.b.H.")),
    (r",?\s+FZE$", (" Free Zone Establishment", " F.Z.E.")),
    (r",?\s+FZCO$", (" Free Zone Company", " FZ Co.")),
    (r",?\s+INC\.?$", (" Incorporated",)),
    (r",?\s+JSC$", (" Joint Stock Company", " AO")),
    (r",?\s+OJSC$", (" Open Joint Stock Company", " OAO")),
    (r",?\s+SARL$", (" S.A.R.L.", " Sàrl")),
    (r",?\s+LTDA\.?$", (" Limitada",)),
    (r",?\s+EOOD$", (" E.O.O.D.",)),
]
ADDED_FORMS = (" Co., Ltd.", " Ltd.", " LLC", " Corp.", " Company Limited", " Inc.")


def legal_form_variants(name: str) -> list[tuple[str, str]]:
    """(variant, what changed) for a name: its legal form written otherwise, dropped, or one added."""
    for pattern, forms in LEGAL_FORMS:
        m = re.search(pattern, name, flags=re.IGNORECASE)
        if m:
            stem = name[: m.start()].rstrip(" ,")
            if not words(stem):
                return []
            found = m.group(0).strip(" ,")
            out = [(stem + f, f"{found} written{f}") for f in forms]
            out.append((stem, f"legal form {found} dropped"))
            return out
    m = re.match(r"^(OOO|OAO|PAO|AO|ZAO|PJSC|JSC|LLC)\s+['\"]?(.+?)['\"]?$", name, flags=re.IGNORECASE)
    if m:
        form = {"OOO": "LLC", "OAO": "OJSC", "PAO": "PJSC", "AO": "JSC", "ZAO": "CJSC"}.get(
            m.group(1).upper()
        )
        out = [(m.group(2), f"legal form {m.group(1)} dropped")]
        if form:
            out.append((f"{m.group(2)} {form}", f"{m.group(1)} written {form} after the name"))
        return out
    return [(name + f, f"legal form{f} added") for f in ADDED_FORMS]


ABBREVIATIONS = {
    "INTERNATIONAL": ("Intl", "Int'l", "Intl."),
    "TRADING": ("Trdg", "Trdg."),
    "CORPORATION": ("Corp.", "Corpn"),
    "MANAGEMENT": ("Mgmt", "Mgt."),
    "SHIPPING": ("Shpg", "Shipg."),
    "DEVELOPMENT": ("Dev.", "Devt"),
    "INDUSTRIAL": ("Ind.", "Indl"),
    "INDUSTRY": ("Ind.",),
    "GENERAL": ("Gen.", "Genl"),
    "TECHNOLOGY": ("Tech.", "Technol."),
    "COMPANY": ("Co.",),
    "ENGINEERING": ("Eng.", "Engg"),
    "CONSTRUCTION": ("Constr.",),
    "ASSOCIATION": ("Assn",),
    "MARITIME": ("Mar.",),
    "INVESTMENT": ("Invest.",),
    "LOGISTICS": ("Logist.",),
    "NATIONAL": ("Natl",),
    "COMMERCIAL": ("Coml.", "Comm."),
    "&": ("and",),
    "AND": ("&",),
}

GENERIC = frozenset(
    """company co corp corporation limited ltd llc inc incorporated group holding holdings trading trade
    international intl general industrial industry industries development import export enterprise
    enterprises investment investments energy global services service shipping shpg marine maritime
    logistics technology technologies tech bank banking commercial construction engineering petroleum oil
    gas chemical chemicals management partners association foundation center centre office agency national
    joint venture jv stock pte pvt private public sa de cv sarl gmbh ag fze fzco ooo oao zao pao jsc ojsc
    pjsc cjsc ao bhd sdn kg eood ead doo kft plc pty the of and for in el la los las y s a e
    economic economics economy exchange finance financial insurance project projects products materials
    material metal metals mining resources supply systems solutions consulting transport freight
    forwarding line lines air airlines airline network networks media studio studios travel tourism
    food foods medical pharmaceutical pharma textile garment fishery fisheries seafood aquatic
    establishment s.a agencies bureau department ministry institute""".split()
)
PLACES = frozenset(
    """korea korean north south china chinese dandong dalian beijing shanghai shenzhen guangzhou tianjin
    qingdao hong kong hongkong liaoning jilin yanbian hunchun shenyang weihai ningbo xiamen fujian zhejiang
    pyongyang russia moscow vladivostok dubai tehran iran iranian syria syrian damascus lebanon beirut
    singapore panama london germany""".split()
)


def distinctive(name: str) -> list[str]:
    """The words of a name that say which company it is: not legal forms, generic words or places."""
    return [
        w
        for w in (x.lower().strip("'") for x in words(name))
        if len(w) > 1 and w not in GENERIC and w not in PLACES
    ]


# --- helpers for sampling ----------------------------------------------------------------------------------


def rng_for(name: str) -> random.Random:
    return random.Random(f"{SEED}:{name}")


def sample(rng: random.Random, items: Sequence[ListEntry], n: int) -> list[ListEntry]:
    items = sorted(items, key=lambda e: e.ref)
    return rng.sample(items, min(n, len(items)))


def spaced(text: str) -> str:
    """Case-folded words, punctuation dropped, spaces kept: names that differ only in how they are written."""
    text = unicodedata.normalize("NFKD", text).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


def is_alias(variant: str, entry: ListEntry, with_name: bool = True) -> bool:
    """The variant is the entry's name or one of its aliases, up to case and punctuation."""
    key = spaced(variant)
    return any(spaced(n) == key for n in ((entry.name, *entry.aliases) if with_name else entry.aliases))


# --- Korean and Chinese romanisation ------------------------------------------------------------------------

# Korean words of DPRK list names: McCune-Reischauer as OFAC writes it (breves and apostrophes dropped), its
# syllables, the Revised Romanisation of the same Hangul, and the Hangul.
KOREAN: dict[str, tuple[str, str, str]] = {
    "RUNGRADO": ("Rung Ra Do", "Reungrado", "릉라도"),
    "CHOLSAN": ("Chol San", "Cheolsan", "철산"),
    "DAESONG": ("Dae Song", "Daeseong", "대성"),
    "TAESONG": ("Tae Song", "Daeseong", "대성"),
    "KUMGANG": ("Kum Gang", "Geumgang", "금강"),
    "KORYO": ("Ko Ryo", "Goryeo", "고려"),
    "RYUGYONG": ("Ryu Gyong", "Ryugyeong", "류경"),
    "PAEKSOL": ("Paek Sol", "Baekseol", "백설"),
    "KANGBONG": ("Kang Bong", "Gangbong", "강봉"),
    "HAEGUMGANG": ("Hae Gum Gang", "Haegeumgang", "해금강"),
    "CHONGCHONGANG": ("Chong Chon Gang", "Cheongcheongang", "청천강"),
    "THAEPHYONGSAN": ("Thae Phyong San", "Taepyeongsan", "태평산"),
    "HOERYONG": ("Hoe Ryong", "Hoeryeong", "회령"),
    "CHONGBONG": ("Chong Bong", "Cheongbong", "청봉"),
    "YUSONG": ("Yu Song", "Yuseong", "유성"),
    "PYONGJIN": ("Pyong Jin", "Pyeongjin", "평진"),
    "YONGJIN": ("Yong Jin", "Yeongjin", "영진"),
    "JINSONG": ("Jin Song", "Jinseong", "진성"),
    "JINMYONG": ("Jin Myong", "Jinmyeong", "진명"),
    "TONGBANG": ("Tong Bang", "Dongbang", "동방"),
    "KUMBYOL": ("Kum Byol", "Geumbyeol", "금별"),
    "MYONGDOK": ("Myong Dok", "Myeongdeok", "명덕"),
    "PAEKMA": ("Paek Ma", "Baekma", "백마"),
    "PHYONGCHON": ("Phyong Chon", "Pyeongcheon", "평천"),
    "TONGHUNG": ("Tong Hung", "Dongheung", "동흥"),
    "CHONMYONG": ("Chon Myong", "Cheonmyeong", "천명"),
    "KUMUNSAN": ("Kum Un San", "Geumunsan", "금운산"),
    "HWASONG": ("Hwa Song", "Hwaseong", "화성"),
    "TANGUN": ("Tan Gun", "Dangun", "단군"),
    "KURYONGGANG": ("Ku Ryong Gang", "Guryonggang", "구룡강"),
    "CHONGSONG": ("Chong Song", "Cheongsong", "청송"),
    "YONHAP": ("Yon Hap", "Yeonhap", "연합"),
    "KUMRYONG": ("Kum Ryong", "Geumnyong", "금룡"),
    "SAMJONG": ("Sam Jong", "Samjeong", "삼정"),
    "YUJONG": ("Yu Jong", "Yujeong", "유정"),
    "BUYON": ("Bu Yon", "Buyeon", "부연"),
    "UNPHA": ("Un Pha", "Eunpa", "은파"),
    "MANSUDAE": ("Man Su Dae", "Mansudae", "만수대"),
    "NAMGANG": ("Nam Gang", "Namgang", "남강"),
    "SAMILPO": ("Sam Il Po", "Samilpo", "삼일포"),
    "SINGWANG": ("Sin Gwang", "Singwang", "신광"),
    "HAPJANGGANG": ("Hap Jang Gang", "Hapjanggang", "합장강"),
    "MYOHYANG": ("Myo Hyang", "Myohyang", "묘향"),
    "CHANGGWANG": ("Chang Gwang", "Changgwang", "창광"),
    "SOBAEKSU": ("So Baek Su", "Sobaeksu", "소백수"),
    "GOORYONG": ("Goo Ryong", "Guryong", "구룡"),
    "DAEBONG": ("Dae Bong", "Daebong", "대봉"),
    "DAEWON": ("Dae Won", "Daewon", "대원"),
    "HAEJIN": ("Hae Jin", "Haejin", "해진"),
    "ILSIM": ("Il Sim", "Ilsim", "일심"),
    "MIRIM": ("Mi Rim", "Mirim", "미림"),
    "SONGWON": ("Song Won", "Songwon", "송원"),
    "MOOYOKBANK": ("Moo Yok Bank", "Muyeok Bank", "무역은행"),
    "CHOSON": ("Cho Son", "Joseon", "조선"),
    "CHOSUN": ("Cho Sun", "Joseon", "조선"),
}
# DPRK vessel names OFAC writes syllable by syllable, and the same Hangul in Revised Romanisation.
KOREAN_VESSELS: dict[str, tuple[str, str]] = {
    "CHONG CHON GANG": ("Cheongcheongang", "청천강"),
    "HWANG GUM SAN": ("Hwanggeumsan", "황금산"),
    "HYOK SIN": ("Hyeoksin", "혁신"),
    "JANG JA SAN CHONG NYON HO": ("Jangjasan Cheongnyeonho", "장자산청년호"),
    "O UN CHONG NYON HO": ("Oun Cheongnyeonho", "오운청년호"),
    "JON JIN": ("Jeonjin", "전진"),
    "DOK CHON": ("Deokcheon", "덕천"),
    "PO THONG GANG": ("Botonggang", "보통강"),
    "PI RUY GANG": ("Biryugang", "비류강"),
    "KUM SONG": ("Geumseong", "금성"),
    "KUM UN SAN": ("Geumunsan", "금운산"),
    "RYE SONG GANG": ("Ryeseonggang", "례성강"),
    "YU SONG": ("Yuseong", "유성"),
    "CHON MA SAN": ("Cheonmasan", "천마산"),
    "CHON MYONG": ("Cheonmyeong", "천명"),
    "RUNG RA DO": ("Reungrado", "릉라도"),
    "RUNG RA": ("Reungra", "릉라"),
    "JI SONG": ("Jiseong", "지성"),
    "KANG SONG": ("Gangseong", "강성"),
    "YU PHYONG": ("Yupyeong", "유평"),
    "TONG HUNG": ("Dongheung", "동흥"),
    "DAI HONG DAN": ("Daeheungdan", "대흥단"),
    "PHO THAE": ("Potae", "포태"),
    "BAEK MA KANG": ("Baengmagang", "백마강"),
}


@lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """Every pinyin syllable (pypinyin's readings of the CJK Unified Ideographs)."""
    from pypinyin import lazy_pinyin

    chars = "".join(chr(c) for c in range(0x4E00, 0x9FA6))
    return frozenset(s for s in lazy_pinyin(chars, errors="ignore") if s.isascii() and s.isalpha())


def pinyin_split(word: str) -> list[str] | None:
    """A Latin word as its pinyin syllables when it reads as exactly one run of two or more of them (fewest
    syllables, each of two letters or more); None otherwise."""
    w = word.lower()
    syl = pinyin_syllables()
    n = len(w)
    best: list[list[str] | None] = [[]] + [None] * n
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(i + 2, min(n, i + 6) + 1):
            if w[i:j] in syl:
                cand = [*best[i], w[i:j]]  # type: ignore[misc]
                if best[j] is None or len(cand) < len(best[j]):  # type: ignore[arg-type]
                    best[j] = cand
    found = best[n]
    return found if found is not None and len(found) >= 2 else None


# --- typos -------------------------------------------------------------------------------------------------

KEYBOARD = {
    "a": "sqz", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj", "i": "uo",
    "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o", "q": "w", "r": "et",
    "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "x": "zc", "y": "tu", "z": "x",
}  # fmt: skip


def typo(word: str, rng: random.Random) -> tuple[str, str]:
    """One slip inside a word (never its first letter): a letter dropped, doubled, swapped with the next, or
    hit on a neighbouring key."""
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(("drop", "double", "swap", "key"))
    ch = word[i]
    if op == "drop":
        return word[:i] + word[i + 1 :], f"'{ch}' dropped"
    if op == "double":
        return word[:i] + ch + word[i:], f"'{ch}' doubled"
    if op == "swap" and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :], f"'{word[i : i + 2]}' swapped"
    near = KEYBOARD.get(ch.lower(), "")
    if not near:
        return word[:i] + word[i + 1 :], f"'{ch}' dropped"
    sub = rng.choice(near)
    sub = sub.upper() if ch.isupper() else sub
    return word[:i] + sub + word[i + 1 :], f"'{ch}' typed '{sub}'"


def valid_imo(six: str) -> str:
    """Seven digits: six and their IMO check digit."""
    return six + str(sum(int(d) * w for d, w in zip(six, range(7, 1, -1), strict=True)) % 10)


def imo_is_valid(number: str) -> bool:
    return len(number) == 7 and number.isdigit() and valid_imo(number[:6]) == number


# --- generators: organisations, same entity ----------------------------------------------------------------

Pairs = list[dict[str, str]]

# Listed bodies that never appear as a supplier (ministries, armed groups, prisons ...): no variants of them.
NOT_A_SUPPLIER = re.compile(
    r"\b(MINISTRY|BUREAU|COMMISSION|DEPARTMENT|ARMY|FORCES?|PARTY|COMMITTEE|PRISON|PENITENTIARY|GOVERNMENT|"
    r"COMMAND|GUARDS?|BRIGADES?|MOVEMENT|FRONT|MILITIA|ADMINISTRATION|MILITARY|PRISONS|TROOPS|CENTRAL BANK|ISLAMIC STATE|JIHAD|QA'?IDA|TALIBAN|HIZBALLAH|HAMAS|"
    r"DIVISION|REGIMENT|BATTALION|POLICE|SECURITY|INTELLIGENCE|REPUBLIC|COURT|MOSQUE|CHARIT\w*|FOUNDATION|"
    r"RELIEF|SOCIETY|EMIRATE|CARTEL|MUJAHID\w*|ASSEMBLY|COUNCIL|CORPS|UNIT|OFFICE|MARTYRS?|PEOPLE'?S|"
    r"REVOLUTIONARY|STATE|NATIONAL DEFENSE|GROUP \d+|APT ?\d+|LAZARUS|BLUENOROFF|ANDARIEL|\d{3,})\b"
)
# Words that make a name a business name, to which a supplier may add a legal form.
BUSINESS = re.compile(
    r"\b(TRADING|TRADE|SHIPPING|SHPG|INDUSTR\w*|CONSTRUCTION|ELECTRONICS?|BANK|MARITIME|MARINE|TECHNOLOG\w*|"
    r"MANAGEMENT|INTERNATIONAL|GROUP|HOLDINGS?|ENTERPRISES?|LOGISTICS|ENERGY|PETRO\w*|STEEL|MINING|METALS?|"
    r"CHEMICALS?|EXCHANGE|INVESTMENTS?|IMPORT|EXPORT|AGENCY|SERVICES?|DEVELOPMENT|FREIGHT|FORWARDING)\b"
)
LEGAL_TAIL = re.compile(
    r"\b(S\.?A\.?L|S\.?A\.?C|S\.?C\.?S|OOD|EOOD|EAD|DMCC|KFT|D\.?O\.?O|A\.?S|SPA|SRL|S\.?R\.?L|BV|NV|AG|PLC|PTY|"
    r"LLP|LP|CC|JVC?|PJS|SAS|SARL|GMBH|KG|LTDA|OY|AB|AS|SE|FZE|FZCO|FZ-LLC|OOO|OAO|ZAO|PAO|AO|JSC|PJSC|OJSC|CJSC|"
    r"LLC|L\.L\.C|INC|CORP|CO|LTD|LIMITED|COMPANY|CORPORATION|PTE|BHD|S\.?A|DE C\.?V|SAPI)\.?$",
    re.IGNORECASE,
)


TERROR_PROGRAMS = frozenset({"SDGT", "FTO", "IRGC", "IFSR", "SDT"})


def supplier_like(entry: ListEntry) -> bool:
    """A name a supplier could have: not a public body or armed group, and on a terrorism programme only with
    a business word in its name."""
    name = entry.name.upper()
    if NOT_A_SUPPLIER.search(name):
        return False
    return not (entry.programs and set(entry.programs) <= TERROR_PROGRAMS and not BUSINESS.search(name))


def _orgs(entries: Sequence[ListEntry]) -> list[ListEntry]:
    return [
        e
        for e in entries
        if e.type == "organization" and e.ref.startswith("ofac:") and distinctive(e.name) and supplier_like(e)
    ]


def _pool(entries: Sequence[ListEntry], dprk_share: float, n: int, rng: random.Random) -> list[ListEntry]:
    """n organisations, about dprk_share of them on a DPRK programme or in the DPRK, the rest any other."""
    orgs = _orgs(entries)
    dprk = [e for e in orgs if e.dprk]
    other = [e for e in orgs if not e.dprk]
    k = min(len(dprk), round(n * dprk_share))
    return sample(rng, dprk, k) + sample(rng, other, n - k)


def form_variants(name: str) -> list[tuple[str, str]]:
    """``legal_form_variants``, with a legal form added only to a business name that has none."""
    out = legal_form_variants(name)
    added = bool(out) and out[0][1].startswith("legal form") and out[0][1].endswith("added")
    if added and (LEGAL_TAIL.search(name.strip()) or not BUSINESS.search(name.upper())):
        return []
    return [(v, why) for v, why in out if any(w.isalpha() and len(w) > 1 for w in words(v))]


def gen_legal_form(entries: Sequence[ListEntry]) -> Pairs:
    rng = rng_for("legal_form")
    out: Pairs = []
    for e in _pool(entries, 0.5, 110, rng):
        options = [(v, why) for v, why in form_variants(e.name) if not is_alias(v, e)]
        if not options or len(out) >= 80:
            continue
        variant, why = rng.choice(options)
        variant = title(variant) if rng.random() < 0.7 else variant
        out.append(pair("legal_form", 1, variant, e, why, query_country=country_form(rng, e.countries)))
    return out


PLACE_PREFIX = re.compile(
    r"^(KOREA|KOREAN|DANDONG|DALIAN|BEIJING|SHANGHAI|SHENZHEN|GUANGZHOU|TIANJIN|QINGDAO|HONG KONG|LIAONING|"
    r"YANBIAN|WEIHAI|SHENYANG|ZHUHAI|XIAMEN|NINGBO|DUBAI|TEHRAN|MOSCOW|PYONGYANG)\s+(.+)$"
)


def word_order_variants(name: str) -> list[tuple[str, str]]:
    out = []
    m = PLACE_PREFIX.match(name)
    if m and distinctive(m.group(2)):
        place, rest = title(m.group(1)), title(m.group(2))
        out += [
            (f"{rest} ({place})", "place moved to the end"),
            (f"{rest}, {place}", "place moved after a comma"),
        ]
        first, *others = rest.split(" ", 1)
        if others and place == "Korea":
            out.append((f"{first} {place} {others[0]}", "Korea moved after the first word"))
    m = re.match(r"^(BANK|CENTRAL BANK) OF (THE )?([A-Z'-]+)$", name)
    if m:
        out.append(
            (
                f"{title(m.group(3))} {title(m.group(1))}",
                f"'{m.group(1).title()} of X' written 'X {m.group(1).title()}'",
            )
        )
    m = re.match(r"^([A-Z'-]+) BANK$", name)
    if m and m.group(1) not in GENERIC:
        out.append((f"Bank of {title(m.group(1))}", "'X Bank' written 'Bank of X'"))
    m = re.match(r"^(.+?),\s*(OOO|OAO|PAO|AO|ZAO|LLC|JSC|PJSC|OJSC)$", name)
    if m:
        out.append((f"{m.group(2)} {title(m.group(1))}", "legal form moved before the name"))
    m = re.match(r"^(OOO|OAO|PAO|AO|ZAO|JSC|PJSC|OJSC|LLC)\s+(.+)$", name)
    if m:
        out.append((f"{title(m.group(2))} {m.group(1)}", "legal form moved after the name"))
    return out


def gen_word_order(entries: Sequence[ListEntry]) -> Pairs:
    rng = rng_for("word_order")
    out = []
    orgs = [e for e in _orgs(entries) if word_order_variants(e.name)]
    dprk = [e for e in orgs if e.dprk]
    for e in sample(rng, dprk, 25) + sample(rng, [e for e in orgs if not e.dprk], 35):
        options = [(v, why) for v, why in word_order_variants(e.name) if not is_alias(v, e)]
        if options:
            variant, why = rng.choice(options)
            out.append(pair("word_order", 1, variant, e, why, query_country=country_form(rng, e.countries)))
    return out


def gen_punct_case(entries: Sequence[ListEntry]) -> Pairs:
    rng = rng_for("punct_case")
    out = []
    ways: list[tuple[str, Callable[[str], str]]] = [
        ("lower case", str.lower),
        ("punctuation dropped", lambda s: re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", s)).strip()),
        (
            "title case, a full stop after each short word",
            lambda s: re.sub(r"\b([A-Za-z]{2,3})\b(?!\.)", r"\1.", title(s)),
        ),
        ("quotes around the name", lambda s: '"' + title(s) + '"'),
        ("hyphen between the first two words", lambda s: re.sub(r"^(\S+) (\S+)", r"\1-\2", title(s))),
        ("doubled and stray spaces", lambda s: re.sub(r"\s", "  ", title(s)).replace(",", " ,")),
        ("slash between the first two words", lambda s: re.sub(r"^(\S+) (\S+)", r"\1/\2", s)),
    ]
    for e in _pool(entries, 0.4, 50, rng):
        why, fn = rng.choice(ways)
        variant = fn(e.name)
        if variant != e.name and variant not in e.aliases:
            out.append(pair("punct_case", 1, variant, e, why, query_country=country_form(rng, e.countries)))
    return out


def gen_typo(entries: Sequence[ListEntry]) -> Pairs:
    rng = rng_for("typo")
    out = []
    for e in _pool(entries, 0.5, 100, rng):
        long = [w for w in words(e.name) if len(w) >= 6 and w.lower() in distinctive(e.name) and w.isalpha()]
        if not long:
            continue
        w = max(long, key=len)
        new, why = typo(w, rng)
        variant = e.name.replace(w, new, 1)
        variant = title(variant) if rng.random() < 0.6 else variant
        if is_alias(variant, e):
            continue
        out.append(
            pair("typo", 1, variant, e, f"{w.title()}: {why}", query_country=country_form(rng, e.countries))
        )
    return out


def gen_abbreviation(entries: Sequence[ListEntry]) -> Pairs:
    rng = rng_for("abbreviation")
    out = []
    orgs = [e for e in _orgs(entries) if any(w in ABBREVIATIONS for w in e.name.split())]
    for e in sample(rng, orgs, 45):
        toks = e.name.split()
        hits = [i for i, w in enumerate(toks) if w in ABBREVIATIONS]
        chosen = rng.sample(hits, min(len(hits), rng.choice((1, 2))))
        changed = []
        for i in sorted(chosen):
            new = rng.choice(ABBREVIATIONS[toks[i]])
            changed.append(f"{toks[i].title()} as {new}")
            toks[i] = new
        variant = title(" ".join(toks))
        if not is_alias(variant, e):
            out.append(
                pair(
                    "abbreviation",
                    1,
                    variant,
                    e,
                    "; ".join(changed),
                    query_country=country_form(rng, e.countries),
                )
            )
    return out


def gen_alias(entries: Sequence[ListEntry]) -> Pairs:
    """The query is one of the entry's aliases, written as a supplier would; the list entry carries all its
    aliases."""
    rng = rng_for("alias")
    out = []
    orgs = [
        e
        for e in _orgs(entries)
        if any(spaced(a) != spaced(e.name) and distinctive(a) for a in e.aliases) and len(e.aliases) <= 25
    ]
    dprk = [e for e in orgs if e.dprk]
    for e in sample(rng, dprk, 25) + sample(rng, [e for e in orgs if not e.dprk], 35):
        alias = rng.choice([a for a in e.aliases if distinctive(a) and spaced(a) != spaced(e.name)])
        options = [v for v, _ in form_variants(alias)]
        variant = title(rng.choice([alias, *options]))
        out.append(
            pair(
                "alias",
                1,
                variant,
                e,
                f"the entry's alias {alias}",
                query_country=country_form(rng, e.countries),
            )
        )
    return out


def _korean_words(name: str) -> list[str]:
    return [w for w in re.findall(r"[A-Z']+", name.upper()) if w.replace("'", "") in KOREAN]


def gen_korean(entries: Sequence[ListEntry]) -> Pairs:
    """DPRK names in Revised Romanisation instead of McCune-Reischauer, and with their syllables written
    apart."""
    rng = rng_for("korean")
    out = []
    orgs = [e for e in _orgs(entries) if e.dprk and _korean_words(e.name)]
    for e in sorted(orgs, key=lambda x: x.ref):
        found = _korean_words(e.name)
        rr, apart, notes_rr, notes_apart = e.name, e.name, [], []
        for w in found:
            syllables, revised, hangul = KOREAN[w.replace("'", "")]
            if revised.upper() != w.replace("'", ""):
                rr = re.sub(rf"\b{re.escape(w)}\b", revised.upper(), rr)
                notes_rr.append(f"{w.title()} = {revised} ({hangul})")
            if " " in syllables:
                apart = re.sub(rf"\b{re.escape(w)}\b", syllables.upper(), apart)
                notes_apart.append(f"{w.title()} = {syllables}")
        qc = country_form(rng, e.countries)
        if notes_rr:
            variant = title(rng.choice([rr, *(v for v, _ in form_variants(rr))]))
            if not is_alias(variant, e):
                out.append(
                    pair(
                        "korean_romanisation",
                        1,
                        variant,
                        e,
                        "Revised Romanisation: " + "; ".join(notes_rr),
                        query_country=qc,
                    )
                )
        if notes_apart:
            variant = title(apart)
            if not is_alias(variant, e):
                out.append(
                    pair(
                        "korean_syllables",
                        1,
                        variant,
                        e,
                        "syllables apart: " + "; ".join(notes_apart),
                        query_country=qc,
                    )
                )
    return out


def _english(word: str) -> bool:
    from wordfreq import zipf_frequency

    return zipf_frequency(word.lower(), "en") >= 2.5


def gen_pinyin(entries: Sequence[ListEntry]) -> Pairs:
    """Mainland Chinese company names with a pinyin word split into its syllables ('Hongxiang' = 'Hong
    Xiang'), or every pinyin word split."""
    rng = rng_for("pinyin")
    out: Pairs = []
    chinese = [e for e in _orgs(entries) if e.countries and set(e.countries) <= {"China"}]
    for e in sample(rng, chinese, len(chinese)):
        toks = e.name.split()
        split_at = [
            (i, s)
            for i, t in enumerate(toks)
            if t.isalpha() and t.lower() not in GENERIC and not _english(t) and (s := pinyin_split(t))
        ]
        if not split_at or len(out) >= 50:
            continue
        chosen = split_at if rng.random() < 0.4 else [rng.choice(split_at)]
        new = list(toks)
        for i, syllables in chosen:
            new[i] = " ".join(x.upper() for x in syllables)
        variant = title(" ".join(new))
        note = "pinyin syllables apart: " + ", ".join(f"{toks[i].title()} = {' '.join(x)}" for i, x in chosen)
        if not is_alias(variant, e):
            out.append(
                pair("pinyin_spacing", 1, variant, e, note, query_country=country_form(rng, e.countries))
            )
    return out


def gen_country_spelling(entries: Sequence[ListEntry]) -> Pairs:
    """Same entity, its country written differently by the sheet than by the list (another script, an
    official long form, a code)."""
    rng = rng_for("country_spelling")
    out = []
    for listed, spellings in sorted(COUNTRY_OTHER_SPELLING.items()):
        orgs = [e for e in _orgs(entries) if e.countries and e.countries[0] == listed]
        for e in sample(rng, orgs, 6 if listed in ("Korea, North", "China", "Russia") else 3):
            country = rng.choice(spellings)
            variant = title(e.name) if rng.random() < 0.5 else e.name
            out.append(
                pair(
                    "country_spelling",
                    1,
                    variant,
                    e,
                    f"listed in {listed}; the sheet writes {country}",
                    query_country=country,
                )
            )
    return out


# --- generators: organisations, other entity -----------------------------------------------------------------

CITIES = (
    "DANDONG", "DALIAN", "BEIJING", "SHANGHAI", "SHENZHEN", "GUANGZHOU", "HONG KONG", "TIANJIN", "QINGDAO",
    "NINGBO", "WEIHAI", "LIAONING", "YANBIAN", "ZHUHAI", "TEHRAN", "DAMASCUS", "MOSCOW", "DUBAI", "PYONGYANG",
    "RASON", "BEIRUT", "CARACAS", "SINALOA", "MEDELLIN", "CALI",
)  # fmt: skip
TWIN_WORDS = frozenset(
    """trading trade holding holdings energy international group shipping investment investments development
    industrial industries industry technology technologies global general petroleum marine maritime logistics
    construction bank exchange services import export commercial engineering management""".split()
)


def _linked(a: ListEntry, b: ListEntry) -> bool:
    """One entry names the other (an alias in common, or 'Linked To' the other's name)."""
    names_a = {spaced(n) for n in (a.name, *a.aliases)}
    names_b = {spaced(n) for n in (b.name, *b.aliases)}
    if names_a & names_b:
        return True
    ra, rb = spaced(a.remarks), spaced(b.remarks)
    return any(n and n in rb for n in names_a if len(n) > 5) or any(
        n and n in ra for n in names_b if len(n) > 5
    )


def _distinct_words(entry: ListEntry) -> set[str]:
    return {w for n in (entry.name, *entry.aliases) for w in distinctive(n)}


def _query_of(entry: ListEntry, rng: random.Random) -> tuple[str, str]:
    """An entry's name as a supplier sheet writes it, and its country."""
    name = entry.name
    if rng.random() < 0.4 and "," not in name:
        options = form_variants(name)
        if options:
            name = rng.choice(options)[0]
    return (title(name) if rng.random() < 0.6 else name), country_form(rng, entry.countries, blank=0.5)


def gen_other_entities(entries: Sequence[ListEntry]) -> Pairs:
    """Two different listed organisations: in the same city, sharing only generic words, or one or two
    letters apart. The query is the first written as a supplier would; the second is the candidate."""
    from rapidfuzz import fuzz

    rng = rng_for("other_entities")
    orgs = sorted(_orgs(entries), key=lambda e: e.ref)
    words_of = {e.ref: _distinct_words(e) for e in orgs}
    out: Pairs = []
    used: set[str] = set()

    def add(category: str, a: ListEntry, b: ListEntry, why: str) -> None:
        query, country = _query_of(a, rng)
        used.update((a.ref, b.ref))
        out.append(pair(category, 0, query, b, why, query_country=country, source=f"(query {a.ref})"))

    # the same city: a city's name leads both, nothing else in common
    by_city: dict[str, list[ListEntry]] = defaultdict(list)
    for e in orgs:
        for city in CITIES:
            if e.name.startswith(city + " "):
                by_city[city].append(e)
    city_pairs = []
    for city, group in sorted(by_city.items()):
        found = [
            (a, b)
            for i, a in enumerate(group)
            for b in group[i + 1 :]
            if not (words_of[a.ref] & words_of[b.ref]) and not _linked(a, b)
        ]
        rng.shuffle(found)
        city_pairs += found[: 12 if city in ("DANDONG", "DALIAN", "BEIJING", "SHANGHAI") else 5]
    for a, b in city_pairs[:70]:
        if rng.random() < 0.5:
            a, b = b, a
        add(
            "same_city",
            a,
            b,
            "two listed companies of the same city; nothing but the city and generic words in common",
        )

    # generic-word twins: a generic word in common, the distinctive words far apart
    twins = []
    index: dict[str, list[ListEntry]] = defaultdict(list)
    for e in orgs:
        for w in {x.lower() for x in words(e.name)} & TWIN_WORDS:
            index[w].append(e)
    for w, group in sorted(index.items()):
        sub = sample(rng, group, 120)
        for i, a in enumerate(sub):
            for b in sub[i + 1 :]:
                da, db = " ".join(sorted(distinctive(a.name))), " ".join(sorted(distinctive(b.name)))
                if not da or not db or words_of[a.ref] & words_of[b.ref] or fuzz.ratio(da, db) >= 60:
                    continue
                score = fuzz.token_set_ratio(a.name, b.name)
                if score >= 60 and not _linked(a, b):
                    twins.append((score, w, a, b))
    twins.sort(key=lambda t: (-t[0], t[2].ref, t[3].ref))
    taken = 0
    for _score, w, a, b in twins:
        if a.ref in used or b.ref in used or taken >= 80:
            continue
        add(
            "generic_twin", a, b, f"two listed companies sharing only generic words ({w}); different entities"
        )
        taken += 1

    # near misses: the distinctive words a letter or two apart, different listed entities
    from wordfreq import zipf_frequency

    near = []
    keys = [(e, " ".join(distinctive(e.name))) for e in orgs]
    keys = [(e, k) for e, k in keys if len(k) >= 5 and all(zipf_frequency(w, "en") < 4.0 for w in k.split())]
    from rapidfuzz import process

    strings = [k for _, k in keys]
    scores = process.cdist(strings, strings, scorer=fuzz.ratio, score_cutoff=80, workers=-1)
    for i, j in zip(*scores.nonzero(), strict=True):
        if i < j and strings[i] != strings[j]:
            a, b = keys[i][0], keys[j][0]
            if not _linked(a, b) and not (words_of[a.ref] & words_of[b.ref]):
                near.append((float(scores[i, j]), a, b))
    near.sort(key=lambda t: (-t[0], t[1].ref, t[2].ref))
    taken = 0
    for score, a, b in near:
        if a.ref in used or b.ref in used or taken >= 60:
            continue
        if rng.random() < 0.5:
            a, b = b, a
        ca, cb = "".join(distinctive(a.name)), "".join(distinctive(b.name))
        if ca == cb:
            add(
                "related_entity",
                a,
                b,
                "two listed companies of one group (the same trade name), different legal entities",
            )
        else:
            add(
                "near_miss_word",
                a,
                b,
                f"two listed entities whose names are a letter or two apart ({score:.0f})",
            )
        taken += 1
    return out


def _place_word(word: str) -> bool:
    """A country, nationality or big-city word ('iran', 'syrian', 'caribbean', 'tehran')."""
    import countrynames

    w = word.lower()
    return (
        w in PLACES
        or countrynames.to_code(w) is not None
        or countrynames.to_code(re.sub(r"(ian|ean|ese|ish|an|i)$", "", w)) is not None
        or w
        in {
            "caribbean",
            "asia",
            "asian",
            "europe",
            "european",
            "africa",
            "african",
            "arab",
            "gulf",
            "persian",
            "pacific",
            "atlantic",
            "baltic",
            "balkan",
            "israel",
            "zimbabwe",
            "myanmar",
            "burma",
            "tehran",
            "yangon",
            "crimean",
            "crimea",
            "york",
            "damascus",
            "moscow",
            "dubai",
            "panama",
            "caracas",
            "havana",
        }
    )


PUBLIC_BODY = re.compile(
    r"\b(AGENCY|AUTHORITY|INSTITUTE|DIRECTORATE|ESTABLISHMENT|ASSOCIATION|UNION|ORGANIZATION|RESEARCH|PUBLIC|"
    r"GENERAL DIRECTORATE|NUCLEAR|ATOMIC|GMBH|KG)\b"
)
# Countries far from the entries' own, each with the legal form a company there writes.
LOCAL_FORM = {
    "Japan": " Co., Ltd.", "Germany": " GmbH", "Brazil": " Ltda.", "India": " Pvt. Ltd.", "Canada": " Inc.",
    "Australia": " Pty Ltd", "United States": " LLC", "France": " SAS", "Italy": " S.r.l.", "Spain": " S.L.",
    "Netherlands": " B.V.", "Poland": " Sp. z o.o.", "South Africa": " (Pty) Ltd", "United Kingdom": " Ltd",
}  # fmt: skip
FAR_COUNTRIES = tuple(LOCAL_FORM)
# Reviewed by hand and set aside: the name is not one a company elsewhere would plausibly carry.
COUNTRY_MISMATCH_SET_ASIDE = frozenset(
    f"ofac:SDN {n}"
    for n in """23904 17317 8372 19390 25947 25638 26582 11309 13147 28120 23417 13373 25434 26996 16011 25911 20252
    25623 32081 11314 15097 21332 30170 18343 28058 11913 13065 12932 25147 12387""".split()
)


def _stem(name: str) -> str:
    """A name without its legal form(s)."""
    for _ in range(2):
        dropped = next((v for v, why in legal_form_variants(name) if why.endswith("dropped")), None)
        if dropped is None or dropped == name:
            break
        name = dropped
    return re.sub(r"[,\s]+$", "", name)


def gen_country_mismatch(entries: Sequence[ListEntry]) -> Pairs:
    """The same name with a different known country: a company in South Korea is not a DPRK entity; a company
    in Japan of a common name is not the listed one in Colombia."""
    from wordfreq import zipf_frequency

    rng = rng_for("country_mismatch")
    out = []
    dprk = [e for e in _orgs(entries) if e.only_dprk]
    for e in sample(rng, dprk, 40):
        query, _ = _query_of(e, rng)
        country = rng.choice(SOUTH_KOREA)
        out.append(
            pair(
                "country_mismatch",
                0,
                query,
                e,
                f"same name, but the supplier is in South Korea ({country}); the entry is in the DPRK only",
                query_country=country,
            )
        )
    common = [
        e
        for e in _orgs(entries)
        if not e.dprk
        and len(e.countries) == 1
        and "all offices worldwide" not in e.remarks.lower()
        and not PUBLIC_BODY.search(e.name)
        and len(stem_words := [w.lower() for w in words(_stem(e.name))]) >= 2
        and all(w.isalpha() and zipf_frequency(w, "en") >= 3.5 and not _place_word(w) for w in stem_words)
    ]
    # sampled before the hand review's set-aside, so that setting one aside does not reshuffle the rest
    chosen = [e for e in sample(rng, common, 80) if e.ref not in COUNTRY_MISMATCH_SET_ASIDE][:35]
    for e in chosen:
        country = rng.choice([c for c in FAR_COUNTRIES if c not in e.countries])
        query = title(_stem(e.name)) + LOCAL_FORM[country]
        out.append(
            pair(
                "country_mismatch",
                0,
                query,
                e,
                f"a name of common words; the supplier is in {country}, the entry only in {e.countries[0]}",
                query_country=country,
            )
        )
    return out


# --- generators: people -------------------------------------------------------------------------------------


def _person_parts(name: str) -> tuple[str, str] | None:
    """'KIM, Yong Chol' -> ('KIM', 'Yong Chol')."""
    if name.count(",") != 1:
        return None
    surname, given = (x.strip() for x in name.split(","))
    return (surname, given) if surname and given else None


def _romanisation_close(a: str, b: str) -> bool:
    """Two spellings of one name that differ in how it is romanised (not a different name)."""
    from rapidfuzz import fuzz

    return spaced(a) != spaced(b) and fuzz.ratio(norm(a), norm(b)) >= 70


def gen_people(entries: Sequence[ListEntry]) -> Pairs:
    """Listed people: name order, hyphens and romanisation variants from the list's own aliases, typos (same
    person); other listed people with nearly the same name, and companies named after a listed person
    (another entity)."""
    from rapidfuzz import fuzz

    rng = rng_for("people")
    people = sorted(
        (e for e in entries if e.type == "person" and e.ref.startswith("ofac:") and _person_parts(e.name)),
        key=lambda e: e.ref,
    )
    dprk = [e for e in people if e.dprk]
    other = [e for e in people if not e.dprk]
    out: Pairs = []

    def natural(surname: str, given: str, style: int) -> str:
        s, g = surname.title(), given
        return [f"{s} {g}", f"{g} {s}", f"{s.upper()} {g}", f"{s} {g.replace(' ', '-')}", f"{g} {s.upper()}"][
            style
        ]

    for e in sample(rng, dprk, 30) + sample(rng, other, 20):
        surname, given = _person_parts(e.name)  # type: ignore[misc]
        style = rng.randrange(5)
        out.append(
            pair(
                "person_order",
                1,
                natural(surname, given, style),
                e,
                "the list's 'SURNAME, Given' written as a sheet writes a name",
                query_country=country_form(rng, e.countries, blank=0.6),
            )
        )
    # romanisation variants the list itself records, with that alias left out of the entry
    spelled = [
        (e, a)
        for e in people
        for a in e.aliases
        if (pa := _person_parts(a))
        and (pe := _person_parts(e.name))
        and spaced(pa[0]) == spaced(pe[0])
        and len(spaced(pa[1]).split()) == len(spaced(pe[1]).split())
        and spaced(pa[1]).replace(" ", "") != spaced(pe[1]).replace(" ", "")
        and fuzz.ratio(spaced(pa[1]), spaced(pe[1])) >= 70
    ]
    rng.shuffle(spelled)
    seen: set[str] = set()
    for e, a in spelled:
        if e.ref in seen or len(seen) >= 35:
            continue
        seen.add(e.ref)
        surname, given = _person_parts(a)  # type: ignore[misc]
        query = natural(surname, given, rng.randrange(5))
        out.append(
            pair(
                "person_spelling",
                1,
                query,
                e,
                f"another form of the given name the list records ({a}); that alias left out of the entry",
                drop_aliases=[a],
            )
        )
    for e in sample(rng, dprk, 15) + sample(rng, other, 15):
        surname, given = _person_parts(e.name)  # type: ignore[misc]
        long = max(given.split(), key=len)
        if len(long) < (4 if e.dprk else 5):
            continue
        # in a Korean given name a dropped or changed letter makes another name (Kwang, Kang): swap only
        new, why = (
            typo(long, rng)
            if not e.dprk
            else (long[0] + long[2] + long[1] + long[3:], f"'{long[1:3]}' swapped")
        )
        if new.lower() == long.lower():
            continue
        query = natural(surname, given.replace(long, new, 1), rng.randrange(5))
        if not is_alias(query, e):
            out.append(pair("person_typo", 1, query, e, f"{long}: {why}"))
    # other listed people: same surname, given names a letter or two apart
    by_surname: dict[str, list[ListEntry]] = defaultdict(list)
    for e in people:
        by_surname[spaced(_person_parts(e.name)[0])].append(e)  # type: ignore[index]
    near = []
    for group in by_surname.values():
        for i, first in enumerate(group):
            for second in group[i + 1 :]:
                ga, gb = spaced(_person_parts(first.name)[1]), spaced(_person_parts(second.name)[1])  # type: ignore[index]
                if ga != gb and fuzz.ratio(ga, gb) >= 70 and not _linked(first, second):
                    near.append((first, second))
    rng.shuffle(near)
    per_surname: Counter[str] = Counter()
    kept = []
    for first, second in near:
        key = spaced(_person_parts(first.name)[0])  # type: ignore[index]
        if per_surname[key] < (6 if key in ("kim", "ri", "pak", "jo", "choe") else 2):
            per_surname[key] += 1
            kept.append((first, second))
    for first, second in kept[:45]:
        surname, given = _person_parts(first.name)  # type: ignore[misc]
        out.append(
            pair(
                "person_other",
                0,
                natural(surname, given, rng.randrange(5)),
                second,
                f"another listed person ({first.name}, {first.ref})",
                source=f"(query {first.ref})",
            )
        )
    # a company named after a listed person is not that person
    business = (
        "Trading Co., Ltd.",
        "Construction LLC",
        "Seafood Co., Ltd.",
        "Logistics OOO",
        "Textiles",
        "Fishing Corp.",
        "Import Export Co.",
    )
    for e in sample(rng, dprk, 20) + sample(rng, other, 10):
        surname, given = _person_parts(e.name)  # type: ignore[misc]
        query = f"{surname.title()} {given} {rng.choice(business)}"
        out.append(
            pair(
                "person_vs_org",
                0,
                query,
                e,
                "a company that carries a listed person's name is another entity",
            )
        )
    return out


# --- generators: vessels -----------------------------------------------------------------------------------


def _random_imo(rng: random.Random, avoid: set[str]) -> str:
    while True:
        number = valid_imo(str(rng.randrange(900000, 980000)))
        if number not in avoid:
            return number


def _bad_check(number: str) -> str:
    """The same IMO number with a wrong check digit."""
    return number[:6] + str((int(number[6]) + 3) % 10)


def gen_vessels(entries: Sequence[ListEntry]) -> Pairs:
    rng = rng_for("vessels")
    vessels = sorted(
        (e for e in entries if e.type == "vessel" and e.imo and e.ref.startswith("ofac:")),
        key=lambda e: e.ref,
    )
    listed_imo = {n for e in vessels for n in e.imo}
    dprk = [e for e in vessels if e.dprk]
    other = [e for e in vessels if not e.dprk]
    out: Pairs = []

    def mix(n_dprk: int, n_other: int) -> list[ListEntry]:
        return sample(rng, dprk, n_dprk) + sample(rng, other, n_other)

    for e in mix(10, 10):  # the IMO number alone, in the vessel column or in the notes
        imo = e.imo[0]
        if rng.random() < 0.7:
            out.append(
                pair(
                    "vessel_imo",
                    1,
                    rng.choice((f"IMO {imo}", f"IMO{imo}", f"IMO No. {imo}")),
                    e,
                    "the vessel's IMO number alone",
                )
            )
        else:
            out.append(
                pair(
                    "vessel_imo",
                    1,
                    f"Carrier vessel IMO {imo}",
                    e,
                    "the IMO number in the notes",
                    query_field="notes",
                )
            )
    renamed = [e for e in vessels if e.aliases]
    for e in sample(rng, renamed, 20):  # another name of the hull, with its IMO number
        alias = rng.choice(e.aliases)
        out.append(
            pair(
                "vessel_renamed",
                1,
                f"{title(alias)} (IMO {e.imo[0]})",
                e,
                f"another name of the vessel ({alias}), same IMO number; that name left out of the entry",
                drop_aliases=[alias],
            )
        )
    for e in mix(12, 12):  # same name, a different IMO number: another ship
        other_imo = _random_imo(rng, listed_imo)
        out.append(
            pair(
                "vessel_imo_conflict",
                0,
                f"{title(e.name)} IMO {other_imo}",
                e,
                f"same name, different valid IMO number ({other_imo} vs {e.imo[0]}): another hull",
            )
        )
    for e in mix(10, 8):  # the same IMO number with a wrong check digit, written so on both sides
        bad = _bad_check(e.imo[0])
        query = rng.choice((f"IMO {bad}", f"{title(e.name)} IMO {bad}"))
        out.append(
            pair(
                "vessel_imo_check_digit",
                1,
                query,
                e,
                f"IMO {bad} fails the check digit but is written so on the list too",
                candidate_ids=f"IMO {bad}",
            )
        )
    numbered = [e for e in vessels if re.search(r"\s\d+$", e.name)]
    for e in sample(rng, numbered, 30):  # hull numbers glued, hyphenated, with No.
        base, num = re.match(r"^(.*\S)\s+(\d+)$", e.name).groups()  # type: ignore[union-attr]
        glued = base.replace(" ", "")
        variants = [
            (f"{title(glued)}{num}", "name and hull number run together"),
            (f"{glued.upper()} {num}", "name's words run together"),
            (f"{title(base)}-{num}", "hyphen before the hull number"),
            (f"{title(base)} No.{num}", "No. before the hull number"),
            (f"{title(base)} {int(num):02d}", "hull number with a leading zero"),
        ]
        variant, why = rng.choice([v for v in variants if spaced(v[0]) != spaced(e.name)] or variants)
        out.append(pair("vessel_spacing", 1, variant, e, why))
    for e in sample(rng, numbered, 25):  # another hull number of the same name
        base, num = re.match(r"^(.*\S)\s+(\d+)$", e.name).groups()  # type: ignore[union-attr]
        other_num = str(int(num) + rng.choice((1, 2, 3, 10)))
        out.append(
            pair(
                "vessel_number",
                0,
                f"{title(base)} {other_num}",
                e,
                f"hull number {other_num}, the entry is {num}: another vessel of the series",
            )
        )
    apart = [e for e in dprk if any(e.name.startswith(k) for k in KOREAN_VESSELS)]
    for e in sorted(apart, key=lambda x: x.ref):  # DPRK names OFAC writes apart: run together, and in RR
        key = max((k for k in KOREAN_VESSELS if e.name.startswith(k)), key=len)
        rest = e.name[len(key) :].strip()
        revised, hangul = KOREAN_VESSELS[key]
        glued = title(key.replace(" ", "")) + (f" {rest}" if rest else "")
        out.append(pair("vessel_spacing", 1, glued, e, "syllables run together"))
        out.append(
            pair(
                "vessel_romanisation",
                1,
                revised + (f" {rest}" if rest else ""),
                e,
                f"Revised Romanisation of {hangul}",
            )
        )
    for e in sample(rng, vessels, 15):  # MV, M/V, MT
        prefix = rng.choice(("MV", "M/V", "M.V.", "MT", "M/T"))
        out.append(pair("vessel_prefix", 1, f"{prefix} {title(e.name)}", e, f"{prefix} before the name"))
    # two listed vessels with close names and different IMO numbers
    from rapidfuzz import fuzz

    close = [
        (a, b)
        for i, a in enumerate(vessels)
        for b in vessels[i + 1 :]
        if fuzz.ratio(a.name, b.name) >= 75
        and spaced(a.name) != spaced(b.name)
        and set(a.imo).isdisjoint(b.imo)
    ]
    rng.shuffle(close)
    per_series: Counter[str] = Counter()
    kept = []
    for a, b in close:
        series = a.name.split()[0]
        if per_series[series] < 3:
            per_series[series] += 1
            kept.append((a, b))
    for a, b in kept[:20]:
        out.append(
            pair(
                "vessel_other",
                0,
                title(a.name),
                b,
                f"another listed vessel ({a.name}, IMO {a.imo[0]})",
                source=f"(query {a.ref})",
            )
        )
    return out


# --- generators: aircraft ---------------------------------------------------------------------------------


def gen_aircraft(entries: Sequence[ListEntry]) -> Pairs:
    rng = rng_for("aircraft")
    planes = sorted(
        (e for e in entries if e.type == "aircraft" and re.fullmatch(r"[A-Z0-9]{1,2}-[A-Z0-9]{3,5}", e.name)),
        key=lambda e: e.ref,
    )
    tails = {e.name: e for e in planes}
    out: Pairs = []
    dprk = [e for e in planes if e.dprk]
    for e in sample(rng, dprk, 8) + sample(rng, [e for e in planes if not e.dprk], 22):
        model = re.search(r"Aircraft Model ([^;]+)", e.remarks)
        prefix, suffix = e.name.split("-")
        variants = [
            (f"{prefix} {suffix}", "space for the hyphen"),
            (f"{prefix}{suffix}", "hyphen dropped"),
            (f"Reg. {e.name}", "'Reg.' before the registration"),
        ]
        if model:
            variants.append(
                (f"{e.name} ({model.group(1).strip()})", "the aircraft model after the registration")
            )
        variant, why = rng.choice(variants)
        out.append(pair("aircraft_registration", 1, variant, e, why))
    one_apart = [
        (a, b)
        for a in planes
        for b in planes
        if a.ref < b.ref
        and len(a.name) == len(b.name)
        and sum(x != y for x, y in zip(a.name, b.name, strict=True)) == 1
    ]
    rng.shuffle(one_apart)
    for a, b in one_apart[:20]:
        out.append(
            pair(
                "aircraft_other",
                0,
                a.name,
                b,
                f"another listed aircraft ({a.name})",
                source=f"(query {a.ref})",
            )
        )
    business = ("Co., Ltd.", "Limited", "Logistics", "Trading LLC", "Industries")
    lettered = [e for e in planes if re.fullmatch(r"[A-Z]{2}-[A-Z]{3}", e.name)]
    for e in sample(rng, lettered, 15):
        letters = e.name.split("-")[1]
        out.append(
            pair(
                "aircraft_vs_org",
                0,
                f"{letters} {rng.choice(business)}",
                e,
                f"a company abbreviated {letters}; the entry is the aircraft {e.name}",
            )
        )
    assert tails
    return out


# --- generators: OpenSanctions -------------------------------------------------------------------------------


def _script(text: str) -> str:
    if re.search(r"[\u0400-\u04ff]", text):
        return "cyrillic"
    if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text):
        return "cjk"
    return "latin"


def gen_opensanctions(entries: Sequence[ListEntry]) -> Pairs:
    """Companies and people of the OpenSanctions file: a name in another script or language than the entry's
    caption, with that name (and its spellings) left out of the entry; other people of the same surname."""
    rng = rng_for("opensanctions")
    ftm = sorted((e for e in entries if e.ref.startswith("opensanctions:")), key=lambda e: e.ref)
    out: Pairs = []
    for e in ftm:
        caption_script = _script(e.name)
        others = list(
            dict.fromkeys(a for a in e.aliases if _script(a) not in (caption_script, "cjk") and len(a) > 4)
        )
        rng.shuffle(others)
        kind = "cyrillic" if e.type == "organization" else "person_translit"
        for a in others[:3]:
            same = [x for x in e.aliases if _script(x) == _script(a)]  # every name in the query's script
            out.append(
                pair(
                    kind,
                    1,
                    a,
                    e,
                    f"the entry's name in {_script(a)} script left out: only other scripts match",
                    drop_aliases=same,
                )
            )
    people = [e for e in ftm if e.type == "person"]
    for one in people:
        for other in people:
            if one.ref == other.ref:
                continue
            surnames = {w for n in (one.name, *one.aliases) for w in words(n.upper())} & {
                w for n in (other.name, *other.aliases) for w in words(n.upper())
            }
            if surnames:
                query = rng.choice([n for n in (one.name, *one.aliases) if _script(n) != "cjk"])
                out.append(
                    pair(
                        "person_other",
                        0,
                        query,
                        other,
                        f"another listed person ({one.name}) sharing a name ({', '.join(sorted(surnames)[:2])})",
                        source=f"(query {one.ref})",
                    )
                )
    return out


# --- the file ----------------------------------------------------------------------------------------------

GENERATORS: tuple[Callable[[Sequence[ListEntry]], Pairs], ...] = (
    gen_legal_form,
    gen_word_order,
    gen_punct_case,
    gen_typo,
    gen_abbreviation,
    gen_alias,
    gen_korean,
    gen_pinyin,
    gen_country_spelling,
    gen_other_entities,
    gen_country_mismatch,
    gen_people,
    gen_vessels,
    gen_aircraft,
    gen_opensanctions,
)


def read_hand(path: Path = HAND) -> Pairs:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != HAND_COLUMNS:
            raise ValueError(f"{path}: columns {reader.fieldnames}, expected {HAND_COLUMNS}")
        return [dict(row) for row in reader]


def pair_id(row: Mapping[str, str]) -> str:
    """A stable id from what the pair is: the same pair always gets the same id."""
    key = "\x1f".join(
        row[c]
        for c in (
            "kind",
            "query",
            "query_field",
            "query_country",
            "candidate",
            "candidate_aliases",
            "candidate_country",
            "candidate_ids",
        )
    )
    return "p" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]


def entity(row: Mapping[str, str]) -> str:
    """The list entity a pair's candidate is: its list reference, else its name. Pairs of one entity go to
    the same split, so that nothing learnt about a name on dev is tested again on test."""
    m = re.search(r"(ofac:SDN \d+|opensanctions:\S+|OFAC SDN \d+)", row["source"])
    if m:
        return m.group(1).replace("OFAC SDN", "ofac:SDN")
    return "name:" + spaced(row["candidate"])


def assign_splits(rows: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """{id: "dev" | "test"}: stratified by (kind, category), grouped by list entity.

    Strata are taken in sorted order; within one, pairs are sorted by id and shuffled with one
    ``random.Random(SEED)``. A pair whose entity already has a split follows it; any other goes to the split
    that has fewer pairs of its stratum so far (dev on a tie). The result depends only on the ids, kinds,
    categories, sources and candidates, so the split can be checked from the file alone."""
    strata: dict[tuple[str, str], list[Mapping[str, str]]] = defaultdict(list)
    for row in rows:
        strata[(row["kind"], row["category"])].append(row)
    rng = random.Random(SEED)
    by_entity: dict[str, str] = {}
    out: dict[str, str] = {}
    for key in sorted(strata):
        members = sorted(strata[key], key=lambda r: r["id"])
        rng.shuffle(members)
        count = Counter[str]()
        for row in members:
            ent = entity(row)
            split = by_entity.get(ent) or ("dev" if count["dev"] <= count["test"] else "test")
            by_entity.setdefault(ent, split)
            count[split] += 1
            out[row["id"]] = split
    return out


def build(hand: Pairs | None = None, entries: Sequence[ListEntry] | None = None) -> Pairs:
    """Every pair, hand-written first, with ids and splits, in a stable order."""
    hand = read_hand() if hand is None else hand
    entries = [*load_ofac(), *load_ftm()] if entries is None else entries
    rows: Pairs = [dict(r) for r in hand]
    for gen in GENERATORS:
        rows += gen(entries)
    seen: dict[tuple[str, ...], int] = {}
    unique: Pairs = []
    for row in rows:
        key = (row["kind"], row["query"], row["query_field"], row["query_country"], spaced(row["candidate"]))
        if key in seen:
            continue
        seen[key] = len(unique)
        unique.append(row)
    for row in unique:
        row["id"] = pair_id(row)
    ids = Counter(r["id"] for r in unique)
    if dup := [i for i, n in ids.items() if n > 1]:
        raise ValueError(f"pair ids collide: {dup[:5]}")
    splits = assign_splits(unique)
    for row in unique:
        row["split"] = splits[row["id"]]
    check_rows(unique)
    return [{c: row[c] for c in COLUMNS} for row in unique]


def check_rows(rows: Sequence[Mapping[str, str]]) -> None:
    """Raise ValueError on a row the evaluation cannot read."""
    for row in rows:
        where = f"{row.get('id', '?')} ({row['query']!r} ~ {row['candidate']!r})"
        if row["kind"] not in KINDS or row["label"] not in ("0", "1") or row["query_field"] not in FIELDS:
            raise ValueError(f"{where}: bad kind, label or query_field")
        if row["candidate_type"] not in TYPES or KIND_OF_TYPE[row["candidate_type"]] != row["kind"]:
            raise ValueError(
                f"{where}: candidate_type {row['candidate_type']!r} does not fit kind {row['kind']!r}"
            )
        if not row["query"].strip() or not row["candidate"].strip() or not row["category"].strip():
            raise ValueError(f"{where}: empty query, candidate or category")
        if any("\n" in row[c] for c in HAND_COLUMNS):
            raise ValueError(f"{where}: a line break in a cell")


def render(rows: Sequence[Mapping[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def read_pairs(path: Path = PAIRS) -> Pairs:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != COLUMNS:
            raise ValueError(f"{path}: columns {reader.fieldnames}, expected {COLUMNS}")
        return [dict(r) for r in reader]


def summary(rows: Sequence[Mapping[str, str]]) -> str:
    counts: Counter[tuple[str, str, str, str]] = Counter(
        (r["kind"], r["category"], r["label"], r["split"]) for r in rows
    )
    lines = [
        f"{len(rows)} pairs: {sum(r['label'] == '1' for r in rows)} same entity, {sum(r['label'] == '0' for r in rows)} other"
    ]
    cats = sorted({(k, c) for k, c, _, _ in counts})
    lines.append(f"{'kind/category':<34} {'pos dev':>7} {'pos test':>8} {'neg dev':>7} {'neg test':>8}")
    for k, c in cats:
        cells = [counts[(k, c, lab, sp)] for lab in ("1", "0") for sp in SPLITS]
        lines.append(f"{k + '/' + c:<34} " + " ".join(f"{n:>7}" for n in cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="fail if pairs.csv differs from what the script writes"
    )
    parser.add_argument("--out", default=str(PAIRS), help="where to write (default: %(default)s)")
    args = parser.parse_args(argv)
    rows = build()
    text = render(rows)
    out = Path(args.out)
    if args.check:
        if not out.is_file() or out.read_text(encoding="utf-8") != text:
            print(
                f"{out} is not what make_pairs.py writes: run it again and review the difference",
                file=sys.stderr,
            )
            return 1
        print(f"{out}: up to date ({len(rows)} pairs)")
        return 0
    out.write_text(text, encoding="utf-8")
    print(summary(rows))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
