"""SELECT fields sort by their options' positions (Twenty's enum order), cursors included."""

from __future__ import annotations

import pytest

from conftest import Api

STAGES = ["NEW", "SCREENING", "MEETING", "PROPOSAL", "CUSTOMER"]


@pytest.fixture(scope="module")
def opportunities(api: Api) -> list[dict]:
    # created out of order, twice each, plus one without a stage change (default NEW)
    body = [{"name": f"o-{s}-{i}", "stage": s} for i in range(2) for s in reversed(STAGES)]
    r = api.post("/rest/batch/opportunities", json=body)
    assert r.status_code == 201, r.text
    return r.json()["data"]["createOpportunities"]


@pytest.mark.parametrize("direction", ["AscNullsFirst", "DescNullsLast"])
def test_select_orders_by_option_position(api: Api, opportunities: list[dict], direction: str) -> None:
    r = api.get("/rest/opportunities", params={"order_by": f"stage[{direction}]", "limit": "100"})
    assert r.status_code == 200, r.text
    stages = [o["stage"] for o in r.json()["data"]["opportunities"]]
    expected = sorted(stages, key=STAGES.index, reverse=direction.startswith("Desc"))
    assert stages == expected
    assert stages[0] == ("NEW" if direction.startswith("Asc") else "CUSTOMER")


def test_select_order_pages_without_repeat_or_skip(api: Api, opportunities: list[dict]) -> None:
    full = api.get("/rest/opportunities", params={"order_by": "stage[AscNullsFirst]", "limit": "100"}).json()
    walked: list[str] = []
    after = None
    for _ in range(20):
        params = {"order_by": "stage[AscNullsFirst]", "limit": "3"}
        if after:
            params["starting_after"] = after
        page = api.get("/rest/opportunities", params=params).json()
        walked += [o["id"] for o in page["data"]["opportunities"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert walked == [o["id"] for o in full["data"]["opportunities"]]
