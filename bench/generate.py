"""Deterministic synthetic data for `make bench`: supplier rows (CSV) and a watchlist (simple CSV).

Rows look like a vendor master: invented company names (Latin, some Chinese and Cyrillic) with legal forms,
countries, addresses, goods, HS codes and occasional workforce notes; about 1% carry risk indicators and
about 0.5% are written variants of a watchlist entry. Usage: python bench/generate.py ROWS LIST_ENTRIES OUTDIR
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

SYLLABLES = (
    "bao chang chen cheng da dong fa feng fu gang guang hai hang he heng hong hua hui jia jian jin jing kai "
    "kang li lian long lu ming nan ning peng qi qian rong rui sheng shun tai tian tong wan wei xiang xin xing "
    "yang yi yong yuan yue zhen zhong"
).split()
WESTERN = (
    "Atlas Baltic Cedar Delta Eagle Falcon Granite Harbor Iron Juniper Keystone Liberty Maple Northern "
    "Orion Pioneer Quantum Redwood Summit Titan Union Valley Western Zenith Alpine Beacon Crest Crown "
    "Emerald Frontier Golden Horizon Imperial Lakeside Meridian Oakland Pacific Prairie Royal Silver"
).split()
CYRILLIC = "Восток Сибирь Дальний Байкал Амур Тайга Северный Уральский Приморье Енисей".split()
GENERIC = (
    "Trading Industrial Manufacturing Seafood Foods Textiles Logistics Electronics Fishery Group".split()
)
FORMS = ("Co., Ltd.", "Company Limited", "LLC", "Inc.", "GmbH", "S.A.", "Lda", "JSC", "Corp.", "Ltd", "")
PLACES = [
    ("Germany", "Hamburg"),
    ("Mexico", "Monterrey"),
    ("Vietnam", "Ho Chi Minh City"),
    ("USA", "Chicago, IL"),
    ("India", "Chennai"),
    ("Turkey", "Izmir"),
    ("Brazil", "Santos"),
    ("Chile", "Puerto Montt"),
    ("Norway", "Bergen"),
    ("China", "Shenzhen, Guangdong"),
    ("China", "Ningbo, Zhejiang"),
    ("Thailand", "Bangkok"),
    ("Ecuador", "Guayaquil"),
    ("Poland", "Gdansk"),
    ("Japan", "Osaka"),
    ("South Korea", "Busan"),
]
RISKY_PLACES = [
    ("China", "Hunchun, Jilin"),
    ("China", "Dandong, Liaoning"),
    ("Russia", "Vladivostok"),
    ("Russia", "Khabarovsk Krai"),
    ("Qatar", "Doha"),
]
GOODS = [
    ("Machined steel parts", "8483.40"),
    ("Frozen shrimp", "0306.17"),
    ("Cotton T-shirts", "6109.10"),
    ("Plastic housings", "3926.90"),
    ("Canned tuna", "1604.14"),
    ("Sawn softwood", "4407.11"),
    ("Frozen pollock fillets", "0304.75"),
    ("LED lamps", "8539.50"),
    ("Leather footwear", "6403.99"),
    ("Office furniture", "9403.30"),
    ("Wine", "2204.21"),
    ("Salmon fillets", "0304.41"),
]
NOTES = ["", "", "", "", "", "", "Audit 2025 passed", "SMETA audit scheduled", "Pays by letter of credit"]
RISKY_NOTES = [
    "Approx. 30 North Korean workers in the packing hall",
    "Passports held by management",
    "Workers recruited through a dispatching agency; 12-hour shifts",
]


LATIN_SYLLABLES = (
    "ka ren to mi sel var lo den tra bis kor nel fa ri um qua ber gen sta vi dor mon tel pas cor lin ar es "
    "bra cle dru fen gor hal iv jul kes lum mar nov ost pri quo ros sin tur ul vel wen xan yor zel "
    "ab ced dif eg fol gru hep ism jor kaf lep mog nix opt pul rav sof tig uk vor"
).split()


def pseudo_word(rng: random.Random) -> str:
    return "".join(rng.choice(LATIN_SYLLABLES) for _ in range(rng.randrange(2, 4))).capitalize()


def company(rng: random.Random) -> str:
    """An invented company name; the mix of styles and the vocabulary sizes keep names as diverse as a
    real vendor master (few exact collisions), while sharing generic words and legal forms."""
    roll = rng.random()
    if roll < 0.45:
        core = "".join(rng.choice(SYLLABLES) for _ in range(2)).capitalize()
        core += " " + "".join(rng.choice(SYLLABLES) for _ in range(2)).capitalize()
    elif roll < 0.75:
        core = f"{rng.choice(WESTERN)} {pseudo_word(rng)}"
    elif roll < 0.9:
        core = f"{pseudo_word(rng)} {pseudo_word(rng)}"
    else:
        return f"ООО «{rng.choice(CYRILLIC)}-{pseudo_word(rng)}»"
    return f"{core} {rng.choice(GENERIC)} {rng.choice(FORMS)}".strip()


def variant(name: str, rng: random.Random) -> str:
    """A way a supplier file might write a listed name."""
    choice = rng.randrange(4)
    if choice == 0:
        return name.upper() + " Co., Ltd."
    if choice == 1:
        return name.replace(" ", "", 1)
    if choice == 2:
        words = name.split()
        return " ".join(reversed(words)) + " LLC"
    return name.title()


def write(rows: int, entries: int, out: Path) -> tuple[Path, Path]:
    rng = random.Random(20261122)
    out.mkdir(parents=True, exist_ok=True)
    listed = sorted({company(rng).rsplit(" ", 2)[0] for _ in range(entries * 2)})[:entries]
    rng.shuffle(listed)
    list_path = out / f"watchlist-{entries}.csv"
    with list_path.open("w", encoding="utf-8", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["name", "aliases", "type", "country", "identifiers", "source", "reason"])
        for i, name in enumerate(listed):
            country = "KP" if i % 10 == 0 else rng.choice(["CN", "RU", "AE", "SG"])
            alias = name.replace(" ", "-") if i % 3 == 0 else ""
            w.writerow(
                [name, alias, "organization", country, "", "synthetic list", "synthetic listed entity"]
            )
    rows_path = out / f"suppliers-{rows}.csv"
    with rows_path.open("w", encoding="utf-8", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(
            ["Vendor ID", "Vendor Name", "Country", "Address", "Goods Description", "HS Code", "Notes"]
        )
        for i in range(rows):
            roll = rng.random()
            name = variant(rng.choice(listed), rng) if roll < 0.005 else company(rng)
            country, city = rng.choice(RISKY_PLACES if roll > 0.99 else PLACES)
            goods, hs = rng.choice(GOODS)
            notes = rng.choice(RISKY_NOTES) if rng.random() < 0.003 else rng.choice(NOTES)
            w.writerow(
                [
                    100000 + i,
                    name,
                    country,
                    f"{rng.randrange(1, 999)} Industrial Rd, {city}",
                    goods,
                    hs,
                    notes,
                ]
            )
    return rows_path, list_path


if __name__ == "__main__":
    n_rows, n_entries = int(sys.argv[1]), int(sys.argv[2])
    target = Path(sys.argv[3]) if len(sys.argv) > 3 else Path(__file__).parent / "data"
    for path in write(n_rows, n_entries, target):
        print(path)
