"""/api/v1/components and /api/v1/grids/lookup: who may ask (anonymous, citizen, a handler of
another unit, staff), what each sees, filters, bad input (400 in Chinese), the OpenAPI enums,
and the admin pages of the registry."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook

from chuangcheng.citymgmt import geo
from chuangcheng.citymgmt.demo_data import build_citymgmt_demo
from chuangcheng.citymgmt.excel import COMPONENT_COLUMNS
from chuangcheng.citymgmt.models import Component, UnitGrid
from chuangcheng.citymgmt.seed import ensure_seeded
from chuangcheng.demo.city import DemoCity
from tests.conftest import user
from tests.test_engine import client_for

COMPONENTS = 300


@pytest.fixture(autouse=True)
def _seeded_and_fresh(db: Any) -> None:
    ensure_seeded()
    geo.clear_cache()


@pytest.fixture
def registry(city: DemoCity, make_handler: Any) -> dict[str, Any]:
    """中山西路街道's 120 grids and 300 components; a handler of 海拉尔东路街道 (another street)."""
    build_citymgmt_demo(components=COMPONENTS)
    make_handler("S-150102001", "handler_other_street")
    grid = UnitGrid.objects.order_by("code").first()
    assert grid is not None
    return {"grid": grid}


def snapshot() -> tuple[int, int, list[Any]]:
    return (
        Component.objects.count(),
        UnitGrid.objects.count(),
        list(Component.objects.order_by("object_id").values_list("object_id", "state")[:50]),
    )


# ---------------------------------------------------------------- permission matrix
# (who, components status, how many components they see, lookup status) — stated here, not
# derived from the code: the centre and 城管局 (a city department) see the whole registry of the
# city, the 中山西路 street office its street's, a handler of another street none of them.
MATRIX = [
    (None, 401, None, 401),
    ("citizen", 403, None, 403),
    ("handler_other_street", 200, 0, 200),
    ("handler_zsxl", 200, COMPONENTS, 200),
    ("handler_cg", 200, COMPONENTS, 200),
    ("operator", 200, COMPONENTS, 200),
    ("dispatcher", 200, COMPONENTS, 200),
    ("leader", 200, COMPONENTS, 200),
    ("admin", 200, COMPONENTS, 200),
]


@pytest.mark.parametrize("who,status,count,lookup_status", MATRIX)
def test_permission_matrix(
    registry: dict[str, Any], who: str | None, status: int, count: int | None, lookup_status: int
) -> None:
    before = snapshot()
    client = client_for(who)
    resp = client.get("/api/v1/components?page_size=5")
    assert resp.status_code == status, resp.content
    if status == 200:
        assert resp.json()["count"] == count
    else:
        detail = resp.json()["detail"]
        assert detail == ("请先登录（缺少认证令牌）" if who is None else detail)
        if who == "citizen":
            assert "只有工作人员" in detail
    grid = registry["grid"]
    lookup = client.get(f"/api/v1/grids/lookup?lat={grid.center_lat}&lng={grid.center_lng}")
    assert lookup.status_code == lookup_status
    if lookup_status == 200:
        assert lookup.json()["grid"]["code"] == grid.code
    assert snapshot() == before  # a read, refused or not, changes nothing


def test_the_session_login_works_too(registry: dict[str, Any]) -> None:
    web = Client()
    web.force_login(user("dispatcher"))
    assert web.get("/api/v1/components").json()["count"] == COMPONENTS
    citizen = Client()
    citizen.force_login(user("citizen"))
    assert citizen.get("/api/v1/components").status_code == 403


# ---------------------------------------------------------------- lookup
def test_lookup_answers_grid_community_street_and_zone(registry: dict[str, Any]) -> None:
    grid = registry["grid"]
    body = client_for("dispatcher").get(
        "/api/v1/grids/lookup", {"lat": grid.center_lat, "lng": grid.center_lng}
    )
    assert body.json() == {
        "grid": {"id": grid.pk, "code": grid.code, "name": grid.name},
        "zone_class": grid.zone_class,
        "community": {"id": grid.community_id, "code": "150103004001", "name": "海亮社区"},
        "street": {"id": grid.street_id, "code": "150103004", "name": "中山西路街道"},
    }


@pytest.mark.parametrize(
    "query,status,message",
    [
        ("lat=abc&lng=111.6", 400, "经纬度必须是数字"),
        ("lat=inf&lng=111.6", 400, "有限"),
        ("lat=40.8&lng=-Infinity", 400, "有限"),
        ("lat=nan&lng=111.6", 400, "有限"),
        ("lat=91&lng=111.6", 400, "纬度必须在 -90 到 90 之间"),
        ("lat=40.8&lng=181", 400, "经度必须在 -180 到 180 之间"),
        ("lng=111.6", 400, "请提供经纬度参数"),
        ("", 400, "请提供经纬度参数"),
        ("lat=10&lng=10", 404, "不在任何单元网格内"),
    ],
)
def test_lookup_bad_input(registry: dict[str, Any], query: str, status: int, message: str) -> None:
    resp = client_for("dispatcher").get(f"/api/v1/grids/lookup?{query}")
    assert resp.status_code == status
    assert message in resp.json()["detail"]


# ---------------------------------------------------------------- component list
def test_list_filters(registry: dict[str, Any]) -> None:
    api = client_for("dispatcher")

    def count(query: str) -> int:
        resp = api.get(f"/api/v1/components?{query}")
        assert resp.status_code == 200, resp.content
        return int(resp.json()["count"])

    qs = Component.objects
    assert count("class=04") == qs.filter(subclass__klass__code="04").count() > 0
    lamps = qs.filter(subclass__klass__code="01", subclass__code="18").count()
    assert count("subclass=0118") == count("subclass=100118") == lamps > 0
    grid = registry["grid"]
    assert count(f"grid={grid.code}") == qs.filter(grid=grid).count()
    assert count("street=150103004") == COMPONENTS
    assert count("street=150102001") == 0
    assert count("state=damaged") == qs.filter(state="damaged").count() > 0
    bbox = f"{grid.min_lng},{grid.min_lat},{grid.max_lng},{grid.max_lat}"
    assert count(f"bbox={bbox}") == qs.filter(grid=grid).count()
    assert count("class=01&state=intact&street=150103004") == (
        qs.filter(subclass__klass__code="01", state="intact").count()
    )


def test_list_pages_and_shape(registry: dict[str, Any]) -> None:
    api = client_for("dispatcher")
    first = api.get("/api/v1/components?page_size=100").json()
    third = api.get("/api/v1/components?page_size=100&page=3").json()
    ids = [c["object_id"] for c in first["results"] + third["results"]]
    assert len(ids) == len(set(ids)) == 200 and ids == sorted(ids)
    assert api.get("/api/v1/components?page_size=100&page=4").json()["results"] == []
    c = Component.objects.select_related("subclass__klass", "maintainer_dept").get(object_id=ids[0])
    row = first["results"][0]
    assert row["object_id"] == c.object_id and row["subclass"]["code"] == c.object_id[6:10]
    assert row["state"] == c.state and row["state_label"] == c.get_state_display()
    maintainer = row["maintainer_dept"]
    assert maintainer["name"] == (
        c.maintainer_dept.name if c.maintainer_dept else c.maintainer_dept_name
    )


def test_list_queries_do_not_grow_with_the_page(
    registry: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    api = client_for("dispatcher")
    api.get("/api/v1/components?page_size=1")  # warm the token and actor lookups
    with django_assert_max_num_queries(6):
        assert len(api.get("/api/v1/components?page_size=200").json()["results"]) == 200


@pytest.mark.parametrize(
    "query,message",
    [
        ("state=broken", "state 只能是"),
        ("class=1", "class 应为两位"),
        ("subclass=01", "subclass 应为"),
        ("subclass=200201", "以 10 开头"),
        ("grid=abc", "grid 应为"),
        ("street=中山", "street 应为"),
        ("bbox=1,2,3", "bbox 应为"),
        ("bbox=1,2,3,inf", "bbox 应为"),
        ("bbox=112,40,111,41", "最小值大于最大值"),
        ("page=0", "page 从 1 开始"),
        ("page_size=500", "page_size 在 1 到 200"),
        ("page=x", "必须是整数"),
    ],
)
def test_list_bad_input(registry: dict[str, Any], query: str, message: str) -> None:
    resp = client_for("dispatcher").get(f"/api/v1/components?{query}")
    assert resp.status_code == 400
    assert message in resp.json()["detail"]


# ---------------------------------------------------------------- OpenAPI
def test_schema_lists_the_allowed_values_of_coded_fields(city: DemoCity) -> None:
    resp = client_for("dispatcher").get("/api/schema/?format=json")
    assert resp.status_code == 200
    schema = resp.json()
    components = schema["paths"]["/api/v1/components"]["get"]
    state_param = next(p for p in components["parameters"] if p["name"] == "state")
    assert sorted(state_param["schema"]["enum"]) == [
        "damaged",
        "intact",
        "missing",
        "occupied",
        "removed",
    ]

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref") or (node.get("allOf") or [{}])[0].get("$ref")
        return schema["components"]["schemas"][ref.split("/")[-1]] if ref else node

    page = resolve(components["responses"]["200"]["content"]["application/json"]["schema"])
    item = resolve(page["properties"]["results"]["items"])
    assert resolve(item["properties"]["state"])["enum"] == [
        "intact",
        "damaged",
        "missing",
        "occupied",
        "removed",
    ]
    assert resolve(item["properties"]["source"])["enum"] == [
        "census",
        "update",
        "report",
        "transfer",
        "other",
    ]
    lookup = schema["paths"]["/api/v1/grids/lookup"]["get"]
    out = resolve(lookup["responses"]["200"]["content"]["application/json"]["schema"])
    assert resolve(out["properties"]["zone_class"])["enum"] == ["A", "B", "C"]


# ---------------------------------------------------------------- admin pages
def test_admin_pages_and_excel(registry: dict[str, Any]) -> None:
    web = Client()
    web.force_login(user("admin"))
    for page in ("catalogueclass", "subclass", "standard", "unitgrid", "component"):
        assert web.get(f"/admin/citymgmt/{page}/").status_code == 200, page
    grid = registry["grid"]
    assert web.get(f"/admin/citymgmt/unitgrid/{grid.pk}/change/").status_code == 200
    export = web.get("/admin/citymgmt/component/export/")
    assert export.status_code == 200 and export["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    assert web.get("/admin/citymgmt/component/import/").status_code == 200
    wb = Workbook()
    ws = wb.active
    ws.title = "部件"
    ws.append(COMPONENT_COLUMNS)
    ws.append(["1501030118999999", "", "", "", "", "", grid.code, "完好", "", "", "", "", "", ""])
    data = io.BytesIO()
    wb.save(data)
    data.seek(0)
    data.name = "broken.xlsx"
    before = snapshot()
    resp = web.post("/admin/citymgmt/component/import/", {"file": data})
    assert resp.status_code == 200
    assert "工作表“部件”第 2 行“纬度”列：不能为空" in resp.content.decode()
    assert snapshot() == before


def test_admin_edits_are_for_administrators_only(registry: dict[str, Any]) -> None:
    """A staff member holding every permission of the app may look, but neither import nor
    change nor delete: the services take edits from administrators only."""
    from django.contrib.auth.models import Permission

    staff = user("dispatcher")
    staff.is_staff = True
    staff.save()
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="citymgmt"))
    web = Client()
    web.force_login(staff)
    component = Component.objects.order_by("object_id").first()
    assert component is not None
    before = snapshot()
    assert web.get("/admin/citymgmt/component/import/").status_code == 403
    assert web.get(f"/admin/citymgmt/component/{component.pk}/change/").status_code == 200
    assert (
        web.post(
            f"/admin/citymgmt/component/{component.pk}/change/", {"state": "missing"}
        ).status_code
        == 403
    )
    assert (
        web.post(f"/admin/citymgmt/component/{component.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert snapshot() == before
