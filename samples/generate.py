#!/usr/bin/env python3
"""Generate the bundled sample data for supplyscreen.

Writes, into the output directory (default: this script's folder):

* ``vendors.xlsx``          - a messy vendor master export (three sheets, English/Chinese/Russian)
* ``seafood_shipments.xlsx`` - a seafood shipment register with vessels and IMO numbers
* ``labels.csv``            - ground truth, one line per data row of both workbooks

Usage (from the repository root)::

    python samples/generate.py [OUTPUT_DIR]

Deterministic: no randomness, fixed workbook properties and fixed zip timestamps, so two runs give
byte-identical files (with the same openpyxl/zlib versions) and always identical cell values.
All companies are invented, except the designated DPRK entities (OFAC/UN lists) and a few deliberate
look-alike traps named in DESIGN.md section 3. IMO numbers are invented but carry a valid check digit.
Only openpyxl and the standard library are used.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

FIXED_TIME = dt.datetime(2026, 10, 1, 8, 30, 0)
ZIP_TIME = (2026, 10, 1, 8, 30, 0)
BLANK = "__BLANK__"  # marker for a deliberately empty spreadsheet row between data rows

RISKY, TRAP, ORDINARY = "risky", "trap", "ordinary"


def imo(base6: int) -> str:
    """Return an IMO number 'IMO NNNNNNC' whose 7th digit is a valid check digit."""
    digits = [int(c) for c in f"{base6:06d}"]
    check = sum(d * w for d, w in zip(digits, (7, 6, 5, 4, 3, 2), strict=True)) % 10
    return f"IMO {base6:06d}{check}"


def d(y: int, m: int, day: int) -> dt.date:
    return dt.date(y, m, day)


# fmt: off
# A data row is (label, why, cell values...). HS codes are deliberately mixed: strings with dots,
# numbers that lost their leading zero (304.75), six-digit integers (160414) and a float that lost a
# trailing zero (6110.2), as real exports do.

# --------------------------------------------------------------------------------------------------
# vendors.xlsx / "Approved Vendors" (title rows, English headers, some Chinese and Russian rows)
# --------------------------------------------------------------------------------------------------
APPROVED_TITLE = "ACME Imports — Vendor Master (export 2026-10-01)"
APPROVED_HEADERS = [
    "Vendor #", "Vendor Name", "Ctry", "Factory Address", "Goods Description", "HS Code",
    "Workforce Notes", "Payment Terms", "Onboarded",
]
APPROVED: list[Sequence[Any]] = [
    (ORDINARY, "German machined parts; no indicator",
     100101, "Brennerwerk Präzisionsteile GmbH", "Germany", "Industriestraße 14, 73037 Göppingen",
     "Machined steel pipe fittings", "7307.99", None, "Net 60", d(2018, 4, 16)),
    (RISKY, "Seafood processor in Hunchun (Jilin border city); pollock fillets HS 0304.75 stored as "
     "304.75; agency workforce in on-site dormitory",
     100102, "Hunchun Haifeng Aquatic Products Co.,Ltd", "China",
     "No. 8 Jingji Road, Border Economic Cooperation Zone, Hunchun, Jilin",
     "Frozen Alaska pollock fillets, IQF", 304.75,
     "Processing lines staffed by a labour agency; workers live in on-site dormitory",
     "TT 30/70", d(2021, 5, 10)),
    (TRAP, "'Fortuna' contains 'tuna' but is not tuna; Italian tomatoes, no seafood HS",
     100103, "Fortuna Foods S.p.A.", "Italy", "Via Emilia Ovest 220, 41123 Modena",
     "Canned peeled tomatoes and antipasti", "2002.10", None, "Net 45", d(2017, 9, 1)),
    (TRAP, "'Hunchback' is not Hunchun; brewery in Portland, Oregon",
     100104, "HUNCHBACK BREWING CO.", "USA", "1180 NW Front Ave, Portland, OR 97209",
     "Private-label craft beer", 220300, None, "Net 30", d(2022, 2, 14)),
    (ORDINARY, "Vietnamese garments, certified; no indicator beyond country",
     100105, "Saigon Phu My Garment JSC", "Vietnam",
     "Lot C4, Tan Thuan EPZ, District 7, Ho Chi Minh City",
     "Men's woven jackets, polyester", "6201.40", "WRAP certified 2025", "LC at sight", d(2020, 11, 23)),
    (RISKY, "Garment factory in Dandong (border city; apparel/textiles sector); passports kept by "
     "management (ILO: retention of identity documents); HS 6110.20 stored as 6110.2",
     100106, "Dandong Xinyuan Garment Co., Ltd.", "China",
     "36 Jinshan Street, Zhenxing District, Dandong, Liaoning",
     "Women's cotton knit pullovers", 6110.2,
     "Sewing workers recruited through an overseas agency; passports kept by factory management",
     "TT 30/70", d(2023, 3, 2)),
    (TRAP, "Dongguan (Guangdong) is not Donggang (Liaoning); electronics with a clean audit",
     100107, "Dongguan Ruifeng Electronics Co., Ltd.", "China",
     "12 Wusha Industrial Road, Chang'an Town, Dongguan, Guangdong",
     "Switching power adapters 12V", 850440, "BSCI audit 2025: acceptable", "Net 60", d(2019, 7, 19)),
    (ORDINARY, "Turkish towels; no indicator",
     100108, "Anatolia Havlu Tekstil San. ve Tic. A.Ş.", "Turkey",
     "Organize Sanayi Bölgesi 4. Cadde No. 7, Denizli", "Terry cotton bath towels", "6302.60",
     None, "Net 60", d(2016, 5, 30)),
    (TRAP, "Dandenong (Victoria, Australia) is not Dandong",
     100109, "Pacific Crest Packaging Pty Ltd", "Australia", "27 Abbotts Road, Dandenong South VIC 3175",
     "Corrugated shipping cartons", "4819.10", None, "Net 30", d(2021, 1, 11)),
    (RISKY, "Designated DPRK labour exporter Korea Rungrado General Trading Corporation (OFAC E.O. "
     "13722, Dec 2016); country Korea DPR, Pyongyang",
     100110, "Korea Rungrado General Trading Corp.", "Korea DPR", "Pyongyang",
     "Sewing on consignment (CMT), men's shirts", "6205.20",
     "Offered via Dandong agent; below-market CMT rate", "Prepayment", d(2024, 8, 5)),
    (TRAP, "Country 'Korea' with a Seoul address is the Republic of Korea; plain cookware",
     100111, "Hanbit Kitchenware Co., Ltd.", "Korea", "415 Teheran-ro, Gangnam-gu, Seoul",
     "Stainless steel cookware sets", "7323.93", None, "Net 60", d(2015, 10, 12)),
    (ORDINARY, "US fasteners; no indicator",
     100112, "Midwest Fastener Supply LLC", "USA", "4400 Lakeside Ave, Cleveland, OH 44114",
     "Hex bolts, zinc plated", "7318.15", None, "Net 30", d(2014, 3, 3)),
    BLANK,
    (TRAP, "Pyeongtaek (Gyeonggi-do, South Korea) is not Pyongyang",
     100113, "Taeyang Precision Co., Ltd.", "Korea, Republic of",
     "88 Poseung-gongdan-ro, Poseung-eup, Pyeongtaek-si, Gyeonggi-do",
     "Automotive wire connectors", "8536.69", None, "Net 60", d(2019, 2, 18)),
    (RISKY, "Seafood processor in Dandong (border city); prepared crab HS 1605.10; ALL CAPS name with "
     "trailing spaces",
     100114, "DANDONG HAIXING SEAFOOD FOODSTUFF CO.,LTD   ", "CHINA",
     "Langtou Town, Zhen'an District, Dandong City, Liaoning Province",
     "Pasteurized crab meat", "1605.10", None, "TT", d(2022, 6, 27)),
    (ORDINARY, "Indian knitwear; no indicator",
     100115, "Shree Ganesh Knit Exports Pvt. Ltd.", "India",
     "SIDCO Industrial Estate, Mudalipalayam, Tiruppur, Tamil Nadu",
     "Cotton jersey T-shirts", "6109.10", None, "LC 60 days", d(2018, 8, 8)),
    (TRAP, "Pyeongchang (Gangwon-do, South Korea) is not Pyongyang",
     100116, "Daegwallyeong Alpine Foods Co.", "South Korea",
     "123 Olympic-ro, Daegwallyeong-myeon, Pyeongchang-gun, Gangwon-do",
     "Dried buckwheat noodles", "1902.19", None, "Net 45", d(2020, 4, 20)),
    (TRAP, "Hunan / Changsha is not Hunchun; rice",
     100117, "Hunan Xiangyu Grain & Oil Co., Ltd.", "China", "58 Furong Middle Road, Changsha, Hunan",
     "Long-grain milled rice, 25 kg bags", 100630, None, "LC at sight", d(2021, 9, 9)),
    (TRAP, "'Joseon' is a South Korean brand name; Seoul, Republic of Korea",
     100118, "Joseon Ceramics Co., Ltd.", "Korea", "21 Insadong-gil, Jongno-gu, Seoul",
     "Porcelain tableware", "6911.10", None, "Net 60", d(2017, 12, 4)),
    (ORDINARY, "Norwegian farmed salmon (seafood HS but no place or workforce indicator)",
     100119, "Nordfjord Sjømat AS", "Norway", "Havnegata 5, 6700 Måløy",
     "Fresh Atlantic salmon fillets", "0304.41", "ASC certified farm", "Net 30", d(2019, 6, 17)),
    (TRAP, "Genco Shipping & Trading (US dry-bulk shipowner) is not GENCO = Korea General "
     "Corporation for External Construction",
     100120, "Genco Shipping & Trading Limited", "USA", "Park Avenue, New York, NY",
     "Dry-bulk ocean freight (voyage charter)", None, None, "Net 15", d(2023, 1, 9)),
    (RISKY, "Logging/sawmill in Khabarovsk Krai (Cyrillic); notes say DPRK workers (рабочие из КНДР)",
     100121, "ООО «Дальлеспром-Хабаровск»", "Россия",
     "680000, Хабаровский край, г. Хабаровск, ул. Промышленная, 12",
     "Пиломатериалы хвойных пород (лесозаготовка и распиловка)", "4407.11",
     "На лесоучастке работают рабочие из КНДР (бригада 25 чел.)", "Prepayment", d(2024, 2, 26)),
    (TRAP, "Tuna HS 1604.14 (stored as 160414) but canned in Manta, Ecuador, Ecuadorian fleet, no "
     "China/DPRK link",
     100122, "Marisol del Pacífico S.A.", "Ecuador", "Av. 113 y Calle 129, Manta, Manabí",
     "Canned light tuna in vegetable oil", 160414, "MSC chain of custody; Ecuadorian-flag purse seiners",
     "LC at sight", d(2020, 10, 5)),
    (TRAP, "Negated mention ('no North Korean workers') in an audit note; Mexico, nothing else",
     100123, "Textiles del Bajío S.A. de C.V.", "Mexico", "Blvd. Aeropuerto 1200, León, Guanajuato",
     "Cotton twill fabric, dyed", "5209.32", "Audit 2025: no North Korean workers on site", "Net 60",
     d(2019, 3, 25)),
    (ORDINARY, "Brazilian hand tools; no indicator",
     100124, "Metalúrgica Serra Gaúcha Ltda", "Brazil", "Rua Sinimbu 1500, Caxias do Sul, RS",
     "Forged combination wrenches", "8204.11", None, "Net 60", d(2016, 7, 12)),
    (TRAP, "'Jinhai Hotel Management' is a look-alike of Jinhai Ocean Fisheries; a Shanghai hotel",
     100125, "Jinhai Hotel Management Co., Ltd.", "China", "1088 Century Avenue, Pudong New Area, Shanghai",
     "Hotel accommodation for buyer visits", None, None, "Net 30", d(2025, 4, 1)),
    BLANK,
    BLANK,
    (RISKY, "Seafood processor in Donggang (Dandong, Liaoning); prepared clams HS 1605.56; on-site "
     "housing and seasonal overtime",
     100126, "Donggang Jiahe Aquatic Food Co., Ltd.", "China", "Gushan Town, Donggang, Dandong, Liaoning",
     "Cooked frozen clam meat", "1605.56", "Seasonal workers housed on site; overtime during clam season",
     "TT 30/70", d(2023, 10, 16)),
    (ORDINARY, "Chilean farmed salmon; no indicator",
     100127, "Salmones Australes SpA", "Chile", "Camino a Chinquihue km 6, Puerto Montt",
     "Frozen Atlantic salmon portions", "0304.81", None, "Net 45", d(2018, 11, 19)),
    (TRAP, "'Chosun' is a South Korean apparel brand name; Seoul, Republic of Korea",
     100128, "Chosun Apparel Co., Ltd.", "Korea", "45 Yanghwa-ro, Mapo-gu, Seoul",
     "Men's cotton dress shirts", "6205.20", None, "Net 60", d(2022, 5, 23)),
    (ORDINARY, "Ecuadorian farmed shrimp; no indicator",
     100129, "Camaronera Golfo Azul S.A.", "Ecuador", "Km 8.5 Vía a Daule, Guayaquil",
     "Frozen white shrimp, head-on", "0306.17", None, "LC at sight", d(2017, 3, 14)),
    (ORDINARY, "German labels; no indicator",
     100130, "Kessler Etiketten GmbH", "Germany", "Robert-Bosch-Str. 9, 72250 Freudenstadt",
     "Self-adhesive product labels", "4821.10", None, "Net 30", d(2015, 1, 20)),
    (TRAP, "Korean restaurant supply in Koreatown, Los Angeles; not a DPRK restaurant",
     100131, "Wilshire Korean Restaurant Supply LLC", "USA", "3250 W Olympic Blvd, Los Angeles, CA 90006",
     "Tabletop BBQ grills and restaurant tableware", "7321.11", None, "Net 30", d(2024, 6, 10)),
    (RISKY, "Seafood processor in Yanji, Yanbian Korean Autonomous Prefecture; Chinese-only name and "
     "address; pollock HS 0304.94 stored as 304.94",
     100132, "延边海东食品有限公司", "中国", "吉林省延边朝鲜族自治州延吉市长白路318号",
     "冷冻明太鱼块 (frozen pollock blocks)", 304.94, None, "TT", d(2024, 11, 18)),
    (ORDINARY, "Mexican plastics; no indicator",
     100133, "Industrias Plásticas del Norte S.A. de C.V.", "Mexico",
     "Av. Ruiz Cortines 3000, Monterrey, N.L.", "Plastic stacking crates", "3923.10", None, "Net 45",
     d(2020, 8, 31)),
    (ORDINARY, "Portuguese stoneware; no indicator",
     100134, "Cerâmica Atlântica, Lda", "Portugal", "Zona Industrial da Mota, Ílhavo, Aveiro",
     "Stoneware mugs", "6912.00", None, "Net 60", d(2018, 2, 5)),
    (RISKY, "Construction contractor in Qatar; crews subcontracted from Namgang Construction "
     "(designated DPRK labour exporter, OFAC E.O. 13722)",
     100135, "Gulf Falcon Contracting W.L.L.", "Qatar", "Street 24, Industrial Area, Doha",
     "Warehouse fit-out and steel erection (Doha DC)", None,
     "Site crews subcontracted from Namgang Construction", "Milestone", d(2025, 9, 15)),
    (ORDINARY, "Chinese hardware from Ningbo (coastal Zhejiang); no indicator",
     100136, "NINGBO BEILUN HAOYU HARDWARE CO., LTD", "China",
     "Xiaogang Industrial Zone, Beilun District, Ningbo, Zhejiang", "Concealed cabinet hinges",
     "8302.10", None, "TT 30/70", d(2019, 5, 6)),
    (TRAP, "Vladimir (central Russia, Cyrillic) is not Vladivostok; ball bearings",
     100137, "ООО «Клязьма-Подшипник»", "Россия", "600009, г. Владимир, ул. Полины Осипенко, 66",
     "Подшипники шариковые радиальные", "8482.10", None, "Prepayment", d(2021, 12, 13)),
    (RISKY, "Wig/hair-products factory in Hunchun (DOL list: China hair products); restriction of "
     "movement in notes",
     100138, "Hunchun Meili Hair Products Co., Ltd.", "China", "15 Hada Road, Hunchun, Yanbian, Jilin",
     "Human hair wigs and toupees", "6704.20",
     "Workers housed in factory compound; may leave only with a supervisor", "TT", d(2023, 7, 3)),
    (RISKY, "Construction contractor in Kuwait; notes: crew are DPRK nationals",
     100139, "Kuwait Pearl Contracting Co. W.L.L.", "Kuwait",
     "Block 2, Street 15, Shuwaikh Industrial Area, Kuwait City",
     "Racking installation, Kuwait warehouse", None,
     "Steel erection crew are DPRK nationals (site audit Mar 2026)", "Milestone", d(2026, 1, 12)),
    (ORDINARY, "Vietnamese home textiles; no indicator",
     100140, "Vinh Long Home Textiles Co., Ltd.", "Vietnam", "Hoa Phu Industrial Park, Vinh Long",
     "Cotton bed sheets", "6302.31", None, "LC at sight", d(2021, 3, 8)),
    (ORDINARY, "US corrugated packaging; no indicator",
     100141, "Lone Star Corrugated LLC ", "USA", "2100 E Loop 820 S, Fort Worth, TX 76112",
     "Printed corrugated display trays", "4819.10", None, "Net 30", d(2022, 9, 19)),
]

# --------------------------------------------------------------------------------------------------
# vendors.xlsx / "New Suppliers 2026" (Chinese headers, header on row 1, mixed-language rows)
# --------------------------------------------------------------------------------------------------
NEW_HEADERS = ["编号", "供应商名称", "国家", "地址", "产品", "HS编码", "备注", "Buyer", "Added"]
NEW: list[Sequence[Any]] = [
    (RISKY, "Chinese-only Hunchun aquatic-products processor; notes: about 40 North Korean workers in "
     "the workshop (车间有朝鲜工人约40名)",
     260001, "珲春市鑫源水产品有限公司", "中国", "吉林省珲春市边境经济合作区图们江路66号",
     "冷冻鱿鱼 (frozen squid)", "0307.43", "车间有朝鲜工人约40名", "L. Zhang", d(2026, 1, 15)),
    (ORDINARY, "Yiwu fashion accessories; no indicator",
     260002, "义乌市星辰饰品有限公司", "中国", "浙江省义乌市稠江街道杨村路88号",
     "合金发夹 (alloy hair clips)", "7117.19", None, "L. Zhang", d(2026, 1, 20)),
    (RISKY, "Chinese-only surimi processor in Tumen (Jilin border city); prepared fish HS 1604.20",
     260003, "图们市江城水产加工有限公司", "中国", "吉林省延边朝鲜族自治州图们市江城路12号",
     "鱼糜制品 (surimi products)", "1604.20", None, "L. Zhang", d(2026, 2, 3)),
    (RISKY, "Designated DPRK entity Mansudae Overseas Project Group of Companies (UN and OFAC); "
     "country 朝鲜, Pyongyang",
     260004, "Mansudae Overseas Project Group of Companies", "朝鲜", "Pyongyang, Korea DPR",
     "Bronze sculptures and decorative castings", "8306.29", "Quoted via Beijing representative office",
     "M. Weber", d(2026, 2, 10)),
    (TRAP, "Shenzhen (Guangdong) plastics maker with 有限公司 legal form; no indicator",
     260005, "深圳市宏达塑胶制品有限公司", "中国", "广东省深圳市宝安区福永街道桥头工业区",
     "塑料收纳盒 (plastic storage boxes)", 392490, None, "L. Zhang", d(2026, 2, 12)),
    (RISKY, "Designated DPRK labour exporter Beijing Sukbakso (OFAC, Jan 2020); hospitality",
     260006, "Beijing Sukbakso", "China", "Chaoyang District, Beijing",
     "Hospitality staffing and catering for trade fair", None, None, "M. Weber", d(2026, 2, 17)),
    (RISKY, "Chinese-only electronics (wiring harness) factory in Hunchun; agency workers in factory "
     "dormitory",
     260007, "珲春市立达电子有限公司", "中国", "吉林省珲春市工业园区长江路9号",
     "汽车线束 (automotive wiring harnesses)", 854430, "工人由劳务派遣公司提供，住厂内宿舍",
     "L. Zhang", d(2026, 3, 2)),
    (ORDINARY, "Indian cotton kitchen textiles; no indicator",
     260008, "Coromandel Home Linens Pvt. Ltd.", "India", "Thanthonimalai, Karur, Tamil Nadu",
     "Cotton kitchen towels", "6302.91", None, "M. Weber", d(2026, 3, 4)),
    (RISKY, "North Korean restaurant chain in China (hospitality/restaurants sector; Shenyang, "
     "Dandong, Beijing)",
     260009, "Pyongyang Moranbong Restaurant Management (Shenyang) Co., Ltd.", "China",
     "17 Beijing Street, Heping District, Shenyang, Liaoning", "Catering for trade-fair events", None,
     "North Korean restaurant chain with outlets in Shenyang, Dandong and Beijing", "M. Weber",
     d(2026, 3, 9)),
    BLANK,
    (RISKY, "IT outsourcing staffed by DPRK nationals; payments routed to Hong Kong",
     260010, "Bright Pixel Software Studio", "China", "Hunnan District, Shenyang, Liaoning",
     "Offshore mobile app development", None,
     "Developers are DPRK nationals working on contract; invoices paid to a Hong Kong account",
     "K. Osei", d(2026, 3, 16)),
    (RISKY, "Construction subcontractor in the UAE; passports held and wages paid to an agent "
     "(ILO indicators)",
     260011, "Al Noor Steel Fixing Contracting LLC", "UAE", "Al Sajaa Industrial Area, Sharjah",
     "Rebar and formwork labour subcontract (Jebel Ali warehouse)", None,
     "Workers' passports held by sponsor; wages paid to a labour agent, not to workers", "K. Osei",
     d(2026, 3, 23)),
    (RISKY, "DPRK origin: seafood joint venture in Rason (Rajin), country North Korea; crab HS 0306.14",
     260012, "Rason Haeyang Seafood Joint Venture", "North Korea", "Rajin, Rason Special Economic Zone",
     "Frozen snow crab, sections", "0306.14", "Ships via Hunchun", "L. Zhang", d(2026, 4, 1)),
    (ORDINARY, "Turkish brake pads; no indicator",
     260013, "Marmara Fren Sanayi A.Ş.", "Turkey", "Nilüfer Organize Sanayi Bölgesi, Bursa",
     "Brake pads for passenger cars", "6813.81", None, "K. Osei", d(2026, 4, 6)),
    (TRAP, "Country 'Korea' with a Busan address is the Republic of Korea; marine paint",
     260014, "Busan Marine Coatings Co., Ltd.", "Korea", "77 Dadae-ro, Saha-gu, Busan",
     "Marine anti-fouling paint", "3208.90", None, "K. Osei", d(2026, 4, 14)),
    (ORDINARY, "Vietnamese footwear; no indicator beyond sector",
     260015, "VINH PHUC FOOTWEAR CO., LTD", "Vietnam", "Ba Thien Industrial Park, Vinh Phuc",
     "Women's leather sandals", "6403.99", None, "K. Osei", d(2026, 4, 20)),
    (ORDINARY, "Qingdao corrugated packaging; no indicator",
     260016, "青岛蓝鑫包装有限公司", "中国", "山东省青岛市黄岛区前湾港路", "瓦楞纸箱 (corrugated cartons)",
     "4819.10", None, "L. Zhang", d(2026, 5, 5)),
    (RISKY, "Chinese-only down-jacket factory in Dandong; notes: outward processing sent to a factory "
     "in Sinuiju (DPRK) - sub-contracting to DPRK factories",
     260017, "丹东市锦华服装有限公司", "中国", "辽宁省丹东市振兴区锦山大街120号",
     "女式羽绒服 (women's down jackets)", "6202.40", "来料加工，部分工序外发至新义州工厂",
     "L. Zhang", d(2026, 5, 12)),
    (ORDINARY, "German LED lamps; no indicator",
     260018, "Nordlicht Leuchten GmbH", "Germany", "Am Sandtorkai 40, 20457 Hamburg",
     "LED ceiling luminaires", "9405.11", None, "M. Weber", d(2026, 5, 18)),
    (ORDINARY, "Chilean dried fruit; no indicator",
     260019, "Sociedad Agrícola Los Andes Ltda.", "Chile", "Ruta 5 Sur km 185, Curicó",
     "Dried plums, pitted", "0813.20", None, "M. Weber", d(2026, 6, 1)),
    (ORDINARY, "Brazilian coffee; no indicator",
     260020, "Café Serra do Caparaó Ltda", "Brazil", "Rodovia BR-262 km 190, Manhumirim, MG",
     "Green arabica coffee beans", "0901.11", None, "K. Osei", d(2026, 6, 8)),
    (ORDINARY, "Mexican ceramics; no indicator",
     260021, "Talavera Poblana Artesanal S.A. de C.V.", "Mexico", "Calle 4 Poniente 911, Puebla",
     "Hand-painted ceramic tiles", "6907.40", None, "K. Osei", d(2026, 6, 15)),
    (RISKY, "Seafood processor in Hunchun (ALL CAPS, trailing spaces); crab HS 1605.10; notes mention "
     "raw material from Rason",
     260022, "HUNCHUN TONGDA TRADING CO., LTD.  ", "China", "Quanhe Port Road, Hunchun, Jilin",
     "Frozen crab sections and crab meat", "1605.10", "Raw crab trucked in from Rason, re-packed in Hunchun",
     "L. Zhang", d(2026, 6, 22)),
    (ORDINARY, "US cutlery; no indicator",
     260023, "Allegheny Cutlery Works LLC", "USA", "600 Grant St, Pittsburgh, PA 15219",
     "Stainless steel flatware", "8215.20", None, "M. Weber", d(2026, 7, 1)),
    (ORDINARY, "Indian basmati rice; no indicator",
     260024, "Punjab Golden Grains Pvt. Ltd.", "India", "GT Road, Karnal, Haryana",
     "Basmati rice, 1121 sella", "1006.30", None, "K. Osei", d(2026, 7, 9)),
]

# --------------------------------------------------------------------------------------------------
# vendors.xlsx / "Поставщики ДВ" (Russian headers, Cyrillic rows, dates as dd.mm.yyyy text)
# --------------------------------------------------------------------------------------------------
RU_HEADERS = ["Vendor ID", "Поставщик", "Страна", "Адрес", "Товар", "Код ТН ВЭД", "Примечание",
              "Условия оплаты", "Дата договора"]
RU: list[Sequence[Any]] = [
    (RISKY, "Logging (лесозаготовка) in Amur Oblast, Blagoveshchensk; roundwood HS 4403.25",
     "RU-301", "ООО «Амурлес»", "Россия", "675000, Амурская обл., г. Благовещенск, ул. Лесная, 3",
     "Лес круглый (лиственница), лесозаготовка", "4403.25", None, "100% предоплата", "14.02.2025"),
    (RISKY, "Sawn timber in Ussuriysk, Primorsky Krai; notes: DPRK workers under contract (рабочие "
     "из КНДР)",
     "RU-302", "ООО «ПримЛесЭкспорт»", "Россия",
     "692500, Приморский край, г. Уссурийск, ул. Лесозаводская, 4",
     "Пиломатериалы (ель, пихта)", 440712, "Рабочие из КНДР по договору подряда", "30/70",
     "03.06.2025"),
    (RISKY, "Construction contractor in Vladivostok; foreign brigade with passports held by the foreman",
     "RU-303", "ООО «Восток-СтройМонтаж»", "Россия", "690001, г. Владивосток, ул. Портовая, 21",
     "Строительство склада (генподряд)", None, "Бригада иностранных рабочих, паспорта хранятся у прораба",
     "Поэтапно", "21.08.2025"),
    (RISKY, "Construction contractor in Krasnoyarsk (Siberia); subcontracted brigades from North Korea "
     "(из Северной Кореи)",
     "RU-304", "ООО «СибСтройИнвест»", "Россия", "660049, г. Красноярск, пр. Мира, 10",
     "Строительно-монтажные работы", None, "Субподрядчик — бригады из Северной Кореи", "Поэтапно",
     "09.09.2025"),
    (RISKY, "Designated DPRK entity Korea Sobaeksu Trading Company (OFAC, Jul 2025); country КНДР",
     "RU-305", "Korea Sobaeksu Trading Company", "КНДР", "Пхеньян",
     "Строительные бригады (субподряд)", None, None, "Предоплата", "30.09.2025"),
    (RISKY, "Fish processing in Nakhodka, Primorsky Krai; pollock HS 0303.67; factory dormitory",
     "RU-306", "ООО «Рыбокомбинат Восход»", "Россия",
     "692900, Приморский край, г. Находка, ул. Судоремонтная, 7",
     "Минтай мороженый потрошёный", "0303.67", "Сезонные рабочие, общежитие при заводе", "30/70",
     "12.05.2025"),
    (ORDINARY, "Russian polyethylene film from Ryazan; no indicator beyond country",
     "RU-307", "ООО «Ока-Полимер»", "Россия", "390000, г. Рязань, ул. Промышленная, 5",
     "Полиэтиленовая плёнка", "3920.10", None, "Отсрочка 30 дней", "17.01.2025"),
    (ORDINARY, "Kazakh cotton yarn; no indicator",
     "KZ-308", "ТОО «Алатау Текстиль»", "Казахстан", "050000, г. Алматы, ул. Жандосова, 98",
     "Пряжа хлопчатобумажная", 5205, None, "Отсрочка 45 дней", "22.04.2025"),
    (TRAP, "'Корея' in a Moscow importer of South Korean cosmetics (Республика Корея); no DPRK link",
     "RU-309", "ООО «Корея Бьюти Импорт»", "Россия", "115054, г. Москва, ул. Дубининская, 57",
     "Косметика (производство Республика Корея)", "3304.99", None, "Отсрочка 30 дней", "05.03.2025"),
]

# --------------------------------------------------------------------------------------------------
# seafood_shipments.xlsx / "Shipments"
# --------------------------------------------------------------------------------------------------
SHIP_HEADERS = ["B/L No.", "Shipper", "Vessel / IMO", "Port of Loading", "HS Code", "Description",
                "Remarks", "ETA", "Consignee"]
LB = "ACME Imports Inc., Long Beach, CA"
NJ = "ACME Imports Inc., Newark, NJ"
V_FYY7788 = f"FU YUAN YU 7788 ({imo(991234)})"
V_FYY7795 = f"FU YUAN YU 7795 ({imo(991260)})"
V_REEFER = f"HAI XING LENG 2 / {imo(947718)}"
V_FEEDER = f"XIN HAI CHENG ({imo(958120)}) V.2619N"
V_DANDONG = "DONG FANG QIAO V.041S"
V_BOHAI = f"BOHAI PEARL ({imo(962215)})"
V_CONDOR = f"PACIFIC CONDOR ({imo(935507)}) V.118N"
SHIPMENTS: list[Sequence[Any]] = [
    (RISKY, "Chinese distant-water tuna longliner; yellowfin HS 0303.42; trans-shipment at sea "
     "(EJF: North Koreans on Chinese tuna longliners, SW Indian Ocean)",
     "ZYPF26090011", "Zhoushan Yuanhai Pelagic Fishery Co., Ltd.", V_FYY7788, "Port Louis, Mauritius",
     "0303.42", "Frozen yellowfin tuna, whole round, ULT -60°C",
     "Catch trans-shipped at sea to reefer carrier, SW Indian Ocean", d(2026, 10, 14), LB),
    (RISKY, "Chinese tuna longliner at sea since 2023 with trans-shipment; bigeye HS 0303.44 stored "
     "as 303.44",
     "ZYPF26090012", "Zhoushan Yuanhai Pelagic Fishery Co., Ltd.", V_FYY7795, "Port Louis, Mauritius",
     303.44, "Frozen bigeye tuna, gilled and gutted",
     "Longliner at sea since 2023; catch trans-shipped at sea", d(2026, 10, 14), LB),
    (RISKY, "Chinese tuna longliner; crew list includes DPRK nationals; tuna loins HS 0304.87 "
     "stored as 304.87",
     "NDLH2609-207", "Ningde Lanhai Ocean Fishing Co., Ltd.", f"MIN NING YU 8168 ({imo(988045)})",
     "Port Louis, Mauritius", 304.87, "Frozen yellowfin tuna loins, CO-treated",
     "Crew list includes DPRK nationals (per port agent)", d(2026, 10, 21), LB),
    (RISKY, "Vessel given by IMO number only; Chinese distant-water longliner; albacore HS 0303.41; "
     "trans-shipped at sea",
     "DBDW-26-0931", "Dalian Bohai Distant Water Fisheries Co., Ltd.", imo(981602),
     "Cape Town, South Africa", "030341", "Frozen albacore tuna, whole round",
     "Transhipped at sea to reefer HAI XING LENG 2", d(2026, 10, 25), LB),
    (RISKY, "Reefer carrying tuna received by at-sea trans-shipment from Chinese longliners",
     "ZYPF26090015", "Zhoushan Yuanhai Pelagic Fishery Co., Ltd.", V_REEFER, "Port Louis, Mauritius",
     "0303.42", "Frozen yellowfin tuna, received from longliners at sea",
     "Cargo loaded by transshipment at sea from FU YUAN YU 7788 / FU YUAN YU 7795", d(2026, 10, 28), LB),
    (RISKY, "Chinese distant-water longline fleet; tuna loins HS 0304.87; trans-shipment at sea",
     "SDBT-2610-044", "SHANGHAI DEEP BLUE TUNA CO LTD", f"HU YU 906 ({imo(973318)})",
     "Victoria, Seychelles", "0304.87", "Frozen tuna saku blocks",
     "Chinese distant-water longline fleet; transshipment at sea", d(2026, 11, 2), LB),
    (RISKY, "Hunchun seafood processor (same as vendor 100102); pollock fillets processed in Hunchun",
     "DLHC26100301", "Hunchun Haifeng Aquatic Products Co.,Ltd", V_FEEDER, "Dalian, China",
     "0304.75", "Frozen Alaska pollock fillets, processed in Hunchun", None, d(2026, 11, 4), NJ),
    (RISKY, "Dandong seafood processor; prepared crab HS 1605.10 stored as 160510",
     "DDHX26100302", "DANDONG HAIXING SEAFOOD FOODSTUFF CO.,LTD", V_DANDONG, "Dandong, China",
     160510, "Pasteurized crab meat, 454 g cans", None, d(2026, 11, 6), NJ),
    (RISKY, "Chinese-only Hunchun aquatic-products processor (DPRK workers per vendor sheet); squid",
     "DLXY26100303", "珲春市鑫源水产品有限公司", V_FEEDER, "大连 Dalian", "0307.43",
     "冷冻鱿鱼圈 Frozen squid rings", None, d(2026, 11, 4), NJ),
    (RISKY, "Donggang seafood processor; prepared clams HS 1605.56",
     "DDJH26100304", "Donggang Jiahe Aquatic Food Co., Ltd.", V_DANDONG, "Dandong, China", "1605.56",
     "Cooked frozen clam meat", None, d(2026, 11, 6), NJ),
    (RISKY, "Yanji/Yanbian seafood processor; pollock HS 0304.94",
     "DLHD26100305", "Yanbian Haidong Foods Co., Ltd.", V_BOHAI, "Dalian, China", "0304.94",
     "Frozen pollock blocks, processed in Yanji", None, d(2026, 11, 9), NJ),
    (RISKY, "DPRK seafood relabelled: snow crab of Rason origin re-packed in Hunchun (UNSC 2371 "
     "seafood ban)",
     "DLTD26100306", "Hunchun Tongda Trading Co., Ltd.", V_BOHAI, "Dalian, China", "0306.14",
     "Frozen snow crab sections, origin Rason, re-packed in Hunchun",
     "Certificate of origin issued in China", d(2026, 11, 9), NJ),
    BLANK,
    (TRAP, "Tuna HS 1604.14 (as 160414) canned in Manta, Ecuador; Ecuadorian fleet, no China/DPRK link",
     "MTA-26-7781", "Marisol del Pacífico S.A.", V_CONDOR, "Manta, Ecuador", 160414,
     "Canned light tuna in vegetable oil, 48 x 170 g", "MSC certified; Ecuadorian-flag purse seiners",
     d(2026, 10, 19), LB),
    (TRAP, "'Korea' port Busan is the Republic of Korea; squid from a Korean jigger, no other indicator",
     "PUS2610-0093", "Busan Deep Sea Fisheries Co., Ltd.", "OCEAN STAR 101", "Busan, Korea", "0307.43",
     "Frozen squid tubes", "Korean-flag jigger, landed in Busan", d(2026, 10, 30), LB),
    (ORDINARY, "Norwegian salmon (ordinary)",
     "AES-2609-5521", "Nordfjord Sjømat AS", f"NORDIC SPRUCE ({imo(941127)})", "Ålesund, Norway",
     "0303.13", "Frozen Atlantic salmon, head-on gutted", None, d(2026, 10, 22), NJ),
    (ORDINARY, "Chilean farmed salmon; HS 0304.81 stored as 304.81",
     "SAI-26-88120", "Salmones Australes SpA", f"ANDES TRADER ({imo(952630)})", "San Antonio, Chile",
     304.81, "Frozen Atlantic salmon portions, skin-on", None, d(2026, 10, 26), LB),
    (ORDINARY, "Ecuadorian farmed shrimp",
     "GYE-26-31007", "Camaronera Golfo Azul S.A.", V_CONDOR, "Guayaquil, Ecuador", "0306.17",
     "Frozen white shrimp, head-on, 40/50", None, d(2026, 10, 19), LB),
    (ORDINARY, "Vietnamese pangasius",
     "SGN2610-4417", "Mekong Delta Seafood JSC", f"SAIGON STAR ({imo(966034)})",
     "Cat Lai, Ho Chi Minh City", "0304.62", "Frozen pangasius fillets, well-trimmed", None,
     d(2026, 11, 12), LB),
    (ORDINARY, "Indian farmed shrimp",
     "VTZ-26-22981", "Coromandel Aqua Exports Pvt Ltd", "CORAL BAY EXPRESS V.212E", "Visakhapatnam, India",
     "0306.17", "Frozen vannamei shrimp, peeled and deveined", None, d(2026, 11, 20), NJ),
    (ORDINARY, "Icelandic cod",
     "REK-26-0457", "Vestfirðir Fiskur ehf.", f"NORTH MERIDIAN ({imo(930254)})", "Reykjavík, Iceland",
     "0304.71", "Frozen cod fillets, skinless boneless", None, d(2026, 10, 29), NJ),
    (ORDINARY, "Canadian lobster",
     "HFX-26-11872", "Maritime Lobster Co-operative Ltd.", "ATLANTIC FUNDY V.33W", "Halifax, NS, Canada",
     "0306.12", "Frozen whole cooked lobster", None, d(2026, 10, 16), NJ),
    (ORDINARY, "Thai canned skipjack; tuna HS but no China/DPRK link (not high)",
     "LCB2610-77310", "Siam Ocean Canning Co., Ltd.", f"ANDAMAN BREEZE ({imo(977410)})",
     "Laem Chabang, Thailand", 160414, "Canned skipjack tuna in brine, 185 g",
     "Tuna from WCPO purse seiners, MSC", d(2026, 11, 16), LB),
    (ORDINARY, "Peruvian jumbo flying squid",
     "PAI-26-00918", "Pesquera Costa Verde S.A.C.", "ANDES TRADER", "Paita, Peru", "0307.43",
     "Frozen jumbo flying squid tubes (Dosidicus gigas)", None, d(2026, 10, 26), LB),
    (ORDINARY, "Moroccan canned sardines",
     "AGA-26-3390", "Conserverie Atlantique SARL", "MED ATLAS V.0426S", "Agadir, Morocco", "1604.13",
     "Canned sardines in olive oil", None, d(2026, 11, 3), NJ),
    (ORDINARY, "Spanish canned mussels",
     "VGO-26-6102", "Conservas Rías Baixas S.L.", "MED ATLAS V.0426S", "Vigo, Spain", "1605.53",
     "Mussels in pickled sauce, canned", None, d(2026, 11, 3), NJ),
    (ORDINARY, "Argentine red shrimp",
     "PMY-26-1450", "Patagonia Mariscos S.A.", f"SOUTHERN CROSS REEFER ({imo(944573)})",
     "Puerto Madryn, Argentina", "0306.17", "Frozen Argentine red shrimp (Pleoticus muelleri), L2",
     None, d(2026, 11, 24), LB),
]

# fmt: on

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def write_table(
    ws: Worksheet,
    first_row: int,
    headers: list[str],
    rows: list[Sequence[Any]],
    date_col: int | None = None,
    date_format: str = "yyyy-mm-dd",
) -> list[tuple[int, str, str]]:
    """Write a header row and data rows; return (excel_row, label, why) for each data row."""
    for c, h in enumerate(headers, start=1):
        cell = ws.cell(row=first_row, column=c, value=h)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    out: list[tuple[int, str, str]] = []
    r = first_row
    for row in rows:
        r += 1
        if row == BLANK:
            continue
        label, why, *values = row
        if len(values) != len(headers):
            raise ValueError(f"{ws.title}: row {r} has {len(values)} values for {len(headers)} headers")
        for c, v in enumerate(values, start=1):
            if v is None:
                continue
            cell = ws.cell(row=r, column=c, value=v)
            if date_col is not None and c == date_col and isinstance(v, dt.date):
                cell.number_format = date_format
        out.append((r, label, why))
    ws.freeze_panes = ws.cell(row=first_row + 1, column=1)
    return out


def set_widths(ws: Worksheet, widths: list[int]) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def fix_properties(wb: Workbook, title: str) -> None:
    p = wb.properties
    p.creator = "ACME Imports — Procurement"
    p.lastModifiedBy = "ACME Imports — Procurement"
    p.title = title
    p.created = FIXED_TIME
    p.modified = FIXED_TIME


def save_reproducibly(wb: Workbook, path: Path) -> None:
    """Save without openpyxl's 'modified = now' and with fixed zip entry timestamps."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()  # unlike openpyxl's save_workbook, keeps properties.modified
    buf.seek(0)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))


def build_vendors(path: Path) -> list[tuple[str, str, int, str, str]]:
    wb = Workbook()
    fix_properties(wb, "Vendor Master")
    labels: list[tuple[str, str, int, str, str]] = []

    ws = wb.active
    ws.title = "Approved Vendors"
    ws.cell(row=1, column=1, value=APPROVED_TITLE).font = Font(bold=True, size=14)
    # row 2 left blank on purpose; header on row 3
    for r, label, why in write_table(ws, 3, APPROVED_HEADERS, APPROVED, date_col=9):
        labels.append((path.name, ws.title, r, label, why))
    set_widths(ws, [10, 44, 12, 58, 44, 10, 60, 13, 12])

    ws = wb.create_sheet("New Suppliers 2026")
    for r, label, why in write_table(ws, 1, NEW_HEADERS, NEW, date_col=9, date_format="dd/mm/yyyy"):
        labels.append((path.name, ws.title, r, label, why))
    set_widths(ws, [10, 48, 10, 50, 40, 10, 60, 10, 12])

    ws = wb.create_sheet("Поставщики ДВ")
    for r, label, why in write_table(ws, 1, RU_HEADERS, RU):
        labels.append((path.name, ws.title, r, label, why))
    set_widths(ws, [10, 36, 12, 62, 44, 12, 56, 18, 14])

    save_reproducibly(wb, path)
    return labels


def build_shipments(path: Path) -> list[tuple[str, str, int, str, str]]:
    wb = Workbook()
    fix_properties(wb, "Seafood shipments Q4 2026")
    ws = wb.active
    ws.title = "Shipments"
    labels = [
        (path.name, ws.title, r, label, why)
        for r, label, why in write_table(ws, 1, SHIP_HEADERS, SHIPMENTS, date_col=8, date_format="dd-mmm-yy")
    ]
    set_widths(ws, [16, 44, 40, 26, 10, 52, 60, 11, 34])
    save_reproducibly(wb, path)
    return labels


def main(argv: list[str]) -> int:
    if len(argv) > 2:
        print("usage: python samples/generate.py [OUTPUT_DIR]", file=sys.stderr)
        return 2
    out = Path(argv[1]) if len(argv) == 2 else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    labels = build_vendors(out / "vendors.xlsx") + build_shipments(out / "seafood_shipments.xlsx")
    with (out / "labels.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["file", "sheet", "row", "label", "why"])
        w.writerows(labels)
    counts = {k: sum(1 for x in labels if x[3] == k) for k in (RISKY, TRAP, ORDINARY)}
    print(
        f"wrote {out / 'vendors.xlsx'}, {out / 'seafood_shipments.xlsx'}, {out / 'labels.csv'} "
        f"({len(labels)} labelled rows: {counts})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
