"""A minimal hand-written baseline for ``rest_bench.py``.

Starlette + asyncpg + orjson on uvicorn (uvloop, httptools), one worker, no auth. It serves
exactly the routes the benchmark loads, against a Vingt workspace schema, and returns
the same JSON shapes as Vingt:

- ``GET  /rest/people?filter=city[eq]:X&order_by=name.lastName[AscNullsFirst]&limit=N&depth=1``
- ``GET  /rest/people/<id>`` (depth 0)
- ``POST /rest/people`` (201, ``{"data":{"createPerson":{...}}}``)
- ``PATCH /rest/people/<id>`` with ``{"jobTitle": …}`` (``{"data":{"updatePerson":{...}}}``)
- ``PATCH /rest/people?filter=city[eq]:X`` with ``{"jobTitle": …}`` (``{"data":{"updatePeople":[...]}}``)

Like Vingt, records are rendered to JSON by PostgreSQL (``json_build_object``) and passed
through as text; the envelopes are concatenated in Python. Each route is one statement.

    python bench/baseline_app.py --database postgresql://... --schema workspace_xxx --port 8001
"""

from __future__ import annotations

import argparse
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ONE_TO_MANY_LIMIT = 60  # Vingt embeds at most 60 records per one-to-many relation
MAX_LIMIT = 100


def ts(col: str) -> str:
    """A timestamptz column as Twenty's ISO text (UTC, milliseconds, Z)."""
    return f"""to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""


def common(a: str) -> str:
    return f"""'id', {a}.id, 'createdAt', {ts(f'{a}."createdAt"')}, 'updatedAt', {ts(f'{a}."updatedAt"')},
        'deletedAt', {ts(f'{a}."deletedAt"')}"""


def actors(a: str) -> str:
    return f"""'createdBy', json_build_object('source', {a}."createdBySource",
            'workspaceMemberId', {a}."createdByWorkspaceMemberId", 'name', {a}."createdByName",
            'context', {a}."createdByContext"),
        'updatedBy', json_build_object('source', {a}."updatedBySource",
            'workspaceMemberId', {a}."updatedByWorkspaceMemberId", 'name', {a}."updatedByName",
            'context', {a}."updatedByContext")"""


def links(a: str, field: str) -> str:
    return f"""'{field}', json_build_object('primaryLinkUrl', {a}."{field}PrimaryLinkUrl",
            'primaryLinkLabel', {a}."{field}PrimaryLinkLabel", 'secondaryLinks', {a}."{field}SecondaryLinks")"""


def person_json(a: str, extra: str = "") -> str:
    return f"""json_build_object({common(a)}, 'position', {a}.position, {actors(a)},
        'name', json_build_object('firstName', {a}."nameFirstName", 'lastName', {a}."nameLastName"),
        'emails', json_build_object('primaryEmail', {a}."emailsPrimaryEmail",
            'additionalEmails', {a}."emailsAdditionalEmails"),
        {links(a, 'linkedinLink')}, {links(a, 'xLink')},
        'jobTitle', {a}."jobTitle",
        'phones', json_build_object('primaryPhoneNumber', {a}."phonesPrimaryPhoneNumber",
            'primaryPhoneCountryCode', {a}."phonesPrimaryPhoneCountryCode",
            'primaryPhoneCallingCode', {a}."phonesPrimaryPhoneCallingCode",
            'additionalPhones', {a}."phonesAdditionalPhones"),
        'city', {a}.city, 'avatarUrl', {a}."avatarUrl", 'avatarFile', {a}."avatarFile",
        'companyId', {a}."companyId"{extra})"""


def company_json(a: str) -> str:
    return f"""json_build_object({common(a)}, 'position', {a}.position, {actors(a)},
        'name', {a}.name, {links(a, 'domainName')},
        'address', json_build_object('addressStreet1', {a}."addressAddressStreet1",
            'addressStreet2', {a}."addressAddressStreet2", 'addressCity', {a}."addressAddressCity",
            'addressPostcode', {a}."addressAddressPostcode", 'addressState', {a}."addressAddressState",
            'addressCountry', {a}."addressAddressCountry", 'addressLat', {a}."addressAddressLat",
            'addressLng', {a}."addressAddressLng"),
        'employees', {a}.employees, {links(a, 'linkedinLink')}, {links(a, 'xLink')},
        'annualRecurringRevenue', json_build_object(
            'amountMicros', {a}."annualRecurringRevenueAmountMicros",
            'currencyCode', {a}."annualRecurringRevenueCurrencyCode"),
        'idealCustomerProfile', {a}."idealCustomerProfile", 'accountOwnerId', {a}."accountOwnerId")"""


# The records of the one-to-many relations a person has (the inverse sides Vingt embeds at
# depth 1): key → (table, foreign key to person, JSON body of one record with alias ``x``).
def _targets(activity_col: str) -> str:
    return f"""json_build_object({common('x')}, '{activity_col}', x."{activity_col}",
        'targetPersonId', x."targetPersonId", 'targetCompanyId', x."targetCompanyId",
        'targetOpportunityId', x."targetOpportunityId")"""


def _ids(*cols: str) -> str:
    return ", ".join(f"'{c}', x.\"{c}\"" for c in cols)


PERSON_TO_MANY: list[tuple[str, str, str, str]] = [
    ("pointOfContactForOpportunities", "opportunity", "pointOfContactId",
     f"""json_build_object({common('x')}, 'position', x.position, {actors('x')}, 'name', x.name,
        'amount', json_build_object('amountMicros', x."amountAmountMicros", 'currencyCode', x."amountCurrencyCode"),
        'closeDate', {ts('x."closeDate"')}, 'stage', x.stage,
        {_ids('pointOfContactId', 'companyId', 'ownerId')})"""),
    ("noteTargets", "noteTarget", "targetPersonId", _targets("noteId")),
    ("taskTargets", "taskTarget", "targetPersonId", _targets("taskId")),
    ("attachments", "attachment", "targetPersonId",
     f"""json_build_object({common('x')}, {actors('x')}, 'name', x.name, 'file', x.file,
        'fullPath', x."fullPath", 'fileCategory', x."fileCategory",
        {_ids('targetTaskId', 'targetNoteId', 'targetPersonId', 'targetCompanyId', 'targetOpportunityId',
              'targetDashboardId', 'targetWorkflowId', 'targetActivityId')})"""),
    ("timelineActivities", "timelineActivity", "targetPersonId",
     f"""json_build_object({common('x')}, 'happensAt', {ts('x."happensAt"')}, 'name', x.name,
        'properties', x.properties,
        {_ids('linkedRecordCachedName', 'linkedRecordId', 'linkedObjectMetadataId', 'workspaceMemberId',
              'targetPersonId', 'targetCompanyId', 'targetOpportunityId', 'targetNoteId', 'targetTaskId',
              'targetWorkflowId', 'targetWorkflowVersionId', 'targetWorkflowRunId', 'targetDashboardId',
              'targetActivityId')})"""),
    ("favorites", "favorite", "personId",
     f"""json_build_object({common('x')}, 'position', x.position,
        {_ids('viewId', 'forWorkspaceMemberId', 'personId', 'companyId', 'opportunityId', 'workflowId',
              'workflowVersionId', 'workflowRunId', 'taskId', 'noteId', 'dashboardId', 'activityId',
              'favoriteFolderId')})"""),
    ("messageParticipants", "messageParticipant", "personId",
     f"""json_build_object({common('x')}, 'role', x.role, 'handle', x.handle, 'displayName', x."displayName",
        {_ids('messageId', 'personId', 'workspaceMemberId')})"""),
    ("calendarEventParticipants", "calendarEventParticipant", "personId",
     f"""json_build_object({common('x')}, 'handle', x.handle, 'displayName', x."displayName",
        'isOrganizer', x."isOrganizer", 'responseStatus', x."responseStatus",
        {_ids('calendarEventId', 'personId', 'workspaceMemberId')})"""),
    ("activityTargets", "activityTarget", "targetPersonId", _targets("activityId")),
]


class Sql:
    """The statements, for one workspace schema."""

    def __init__(self, schema: str):
        s = '"' + schema.replace('"', '""') + '"'
        embedded = f""",
        'company', (SELECT {company_json('co')} FROM {s}.company co
                    WHERE co.id = r."companyId" AND co."deletedAt" IS NULL)"""
        for key, table, fk, body in PERSON_TO_MANY:
            embedded += f""",
        '{key}', (SELECT coalesce(json_agg(m.j ORDER BY m.k), '[]'::json)
                  FROM (SELECT {body} AS j, x.id AS k FROM {s}."{table}" x
                        WHERE x."{fk}" = r.id AND x."deletedAt" IS NULL
                        ORDER BY x.id LIMIT {ONE_TO_MANY_LIMIT}) m)"""
        self.list_by_city = f"""
            SELECT r.id::text, {person_json('r', embedded)}::text,
                   (SELECT count(*) FROM {s}.person c WHERE c.city = $1 AND c."deletedAt" IS NULL)
            FROM {s}.person r
            WHERE r.city = $1 AND r."deletedAt" IS NULL
            ORDER BY r."nameLastName" ASC NULLS FIRST, r.id
            LIMIT $2"""
        self.count_by_city = f"""SELECT count(*) FROM {s}.person c WHERE c.city = $1 AND c."deletedAt" IS NULL"""
        self.read_one = f"""
            SELECT {person_json('r')}::text FROM {s}.person r WHERE r.id = $1 AND r."deletedAt" IS NULL"""
        self.create = f"""
            INSERT INTO {s}.person AS r (
                id, "createdAt", "updatedAt", position,
                "createdBySource", "createdByName", "createdByContext",
                "updatedBySource", "updatedByName", "updatedByContext",
                "nameFirstName", "nameLastName", "emailsPrimaryEmail", "jobTitle", city, "companyId")
            VALUES (
                gen_random_uuid(), now(), now(), (SELECT coalesce(min(position), 0) - 1 FROM {s}.person),
                'API', $1, '{{}}', 'API', $1, '{{}}',
                $2, $3, $4, $5, $6, $7::uuid)
            RETURNING {person_json('r')}::text"""
        touch = """"updatedAt" = now(), "updatedBySource" = 'API', "updatedByName" = $1,
                   "updatedByWorkspaceMemberId" = NULL"""
        self.update_one = f"""
            UPDATE {s}.person AS r SET "jobTitle" = $3, {touch}
            WHERE r.id = $2 AND r."deletedAt" IS NULL
            RETURNING {person_json('r')}::text"""
        self.update_by_city = f"""
            UPDATE {s}.person AS r SET "jobTitle" = $3, {touch}
            WHERE r.city = $2 AND r."deletedAt" IS NULL
            RETURNING {person_json('r')}::text"""


def error(status: int, code: str, message: str) -> Response:
    body = orjson.dumps({"error": {"message": message, "code": code, "details": {}}, "statusCode": status,
                         "messages": [message]})
    return Response(body, status_code=status, media_type="application/json")


def json_bytes(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type="application/json")


CITY_FILTER = re.compile(r"^city\[eq\]:(.*)$")


def create_app(database: str, schema: str, actor_name: str) -> Starlette:
    sql = Sql(schema)
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # the same pool bounds as Vingt's
        state["pool"] = await asyncpg.create_pool(database, min_size=2, max_size=10,
                                                  server_settings={"TimeZone": "UTC",
                                                                   "application_name": "vingt-baseline"})
        try:
            yield
        finally:
            await state["pool"].close()

    async def health(request: Request) -> Response:
        return json_bytes(b'{"status":"ok"}')

    async def list_people(request: Request) -> Response:
        q = request.query_params
        m = CITY_FILTER.match(q.get("filter", ""))
        if m is None or q.get("order_by", "name.lastName[AscNullsFirst]") != "name.lastName[AscNullsFirst]" \
                or q.get("depth", "1") != "1":
            return error(400, "UNSUPPORTED", "this baseline serves only filter=city[eq]:X, "
                                             "order_by=name.lastName[AscNullsFirst], depth=1")
        city = m.group(1)
        raw_limit = q.get("limit", "20")
        if not raw_limit.isdigit():
            return error(400, "INVALID_LIMIT", f"limit '{raw_limit}' is invalid. Should be an integer")
        limit = min(int(raw_limit), MAX_LIMIT)
        pool = state["pool"]
        rows = await pool.fetch(sql.list_by_city, city, limit + 1)
        total = rows[0][2] if rows else await pool.fetchval(sql.count_by_city, city)
        more = len(rows) > limit
        rows = rows[:limit]
        info = orjson.dumps({
            "hasNextPage": more,
            "hasPreviousPage": False,
            "startCursor": rows[0][0] if rows else None,
            "endCursor": rows[-1][0] if rows else None,
        }).decode()
        body = ('{"data":{"people":[' + ",".join(r[1] for r in rows) + ']},"totalCount":' + str(total)
                + ',"pageInfo":' + info + "}")
        return json_bytes(body.encode())

    async def read_person(request: Request) -> Response:
        raw = request.path_params["id"]
        try:
            person_id = uuid.UUID(raw)
        except ValueError:
            return error(400, "INVALID_UUID", f"'{raw}' is not a valid UUID")
        record = await state["pool"].fetchval(sql.read_one, person_id)
        if record is None:
            return error(404, "RECORD_NOT_FOUND", "Record not found")
        return json_bytes(b'{"data":{"person":' + record.encode() + b"}}")

    async def create_person(request: Request) -> Response:
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return error(400, "INVALID_JSON", "Request body is not valid JSON")
        if not isinstance(body, dict):
            return error(400, "INVALID_BODY", "Body must be a JSON object")
        name = body.get("name") or {}
        emails = body.get("emails") or {}
        try:
            record = await state["pool"].fetchval(
                sql.create, actor_name, name.get("firstName"), name.get("lastName"),
                emails.get("primaryEmail"), body.get("jobTitle"), body.get("city"), body.get("companyId"),
            )
        except asyncpg.UniqueViolationError:
            return error(400, "UNIQUE_VIOLATION", "A record with this emails.primaryEmail already exists")
        except asyncpg.ForeignKeyViolationError:
            return error(400, "RELATION_TARGET_NOT_FOUND", "companyId points to no company")
        except (asyncpg.DataError, AttributeError, TypeError) as exc:
            return error(400, "VALIDATION_ERROR", f"invalid value: {exc}")
        return json_bytes(b'{"data":{"createPerson":' + record.encode() + b"}}", 201)

    async def job_title(request: Request) -> str | Response:
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return error(400, "INVALID_JSON", "Request body is not valid JSON")
        if not isinstance(body, dict) or set(body) != {"jobTitle"} or not isinstance(body["jobTitle"], str):
            return error(400, "UNSUPPORTED", 'this baseline updates only {"jobTitle": "<text>"}')
        return str(body["jobTitle"])

    async def update_person(request: Request) -> Response:
        raw = request.path_params["id"]
        try:
            person_id = uuid.UUID(raw)
        except ValueError:
            return error(400, "INVALID_UUID", f"'{raw}' is not a valid UUID")
        title = await job_title(request)
        if isinstance(title, Response):
            return title
        record = await state["pool"].fetchval(sql.update_one, actor_name, person_id, title)
        if record is None:
            return error(404, "RECORD_NOT_FOUND", "Record not found")
        return json_bytes(b'{"data":{"updatePerson":' + record.encode() + b"}}")

    async def update_people(request: Request) -> Response:
        m = CITY_FILTER.match(request.query_params.get("filter", ""))
        if m is None:
            return error(400, "UNSUPPORTED", "this baseline updates only by filter=city[eq]:X")
        title = await job_title(request)
        if isinstance(title, Response):
            return title
        rows = await state["pool"].fetch(sql.update_by_city, actor_name, m.group(1), title)
        return json_bytes(('{"data":{"updatePeople":[' + ",".join(r[0] for r in rows) + "]}}").encode())

    return Starlette(
        routes=[
            Route("/healthz", health, methods=["GET"]),
            Route("/rest/people", list_people, methods=["GET"]),
            Route("/rest/people", create_person, methods=["POST"]),
            Route("/rest/people", update_people, methods=["PATCH"]),
            Route("/rest/people/{id}", read_person, methods=["GET"]),
            Route("/rest/people/{id}", update_person, methods=["PATCH"]),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database", required=True, help="postgresql://user@host:port/dbname")
    p.add_argument("--schema", required=True, help='the workspace schema (SELECT "databaseSchema" FROM workspace)')
    p.add_argument("--actor-name", default="Default key", help="createdBy.name / updatedBy.name of created records")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8001)
    args = p.parse_args()
    app = create_app(args.database, args.schema, args.actor_name)
    print(f"Baseline listening on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, workers=1, loop="uvloop", http="httptools",
                log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
