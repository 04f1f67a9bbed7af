from conftest import Api


def test_create_then_list(api: Api) -> None:
    r = api.post("/rest/people", json={"name": {"firstName": "Smoke", "lastName": "Test"}})
    assert r.status_code == 201, r.text
    person = r.json()["data"]["createPerson"]
    r = api.get("/rest/people", params={"filter": f"id[eq]:{person['id']}"})
    assert r.status_code == 200
    body = r.json()
    assert body["data"]["people"] == [person]
    assert body["totalCount"] == 1
