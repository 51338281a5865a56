"""The demo district, generated deterministically from the towns file: designated
providers spread over the towns, their caregivers, and residents aged 60+ whose
addresses name their town. Pure: the same seed and reference day give the same district."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from ltc.domain.identity import make_id_number
from ltc.domain.towns import Town

DEMO_REGION = "330213"  # the district's six-digit division code in id numbers
KM_PER_DEGREE_LAT = 111.32


@dataclass(frozen=True, slots=True)
class DemoProvider:
    code: str
    name: str
    name_en: str
    kind: str  # home | institutional | both
    town_code: str
    address: str
    lat: float
    lon: float
    service_radius_km: float
    capacity: int
    hourly_price_fen: int
    daily_price_fen: int


@dataclass(frozen=True, slots=True)
class DemoCaregiver:
    provider_code: str
    name: str
    qualification: str  # elderly_carer | medical_carer | nurse
    lat: float
    lon: float
    weekly_hours: int
    id_number: str = ""
    phone: str = ""
    certificate_no: str = ""
    certificate_expires_on: date | None = None


def _caregiver_papers(code: str, member: int, sex: str) -> tuple[str, str, str, date]:
    """A demo caregiver's id number, phone and certificate, from a generator of their own so the
    rest of the district stays as it was. One in twelve certificates has lapsed."""
    rng = random.Random(f"caregiver:{code}:{member}")
    birth = date(rng.randint(1966, 1998), rng.randint(1, 12), rng.randint(1, 28))
    lapsed = rng.random() < 1 / 12
    return (
        make_id_number(DEMO_REGION, birth, rng.randint(1, 998), sex),
        f"15{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
        f"{rng.randint(10**13, 10**14 - 1)}",
        date(2026, rng.randint(1, 10), 1) if lapsed else date(rng.randint(2027, 2030), 6, 30),
    )


@dataclass(frozen=True, slots=True)
class DemoResident:
    id_number: str
    name: str
    sex: str
    birth_date: date
    phone: str
    address: str
    town_code: str
    lat: float
    lon: float
    insured: bool
    insured_since: date | None


@dataclass(frozen=True, slots=True)
class DemoDistrict:
    providers: list[DemoProvider]
    caregivers: list[DemoCaregiver]
    residents: list[DemoResident]


# Where the 20 providers stand: (town name_en, kind). 7 home, 11 institutional, 2 both;
# none in Dayan, the remote mountain town, so its villages show up as uncovered.
PROVIDER_PLAN: list[tuple[str, str]] = [
    ("Jinping", "home"),
    ("Yuelin", "home"),
    ("Xikou", "home"),
    ("Jiangkou", "home"),
    ("Chunhu", "home"),
    ("Xiwu", "home"),
    ("Shangtian", "home"),
    ("Jinping", "institutional"),
    ("Yuelin", "institutional"),
    ("Xikou", "institutional"),
    ("Jiangkou", "institutional"),
    ("Xiwu", "institutional"),
    ("Xiaowangmiao", "institutional"),
    ("Fangqiao", "institutional"),
    ("Chunhu", "institutional"),
    ("Qiucun", "institutional"),
    ("Song'ao", "institutional"),
    ("Shangtian", "institutional"),
    ("Xikou", "both"),
    ("Jinping", "both"),
]
KIND_NAMES = {
    "home": ("居家护理服务中心", "Home Care Centre"),
    "institutional": ("颐养院", "Care Home"),
    "both": ("康养护理院", "Nursing and Home Care"),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢傅钟姜崔谭陆汪范金石廖贾夏韦付方邹熊孟秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_MALE = [
    "国华",
    "建国",
    "志强",
    "德明",
    "永康",
    "海涛",
    "文斌",
    "振华",
    "立新",
    "宏伟",
    "学军",
    "家富",
    "福生",
    "长林",
]
GIVEN_FEMALE = [
    "秀英",
    "桂英",
    "玉兰",
    "美华",
    "丽娟",
    "凤英",
    "月娥",
    "淑珍",
    "翠花",
    "素芳",
    "金凤",
    "爱华",
    "雪梅",
    "彩霞",
]
VILLAGES = ["东", "西", "南", "北", "上", "下", "中", "新", "前", "后"]
VILLAGE_SUFFIX = ["村", "社区", "岙村", "桥村", "溪村"]
RADIUS_BY_TERRAIN = {"urban": 5.0, "plain": 8.0, "hill": 10.0, "coastal": 10.0, "mountain": 12.0}
# How far from the town centre people live, by terrain (km, roughly the town's extent).
SPREAD_BY_TERRAIN = {"urban": 1.5, "plain": 3.0, "hill": 4.5, "coastal": 4.0, "mountain": 6.0}


def _jitter(rng: random.Random, lat: float, lon: float, spread_km: float) -> tuple[float, float]:
    distance = abs(rng.gauss(0.0, spread_km / 2))
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(bearing) / KM_PER_DEGREE_LAT
    dlon = distance * math.sin(bearing) / (KM_PER_DEGREE_LAT * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def _person_name(rng: random.Random, sex: str) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_MALE if sex == "M" else GIVEN_FEMALE)


def _address(rng: random.Random, town: Town) -> str:
    village = rng.choice(VILLAGES) + rng.choice("山岭塘湾岸林田") + rng.choice(VILLAGE_SUFFIX)
    return f"浙江省宁波市奉化区{town.name}{village}{rng.randint(1, 199)}号"


def build_demo_district(towns: list[Town], *, seed: int, residents: int, today: date) -> DemoDistrict:
    rng = random.Random(seed)
    by_name = {t.name_en: t for t in towns}
    providers: list[DemoProvider] = []
    caregivers: list[DemoCaregiver] = []
    for index, (town_name, kind) in enumerate(PROVIDER_PLAN, start=1):
        town = by_name[town_name]
        code = f"P{index:02d}"
        lat, lon = _jitter(rng, town.lat, town.lon, 1.0)
        suffix_zh, suffix_en = KIND_NAMES[kind]
        capacity = rng.randint(20, 60) if kind == "home" else rng.randint(40, 120)
        providers.append(
            DemoProvider(
                code=code,
                name=f"奉化{town.name.removesuffix('街道').removesuffix('镇')}{suffix_zh}",
                name_en=f"Fenghua {town_name} {suffix_en}",
                kind=kind,
                town_code=town.code,
                address=_address(rng, town),
                lat=lat,
                lon=lon,
                service_radius_km=RADIUS_BY_TERRAIN[town.terrain],
                capacity=capacity,
                hourly_price_fen=rng.choice([5000, 5500, 6000]) if kind != "institutional" else 0,
                daily_price_fen=rng.choice([6000, 7000, 8000]) if kind != "home" else 0,
            )
        )
        team = rng.randint(4, 8)
        for member in range(team):
            sex = "F" if rng.random() < 0.85 else "M"
            qualification = "nurse" if member == 0 else rng.choice(["elderly_carer", "elderly_carer", "medical_carer"])
            clat, clon = _jitter(rng, lat, lon, 3.0)
            id_number, phone, certificate_no, certificate_expires_on = _caregiver_papers(code, member, sex)
            caregivers.append(
                DemoCaregiver(
                    provider_code=code,
                    name=_person_name(rng, sex),
                    qualification=qualification,
                    lat=clat,
                    lon=clon,
                    weekly_hours=rng.choice([30, 35, 40]),
                    id_number=id_number,
                    phone=phone,
                    certificate_no=certificate_no,
                    certificate_expires_on=certificate_expires_on,
                )
            )
    weights = [t.share_60plus for t in towns]
    people: list[DemoResident] = []
    used_ids: set[str] = set()
    for _ in range(residents):
        town = rng.choices(towns, weights=weights)[0]
        sex = "F" if rng.random() < 0.55 else "M"
        age = min(60 + int(abs(rng.gauss(0, 12))), 104)
        birth = today - timedelta(days=365 * age + rng.randint(30, 330))
        id_number = make_id_number(DEMO_REGION, birth, rng.randint(1, 998), sex)
        while id_number in used_ids:
            id_number = make_id_number(DEMO_REGION, birth, rng.randint(1, 998), sex)
        used_ids.add(id_number)
        lat, lon = _jitter(rng, town.lat, town.lon, SPREAD_BY_TERRAIN[town.terrain])
        insured = rng.random() < 0.97
        people.append(
            DemoResident(
                id_number=id_number,
                name=_person_name(rng, sex),
                sex=sex,
                birth_date=birth,
                phone=f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
                address=_address(rng, town),
                town_code=town.code,
                lat=lat,
                lon=lon,
                insured=insured,
                insured_since=date(2021, 1, 1) + timedelta(days=rng.randint(0, 900)) if insured else None,
            )
        )
    return DemoDistrict(providers=providers, caregivers=caregivers, residents=people)
