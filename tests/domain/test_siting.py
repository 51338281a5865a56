"""The siting analysis: which one or two sites serve most of the people no provider covers."""

from __future__ import annotations

import math
from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ltc.domain import assignment
from ltc.domain.errors import InvalidInput
from ltc.domain.siting import (
    NewProvider,
    Site,
    UncoveredPerson,
    choose_sites,
    enlarged_site,
    town_sites,
    village_sites,
)

LAT0, LON0 = 29.60, 121.40
KM_LAT = 1 / 111.195  # degrees of latitude per km (sphere of the engine)
KM_LON = KM_LAT / math.cos(math.radians(LAT0))


def at(x_km: float, y_km: float) -> tuple[float, float]:
    """A position x km east and y km north of the city's origin."""
    return LAT0 + y_km * KM_LAT, LON0 + x_km * KM_LON


def person(pid: int, x: float, y: float, mode: str = "home", town: str = "T1", level: int = 3) -> UncoveredPerson:
    lat, lon = at(x, y)
    return UncoveredPerson(id=pid, lat=lat, lon=lon, mode=mode, town=town, level=level)


def site(key: str, x: float, y: float, capacity: int, radius: float = 5.0, serves: str = "home") -> Site:
    lat, lon = at(x, y)
    return Site(key=key, kind="village", lat=lat, lon=lon, radius_km=radius, capacity=capacity, serves=serves)


# A city solved by hand. Two hamlets 10 km apart, four people each:
#   west  W1–W3 at 0.5 km east of the origin, W4 at 0.5 km west;
#   east  E1–E3 at 9.5 km east,               E4 at 10.5 km east.
# Four candidate sites, each reaching 5 km:
#   A at 0 km (4 places): reaches the west hamlet only            → covers 4
#   C at 10 km (4 places): reaches the east hamlet only           → covers 4
#   B at 5 km (5 places): reaches W1–W3 and E1–E3 (4.5 km), not W4 or E4 (5.5 km);
#                         six in reach, five places               → covers 5, the best alone
#   D at 12 km (2 places): reaches the east hamlet                → covers 2
# Pairs: B with A or C leaves B only the three of the other hamlet in its reach (7); B with D
# covers 3 + 2 + 2 = 7 at most; A with C covers all eight. So the best pair is A + C, which
# does not contain the best single site: choosing greedily (B, then the best addition) misses it.
HAND_PEOPLE = [
    person(1, 0.5, 0.0, town="W"),
    person(2, 0.5, 0.3, town="W"),
    person(3, 0.5, -0.3, town="W", level=4),
    person(4, -0.5, 0.0, town="W", level=5),
    person(5, 9.5, 0.0, town="E"),
    person(6, 9.5, 0.3, town="E"),
    person(7, 9.5, -0.3, town="E", level=4),
    person(8, 10.5, 0.0, town="E"),
]
HAND_SITES = [site("A", 0, 0, 4), site("B", 5, 0, 5), site("C", 10, 0, 4), site("D", 12, 0, 2)]


def test_the_hand_solved_city_best_single_site():
    answer = choose_sites(HAND_PEOPLE, [], HAND_SITES, sites=1)
    assert [c.keys for c in answer.ranked] == [("B",), ("A",), ("C",), ("D",)]
    assert [c.covered for c in answer.ranked] == [5, 4, 4, 2]
    assert answer.best is not None and answer.best.keys == ("B",)
    assert answer.uncovered == 8 and answer.candidates == 4


def test_the_hand_solved_city_best_pair_is_not_the_greedy_one():
    answer = choose_sites(HAND_PEOPLE, [], HAND_SITES, sites=2)
    best = answer.best
    assert best is not None
    assert best.keys == ("A", "C") and best.covered == 8
    assert dict(best.people) == {"A": (1, 2, 3, 4), "C": (5, 6, 7, 8)}
    assert dict(best.by_town) == {"W": 4, "E": 4}
    assert dict(best.by_level) == {3: 5, 4: 2, 5: 1}
    assert best.max_km is not None and best.max_km == pytest.approx(math.hypot(0.5, 0.3), abs=0.01)


def test_the_pair_search_is_pruned_by_the_reach_bound():
    # Six pairs exist; A + C reaches its bound of 8 first, and no other pair's bound reaches 8
    # (B + anything: 5 places + at most 4), so after the singles and the empty plan the
    # search judges only the pairs whose bound is 8 or more.
    answer = choose_sites(HAND_PEOPLE, [], HAND_SITES, sites=2)
    assert answer.engine_runs < 1 + 4 + 6


def test_a_full_provider_changes_nothing_and_one_with_room_is_counted_before():
    lat, lon = at(0, 0)
    full = assignment.Provider(id=99, lat=lat, lon=lon, kind="home", radius_km=5, capacity=3, current_load=3)
    assert choose_sites(HAND_PEOPLE, [full], HAND_SITES, sites=2).best.covered == 8  # type: ignore[union-attr]
    # With two places left it would take two of the west hamlet already: A adds only two more.
    roomy = assignment.Provider(id=99, lat=lat, lon=lon, kind="home", radius_km=5, capacity=3, current_load=1)
    answer = choose_sites(HAND_PEOPLE, [roomy], HAND_SITES, sites=1)
    by_key = {c.keys: c.covered for c in answer.ranked}
    assert by_key[("A",)] == 2 and by_key[("C",)] == 4


def test_a_larger_radius_for_an_existing_provider():
    # A provider at the origin reaching 1 km with 6 places left; the people live 2–3 km out.
    lat, lon = at(0, 0)
    existing = assignment.Provider(id=7, lat=lat, lon=lon, kind="both", radius_km=1, capacity=10, current_load=4)
    people = [person(i, 2.0 + 0.1 * i, 0.0) for i in range(1, 9)]  # 2.1 … 2.8 km east
    wider = enlarged_site(existing, 3.0)
    assert wider.capacity == 6 and wider.provider_id == 7 and wider.key == "provider:7"
    new_far = site("far", 20, 0, 10)
    answer = choose_sites(people, [existing], [wider, new_far], sites=1)
    assert answer.best is not None and answer.best.keys == ("provider:7",)
    assert answer.best.covered == 6  # its places left, not everyone now in reach
    assert len(dict(answer.best.people)["provider:7"]) == 6
    # nearest first: the two farthest stay uncovered
    assert set(dict(answer.best.people)["provider:7"]) == {1, 2, 3, 4, 5, 6}
    with pytest.raises(InvalidInput) as refused:
        enlarged_site(existing, 0.5)
    assert refused.value.code == "invalid_siting_radius"


def test_care_modes_are_respected():
    people = [person(1, 0, 0, mode="institutional"), person(2, 0, 0.2)]
    answer = choose_sites(people, [], [site("home", 0, 0, 5), site("inst", 0, 0.1, 5, serves="institutional")])
    assert {c.keys: c.covered for c in answer.ranked} == {("home",): 1, ("inst",): 1}


def test_a_second_site_covering_nobody_more_is_not_proposed():
    # Both sites reach the same four people; one has room for all of them.
    hamlet = HAND_PEOPLE[:4]
    answer = choose_sites(hamlet, [], [site("A", 0, 0, 4), site("B", 1, 0, 4)], sites=2)
    assert answer.best is not None and len(answer.best.sites) == 1 and answer.best.covered == 4
    # With two places each, the pair is needed for all four.
    answer = choose_sites(hamlet, [], [site("A", 0, 0, 2), site("B", 1, 0, 2)], sites=2)
    assert answer.best is not None and answer.best.keys == ("A", "B") and answer.best.covered == 4


def test_nobody_coverable_gives_no_best_choice():
    answer = choose_sites(HAND_PEOPLE, [], [site("far", 50, 50, 5)], sites=2)
    assert answer.best is None and answer.ranked == ()
    assert choose_sites([], [], HAND_SITES).best is None


def test_inputs_are_checked():
    with pytest.raises(InvalidInput) as refused:
        choose_sites(HAND_PEOPLE, [], HAND_SITES, sites=3)
    assert refused.value.code == "invalid_siting_count"
    with pytest.raises(InvalidInput) as refused:
        choose_sites(HAND_PEOPLE, [], [HAND_SITES[0], HAND_SITES[0]])
    assert refused.value.code == "duplicate_site"
    with pytest.raises(InvalidInput) as refused:
        NewProvider(radius_km=0, capacity=5)
    assert refused.value.code == "invalid_siting_radius"
    with pytest.raises(InvalidInput) as refused:
        NewProvider(radius_km=5, capacity=0)
    assert refused.value.code == "invalid_siting_capacity"


def test_village_sites_are_the_centres_of_the_uncovered():
    new = NewProvider(radius_km=3, capacity=10)
    villages = village_sites(HAND_PEOPLE, new)
    # the first gathers a whole hamlet (four within 3 km of W1), the second the other
    assert len(villages) == 2
    assert villages[0].key == "village:1" and villages[0].town == "W"
    assert villages[1].town == "E"
    assert all(v.radius_km == 3 and v.capacity == 10 for v in villages)
    assert village_sites(HAND_PEOPLE, NewProvider(radius_km=3, capacity=10, serves="institutional")) == []
    assert len(village_sites(HAND_PEOPLE, NewProvider(radius_km=0.1, capacity=1), limit=3)) == 3


def test_town_sites_sit_at_the_centroids():
    (only,) = town_sites([("330213007", 29.6, 121.4)], NewProvider(radius_km=8, capacity=30))
    assert only.key == "town:330213007" and only.kind == "town" and (only.lat, only.lon) == (29.6, 121.4)


coordinate = st.floats(min_value=0, max_value=15, allow_nan=False)


@st.composite
def small_cities(draw):
    n = draw(st.integers(min_value=1, max_value=8))
    people = [
        person(i + 1, draw(coordinate), draw(coordinate), mode=draw(st.sampled_from(["home", "institutional"])))
        for i in range(n)
    ]
    m = draw(st.integers(min_value=2, max_value=5))
    sites = [
        site(
            f"S{j}",
            draw(coordinate),
            draw(coordinate),
            draw(st.integers(min_value=1, max_value=4)),
            radius=draw(st.floats(min_value=1, max_value=8)),
            serves=draw(st.sampled_from(["home", "institutional", "both"])),
        )
        for j in range(m)
    ]
    return people, sites


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_cities())
def test_the_chosen_pair_beats_every_single_site_and_every_other_pair(city):
    people, sites = city
    answer = choose_sites(people, [], sites, sites=2, ranked=len(sites))
    best = answer.best.covered if answer.best else 0
    alone = {c.keys: c.covered for c in choose_sites(people, [], sites, ranked=len(sites)).ranked}
    assert all(best >= covered for covered in alone.values())
    for a, b in combinations(sites, 2):
        pair = choose_sites(people, [], [a, b], sites=2).best
        assert best >= (pair.covered if pair else 0)
        # and no set covers more than lives within its reach, nor more than its places
        if pair:
            assert pair.covered <= pair.upper_bound <= a.capacity + b.capacity


def test_a_site_reaches_people_of_a_remote_town_as_far_as_their_towns_radius() -> None:
    near_lat, near_lon = at(10, 0)
    remote = UncoveredPerson(1, near_lat, near_lon, "home", town="R", town_radius_km=15.0)
    plain = UncoveredPerson(2, *at(0, 10), "home", town="T1")
    answer = choose_sites([remote, plain], [], [site("village:1", 0, 0, capacity=5, radius=5.0)], sites=1)
    assert answer.best is not None and answer.best.covered == 1  # 10 km: within 松岙-like 15 km, not 5 km
