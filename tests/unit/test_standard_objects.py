"""The standard objects (DATA_MODEL.md §4, DECISIONS.md §1) materialize consistently."""

from __future__ import annotations

import pytest

from vingt.metadata.blueprint import materialize
from vingt.metadata.model import MANY_TO_ONE, ONE_TO_MANY, ObjectMeta
from vingt.metadata.standard import STANDARD_OBJECTS
from vingt.metadata.types import FieldType

EXPECTED_PLURALS = {
    "person": "people",
    "company": "companies",
    "opportunity": "opportunities",
    "note": "notes",
    "task": "tasks",
    "noteTarget": "noteTargets",
    "taskTarget": "taskTargets",
    "attachment": "attachments",
    "timelineActivity": "timelineActivities",
    "favorite": "favorites",
    "favoriteFolder": "favoriteFolders",
    "workspaceMember": "workspaceMembers",
    "dashboard": "dashboards",
    "workflow": "workflows",
    "workflowVersion": "workflowVersions",
    "workflowRun": "workflowRuns",
    "workflowAutomatedTrigger": "workflowAutomatedTriggers",
    "blocklist": "blocklists",
    "connectedAccount": "connectedAccounts",
    "message": "messages",
    "messageThread": "messageThreads",
    "messageChannel": "messageChannels",
    "messageChannelMessageAssociation": "messageChannelMessageAssociations",
    "messageFolder": "messageFolders",
    "messageParticipant": "messageParticipants",
    "calendarEvent": "calendarEvents",
    "calendarChannel": "calendarChannels",
    "calendarChannelEventAssociation": "calendarChannelEventAssociations",
    "calendarEventParticipant": "calendarEventParticipants",
    "activity": "activities",
    "activityTarget": "activityTargets",
}


@pytest.fixture(scope="module")
def objects() -> dict[str, ObjectMeta]:
    return {o.name_singular: o for o in materialize(STANDARD_OBJECTS, "2024-01-01T00:00:00.000Z")}


def _field(obj: ObjectMeta, name: str):
    f = obj.field(name)
    assert f is not None, f"{obj.name_singular}.{name} is missing"
    return f


def test_every_standard_object_exists_with_its_plural(objects: dict[str, ObjectMeta]) -> None:
    assert {name: o.name_plural for name, o in objects.items()} == EXPECTED_PLURALS


def test_person_fields(objects: dict[str, ObjectMeta]) -> None:
    person = objects["person"]
    assert _field(person, "name").type == FieldType.FULL_NAME
    emails = _field(person, "emails")
    assert emails.type == FieldType.EMAILS
    assert emails.is_unique
    company = _field(person, "company")
    assert company.type == FieldType.RELATION
    assert company.relation is not None
    assert company.relation.type == MANY_TO_ONE
    assert company.relation.target_object == "company"
    for name in (
        "noteTargets",
        "taskTargets",
        "activityTargets",
        "attachments",
        "favorites",
        "timelineActivities",
        "pointOfContactForOpportunities",
    ):
        f = _field(person, name)
        assert f.relation is not None and f.relation.type == ONE_TO_MANY, name


def test_opportunity_stage(objects: dict[str, ObjectMeta]) -> None:
    stage = _field(objects["opportunity"], "stage")
    assert stage.type == FieldType.SELECT
    assert stage.option_values == ("NEW", "SCREENING", "MEETING", "PROPOSAL", "CUSTOMER")
    assert stage.default_value == "'NEW'"
    assert not stage.is_nullable


def test_task_status(objects: dict[str, ObjectMeta]) -> None:
    status = _field(objects["task"], "status")
    assert status.option_values == ("TODO", "IN_PROGRESS", "DONE")
    assert status.default_value == "'TODO'"


def test_note_target_shape(objects: dict[str, ObjectMeta]) -> None:
    note_target = objects["noteTarget"]
    branches = [_field(note_target, n) for n in ("targetPerson", "targetCompany", "targetOpportunity")]
    assert [b.relation.target_object for b in branches if b.relation] == ["person", "company", "opportunity"]
    assert all(b.type == FieldType.MORPH_RELATION for b in branches)
    assert len({b.morph_id for b in branches}) == 1 and branches[0].morph_id is not None
    note = _field(note_target, "note")
    assert note.type == FieldType.RELATION
    assert note.relation is not None
    assert (note.relation.type, note.relation.target_object, note.relation.on_delete) == (
        MANY_TO_ONE,
        "note",
        "CASCADE",
    )


def test_activity_target_is_shaped_like_note_target(objects: dict[str, ObjectMeta]) -> None:
    def shape(name: str, own: str) -> list[tuple[str, str, str | None]]:
        out = []
        for f in objects[name].fields:
            if f.relation is not None and f.relation.type == MANY_TO_ONE:
                out.append((f.name.replace(own, "X"), f.type, f.relation.on_delete))
        return out

    assert shape("activityTarget", "activity") == shape("noteTarget", "note")


def test_every_many_to_one_inverse_exists_and_points_back(objects: dict[str, ObjectMeta]) -> None:
    for obj in objects.values():
        for f in obj.fields:
            if f.relation is None or f.relation.type != MANY_TO_ONE:
                continue
            target = objects.get(f.relation.target_object)
            assert target is not None, f"{obj.name_singular}.{f.name} targets unknown object"
            inverse = target.field(f.relation.target_field)
            assert inverse is not None, f"{target.name_singular}.{f.relation.target_field} missing"
            assert inverse.relation is not None
            assert inverse.relation.type == ONE_TO_MANY
            assert inverse.relation.target_object == obj.name_singular
            assert inverse.relation.target_field == f.name


def test_field_names_are_unique_per_object(objects: dict[str, ObjectMeta]) -> None:
    for obj in objects.values():
        names = [f.name for f in obj.fields]
        assert len(names) == len(set(names)), obj.name_singular
