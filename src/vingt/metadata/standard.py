"""The standard objects every new workspace gets (DATA_MODEL.md §4, DECISIONS.md §1)."""

from __future__ import annotations

from vingt.metadata.blueprint import (
    ACTOR_DEFAULT,
    FieldSpec,
    ObjectSpec,
    boolean,
    composite,
    date_time,
    many_to_one,
    morph,
    multi_select,
    number,
    raw_json,
    scalar,
    select,
    text,
    uuid_field,
)
from vingt.metadata.types import FieldType

F = FieldType

# Naming choices (inverse names must be unique on each target object):
# - Every inverse name below is the one DATA_MODEL.md §4 gives; no two relations generate the
#   same inverse name on one object, so no renaming was needed.
# - ``activity`` (DECISIONS.md §1) is wired like ``note``: ``activityTarget`` (junction, inverse
#   ``activityTargets`` on activity, person, company and opportunity), plus
#   ``attachment.targetActivity`` → ``activity.attachments``,
#   ``timelineActivity.targetActivity`` → ``activity.timelineActivities`` and
#   ``favorite.activity`` → ``activity.favorites``.
# - ``attachments``, ``favorites`` and ``timelineActivities`` inverses are system fields on
#   every target (as DATA_MODEL.md marks them on person/company/opportunity).

PERSON = ObjectSpec(
    "person",
    "people",
    "Person",
    "People",
    description="A person",
    icon="IconUser",
    shortcut="P",
    searchable=True,
    duplicate_criteria=[["nameFirstName", "nameLastName"], ["linkedinLinkPrimaryLinkUrl"], ["emailsPrimaryEmail"]],
    fields=[
        composite(F.FULL_NAME, "name", "Name"),
        composite(F.EMAILS, "emails", "Emails", unique=True, settings={"maxNumberOfValues": 1}),
        composite(F.LINKS, "linkedinLink", "Linkedin"),
        composite(F.LINKS, "xLink", "X"),
        text("jobTitle", "Job Title"),
        composite(F.PHONES, "phones", "Phones", settings={"maxNumberOfValues": 1}),
        text("city", "City"),
        text("avatarUrl", "Avatar", system=True),
        composite(F.FILES, "avatarFile", "Avatar File", system=True, settings={"maxNumberOfValues": 1}),
        many_to_one("company", "Company", "company", "people", inverse_label="People"),
    ],
)

COMPANY = ObjectSpec(
    "company",
    "companies",
    "Company",
    "Companies",
    description="A company",
    icon="IconBuildingSkyscraper",
    shortcut="C",
    searchable=True,
    duplicate_criteria=[["name"], ["domainNamePrimaryLinkUrl"]],
    fields=[
        text("name", "Name"),
        composite(F.LINKS, "domainName", "Domain Name", unique=True, settings={"maxNumberOfValues": 1}),
        composite(F.ADDRESS, "address", "Address"),
        number("employees", "Employees"),
        composite(F.LINKS, "linkedinLink", "Linkedin"),
        composite(F.LINKS, "xLink", "X"),
        composite(F.CURRENCY, "annualRecurringRevenue", "ARR"),
        boolean("idealCustomerProfile", "ICP", nullable=False, default=False),
        many_to_one(
            "accountOwner",
            "Account Owner",
            "workspaceMember",
            "accountOwnerForCompanies",
            inverse_label="Account Owner For Companies",
        ),
    ],
)

OPPORTUNITY = ObjectSpec(
    "opportunity",
    "opportunities",
    "Opportunity",
    "Opportunities",
    description="An opportunity",
    icon="IconTargetArrow",
    shortcut="O",
    searchable=True,
    fields=[
        text("name", "Name"),
        composite(F.CURRENCY, "amount", "Amount"),
        date_time("closeDate", "Close date"),
        select(
            "stage",
            "Stage",
            [
                ("NEW", "New", "red"),
                ("SCREENING", "Screening", "purple"),
                ("MEETING", "Meeting", "sky"),
                ("PROPOSAL", "Proposal", "turquoise"),
                ("CUSTOMER", "Customer", "yellow"),
            ],
            nullable=False,
            default="'NEW'",
        ),
        many_to_one(
            "pointOfContact",
            "Point of Contact",
            "person",
            "pointOfContactForOpportunities",
            inverse_label="Linked Opportunities",
        ),
        many_to_one("company", "Company", "company", "opportunities", inverse_label="Opportunities"),
        many_to_one("owner", "Owner", "workspaceMember", "ownedOpportunities", inverse_label="Owned Opportunities"),
    ],
)

# ---- notes, tasks, activities and their junctions ---------------------------------------


def _record_targets(inverse: str, inverse_label: str) -> list[FieldSpec]:
    """The morph branches of a note/task/activity junction (targetPerson, …)."""
    return [
        morph("targetPerson", "Person", "person", inverse, inverse_label=inverse_label, icon="IconUser"),
        morph(
            "targetCompany",
            "Company",
            "company",
            inverse,
            inverse_label=inverse_label,
            icon="IconBuildingSkyscraper",
        ),
        morph(
            "targetOpportunity",
            "Opportunity",
            "opportunity",
            inverse,
            inverse_label=inverse_label,
            icon="IconTargetArrow",
        ),
    ]


NOTE = ObjectSpec(
    "note",
    "notes",
    "Note",
    "Notes",
    description="A note",
    icon="IconNotes",
    shortcut="N",
    searchable=True,
    label_identifier="title",
    fields=[
        text("title", "Title"),
        composite(F.RICH_TEXT_V2, "bodyV2", "Body"),
    ],
)

TASK = ObjectSpec(
    "task",
    "tasks",
    "Task",
    "Tasks",
    description="A task",
    icon="IconCheckbox",
    shortcut="T",
    searchable=True,
    label_identifier="title",
    fields=[
        text("title", "Title"),
        composite(F.RICH_TEXT_V2, "bodyV2", "Body"),
        date_time("dueAt", "Due Date"),
        select(
            "status",
            "Status",
            [
                ("TODO", "To do", "sky"),
                ("IN_PROGRESS", "In progress", "purple"),
                ("DONE", "Done", "green"),
            ],
            default="'TODO'",
        ),
        many_to_one("assignee", "Assignee", "workspaceMember", "assignedTasks", inverse_label="Assigned tasks"),
    ],
)

ACTIVITY = ObjectSpec(
    "activity",
    "activities",
    "Activity",
    "Activities",
    description="A meeting, call, email or other interaction",
    icon="IconActivity",
    shortcut="A",
    searchable=True,
    label_identifier="title",
    fields=[
        text("title", "Title"),
        select(
            "type",
            "Type",
            [
                ("MEETING", "Meeting", "sky"),
                ("CALL", "Call", "green"),
                ("EMAIL", "Email", "purple"),
                ("OTHER", "Other", "gray"),
            ],
        ),
        date_time("startsAt", "Starts at"),
        date_time("endsAt", "Ends at"),
        composite(F.RICH_TEXT_V2, "bodyV2", "Body"),
    ],
)

NOTE_TARGET = ObjectSpec(
    "noteTarget",
    "noteTargets",
    "Note Target",
    "Note Targets",
    description="A note target",
    icon="IconCheckbox",
    system=True,
    label_identifier="id",
    extras=(),
    fields=[
        many_to_one("note", "Note", "note", "noteTargets", on_delete="CASCADE", inverse_label="Relations"),
        *_record_targets("noteTargets", "Notes"),
    ],
)

TASK_TARGET = ObjectSpec(
    "taskTarget",
    "taskTargets",
    "Task Target",
    "Task Targets",
    description="A task target",
    icon="IconCheckbox",
    system=True,
    label_identifier="id",
    extras=(),
    fields=[
        many_to_one("task", "Task", "task", "taskTargets", on_delete="CASCADE", inverse_label="Relations"),
        *_record_targets("taskTargets", "Tasks"),
    ],
)

ACTIVITY_TARGET = ObjectSpec(
    "activityTarget",
    "activityTargets",
    "Activity Target",
    "Activity Targets",
    description="An activity target",
    icon="IconCheckbox",
    system=True,
    label_identifier="id",
    extras=(),
    fields=[
        many_to_one(
            "activity", "Activity", "activity", "activityTargets", on_delete="CASCADE", inverse_label="Relations"
        ),
        *_record_targets("activityTargets", "Activities"),
    ],
)

# ---- attachments, timeline, favorites ---------------------------------------------------

ATTACHMENT = ObjectSpec(
    "attachment",
    "attachments",
    "Attachment",
    "Attachments",
    description="An attachment",
    icon="IconFileImport",
    system=True,
    label_identifier="name",
    extras=("createdBy", "updatedBy"),
    fields=[
        text("name", "Name"),
        composite(F.FILES, "file", "File", settings={"maxNumberOfValues": 1}),
        text("fullPath", "Full path"),
        select(
            "fileCategory",
            "File category",
            [
                ("ARCHIVE", "Archive", "gray"),
                ("AUDIO", "Audio", "pink"),
                ("IMAGE", "Image", "yellow"),
                ("PRESENTATION", "Presentation", "orange"),
                ("SPREADSHEET", "Spreadsheet", "turquoise"),
                ("TEXT_DOCUMENT", "Text Document", "blue"),
                ("VIDEO", "Video", "purple"),
                ("OTHER", "Other", "gray"),
            ],
            nullable=False,
            default="'OTHER'",
        ),
        morph(
            "targetTask",
            "Task",
            "task",
            "attachments",
            on_delete="SET_NULL",
            inverse_label="Attachments",
            inverse_system=True,
        ),
        morph(
            "targetNote",
            "Note",
            "note",
            "attachments",
            on_delete="SET_NULL",
            inverse_label="Attachments",
            inverse_system=True,
        ),
        morph("targetPerson", "Person", "person", "attachments", inverse_label="Attachments", inverse_system=True),
        morph("targetCompany", "Company", "company", "attachments", inverse_label="Attachments", inverse_system=True),
        morph(
            "targetOpportunity",
            "Opportunity",
            "opportunity",
            "attachments",
            inverse_label="Attachments",
            inverse_system=True,
        ),
        morph(
            "targetDashboard",
            "Dashboard",
            "dashboard",
            "attachments",
            inverse_label="Attachments",
            inverse_system=True,
        ),
        morph(
            "targetWorkflow",
            "Workflow",
            "workflow",
            "attachments",
            inverse_label="Attachments",
            inverse_system=True,
        ),
        morph(
            "targetActivity",
            "Activity",
            "activity",
            "attachments",
            inverse_label="Attachments",
            inverse_system=True,
        ),
    ],
)

TIMELINE_ACTIVITY = ObjectSpec(
    "timelineActivity",
    "timelineActivities",
    "Timeline Activity",
    "Timeline Activities",
    description="Aggregated / filtered event to be displayed on the timeline",
    icon="IconTimelineEvent",
    system=True,
    label_identifier="name",
    extras=(),
    fields=[
        date_time("happensAt", "Creation date", nullable=False, default="now"),
        text("name", "Event name"),
        raw_json("properties", "Event details"),
        text("linkedRecordCachedName", "Linked Record cached name", system=True),
        uuid_field("linkedRecordId", "Linked Record id", system=True),
        uuid_field("linkedObjectMetadataId", "Linked Object Metadata Id", system=True),
        many_to_one(
            "workspaceMember",
            "Workspace Member",
            "workspaceMember",
            "timelineActivities",
            on_delete="CASCADE",
            inverse_label="Events",
            inverse_system=True,
        ),
        morph(
            "targetPerson",
            "Person",
            "person",
            "timelineActivities",
            inverse_label="Timeline Activities",
            inverse_system=True,
        ),
        morph(
            "targetCompany",
            "Company",
            "company",
            "timelineActivities",
            inverse_label="Timeline Activities",
            inverse_system=True,
        ),
        morph(
            "targetOpportunity",
            "Opportunity",
            "opportunity",
            "timelineActivities",
            on_delete="SET_NULL",
            inverse_label="Timeline Activities",
            inverse_system=True,
        ),
        morph(
            "targetNote",
            "Note",
            "note",
            "timelineActivities",
            inverse_label="Timeline Activities",
            inverse_system=True,
        ),
        morph(
            "targetTask",
            "Task",
            "task",
            "timelineActivities",
            inverse_label="Timeline Activities",
            inverse_system=True,
        ),
        morph(
            "targetWorkflow",
            "Workflow",
            "workflow",
            "timelineActivities",
            inverse_label="Timeline Activities",
            inverse_system=True,
        ),
        morph(
            "targetWorkflowVersion",
            "Workflow Version",
            "workflowVersion",
            "timelineActivities",
            inverse_label="Timeline Activities",
            inverse_system=True,
        ),
        morph(
            "targetWorkflowRun",
            "Workflow Run",
            "workflowRun",
            "timelineActivities",
            inverse_label="Timeline Activities",
            inverse_system=True,
        ),
        morph(
            "targetDashboard",
            "Dashboard",
            "dashboard",
            "timelineActivities",
            inverse_label="Timeline Activities",
            inverse_system=True,
        ),
        morph(
            "targetActivity",
            "Activity",
            "activity",
            "timelineActivities",
            inverse_label="Timeline Activities",
            inverse_system=True,
        ),
    ],
)

FAVORITE = ObjectSpec(
    "favorite",
    "favorites",
    "Favorite",
    "Favorites",
    description="A favorite",
    icon="IconHeart",
    system=True,
    label_identifier="id",
    extras=(),
    fields=[
        number("position", "Position", nullable=False, default=0, system=True),
        uuid_field("viewId", "View"),
        many_to_one(
            "forWorkspaceMember",
            "Workspace Member",
            "workspaceMember",
            "favorites",
            on_delete="CASCADE",
            inverse_label="Favorites",
            inverse_system=True,
        ),
        many_to_one(
            "person", "Person", "person", "favorites", on_delete="CASCADE", inverse_label="Favorites", inverse_system=True
        ),
        many_to_one(
            "company",
            "Company",
            "company",
            "favorites",
            on_delete="CASCADE",
            inverse_label="Favorites",
            inverse_system=True,
        ),
        many_to_one(
            "opportunity",
            "Opportunity",
            "opportunity",
            "favorites",
            on_delete="CASCADE",
            inverse_label="Favorites",
            inverse_system=True,
        ),
        many_to_one(
            "workflow",
            "Workflow",
            "workflow",
            "favorites",
            on_delete="CASCADE",
            inverse_label="Favorites",
            inverse_system=True,
        ),
        many_to_one(
            "workflowVersion",
            "Workflow Version",
            "workflowVersion",
            "favorites",
            on_delete="CASCADE",
            inverse_label="Favorites",
            inverse_system=True,
        ),
        many_to_one(
            "workflowRun",
            "Workflow Run",
            "workflowRun",
            "favorites",
            on_delete="CASCADE",
            inverse_label="Favorites",
            inverse_system=True,
        ),
        many_to_one(
            "task", "Task", "task", "favorites", on_delete="CASCADE", inverse_label="Favorites", inverse_system=True
        ),
        many_to_one(
            "note", "Note", "note", "favorites", on_delete="CASCADE", inverse_label="Favorites", inverse_system=True
        ),
        many_to_one(
            "dashboard",
            "Dashboard",
            "dashboard",
            "favorites",
            on_delete="CASCADE",
            inverse_label="Favorites",
            inverse_system=True,
        ),
        many_to_one(
            "activity",
            "Activity",
            "activity",
            "favorites",
            on_delete="CASCADE",
            inverse_label="Favorites",
            inverse_system=True,
        ),
        many_to_one("favoriteFolder", "Favorite Folder", "favoriteFolder", "favorites", inverse_label="Favorites"),
    ],
)

FAVORITE_FOLDER = ObjectSpec(
    "favoriteFolder",
    "favoriteFolders",
    "Favorite Folder",
    "Favorite Folders",
    description="A folder of favorites",
    icon="IconFolder",
    system=True,
    label_identifier="id",
    extras=(),
    fields=[
        number("position", "Position", nullable=False, default=0, system=True),
        text("name", "Name"),
    ],
)

# ---- workspace members, dashboards ------------------------------------------------------

WORKSPACE_MEMBER = ObjectSpec(
    "workspaceMember",
    "workspaceMembers",
    "Workspace Member",
    "Workspace Members",
    description="A workspace member",
    icon="IconUserCircle",
    system=True,
    searchable=True,
    extras=("position",),
    fields=[
        composite(F.FULL_NAME, "name", "Name", nullable=False),
        uuid_field("userId", "User Id", nullable=False, system=True),
        text("userEmail", "User Email", unique=True, system=True),
        text("avatarUrl", "Avatar Url", system=True),
        text("colorScheme", "Color Scheme", nullable=False, default="'System'", system=True),
        text("locale", "Language", nullable=False, default="'en'", system=True),
        text("timeZone", "Time zone", nullable=False, default="'system'", system=True),
        number(
            "calendarStartDay",
            "Start of the week",
            nullable=False,
            default=7,
            system=True,
            settings={"dataType": "int"},
        ),
        select(
            "dateFormat",
            "Date format",
            [
                ("SYSTEM", "System", "turquoise"),
                ("MONTH_FIRST", "Month First", "red"),
                ("DAY_FIRST", "Day First", "purple"),
                ("YEAR_FIRST", "Year First", "sky"),
            ],
            nullable=False,
            default="'SYSTEM'",
            system=True,
        ),
        select(
            "timeFormat",
            "Time format",
            [
                ("SYSTEM", "System", "sky"),
                ("HOUR_24", "24HRS", "red"),
                ("HOUR_12", "12HRS", "purple"),
            ],
            nullable=False,
            default="'SYSTEM'",
            system=True,
        ),
        select(
            "numberFormat",
            "Number format",
            [
                ("SYSTEM", "System", "turquoise"),
                ("COMMAS_AND_DOT", "Commas and dot", "blue"),
                ("SPACES_AND_COMMA", "Spaces and comma", "green"),
                ("DOTS_AND_COMMA", "Dots and comma", "orange"),
                ("APOSTROPHE_AND_DOT", "Apostrophe and dot", "purple"),
            ],
            nullable=False,
            default="'SYSTEM'",
            system=True,
        ),
    ],
)

DASHBOARD = ObjectSpec(
    "dashboard",
    "dashboards",
    "Dashboard",
    "Dashboards",
    description="A dashboard",
    icon="IconLayoutDashboard",
    shortcut="D",
    searchable=True,
    label_identifier="title",
    fields=[
        text("title", "Title"),
        uuid_field("pageLayoutId", "Page Layout ID"),
    ],
)

# ---- workflows --------------------------------------------------------------------------

WORKFLOW = ObjectSpec(
    "workflow",
    "workflows",
    "Workflow",
    "Workflows",
    description="A workflow",
    icon="IconSettingsAutomation",
    shortcut="W",
    fields=[
        text("name", "Name"),
        text("lastPublishedVersionId", "Last published Version Id"),
        multi_select(
            "statuses",
            "Statuses",
            [
                ("DRAFT", "Draft", "yellow"),
                ("ACTIVE", "Active", "green"),
                ("DEACTIVATED", "Deactivated", "gray"),
            ],
        ),
    ],
)

WORKFLOW_VERSION = ObjectSpec(
    "workflowVersion",
    "workflowVersions",
    "Workflow Version",
    "Workflow Versions",
    description="A workflow version",
    icon="IconVersions",
    system=True,
    extras=("position",),
    fields=[
        text("name", "Name"),
        raw_json("trigger", "Version trigger"),
        raw_json("steps", "Version steps"),
        select(
            "status",
            "Version status",
            [
                ("DRAFT", "Draft", "yellow"),
                ("ACTIVE", "Active", "green"),
                ("DEACTIVATED", "Deactivated", "orange"),
                ("ARCHIVED", "Archived", "gray"),
            ],
            nullable=False,
            default="'DRAFT'",
        ),
        many_to_one("workflow", "Workflow", "workflow", "versions", on_delete="CASCADE", inverse_label="Versions"),
    ],
)

WORKFLOW_RUN = ObjectSpec(
    "workflowRun",
    "workflowRuns",
    "Workflow Run",
    "Workflow Runs",
    description="A workflow run",
    icon="IconHistoryToggle",
    system=True,
    # createdBy is declared below with its own label ("Executed by")
    extras=("position", "updatedBy", "searchVector"),
    fields=[
        text("name", "Name"),
        date_time("enqueuedAt", "Workflow run enqueued at"),
        date_time("startedAt", "Workflow run started at"),
        date_time("endedAt", "Workflow run ended at"),
        select(
            "status",
            "Workflow run status",
            [
                ("NOT_STARTED", "Not started", "gray"),
                ("RUNNING", "Running", "yellow"),
                ("COMPLETED", "Completed", "green"),
                ("FAILED", "Failed", "red"),
                ("ENQUEUED", "Enqueued", "blue"),
                ("STOPPING", "Stopping", "orange"),
                ("STOPPED", "Stopped", "gray"),
            ],
            nullable=False,
            default="'NOT_STARTED'",
        ),
        composite(F.ACTOR, "createdBy", "Executed by", nullable=False, default=dict(ACTOR_DEFAULT)),
        raw_json("state", "State"),
        raw_json("context", "Context"),
        raw_json("output", "Output"),
        many_to_one("workflow", "Workflow", "workflow", "runs", on_delete="CASCADE", inverse_label="Runs"),
        many_to_one("workflowVersion", "Workflow version", "workflowVersion", "runs", inverse_label="Runs"),
    ],
)

WORKFLOW_AUTOMATED_TRIGGER = ObjectSpec(
    "workflowAutomatedTrigger",
    "workflowAutomatedTriggers",
    "Workflow Automated Trigger",
    "Workflow Automated Triggers",
    description="A workflow automated trigger",
    icon="IconSettingsAutomation",
    system=True,
    label_identifier="id",
    extras=(),
    fields=[
        select(
            "type",
            "Automated Trigger Type",
            [("DATABASE_EVENT", "Database Event", "green"), ("CRON", "Cron", "blue")],
            nullable=False,
        ),
        raw_json("settings", "Settings", nullable=False),
        many_to_one(
            "workflow",
            "Workflow",
            "workflow",
            "automatedTriggers",
            on_delete="CASCADE",
            inverse_label="Automated Triggers",
        ),
    ],
)

# ---- messaging --------------------------------------------------------------------------

BLOCKLIST = ObjectSpec(
    "blocklist",
    "blocklists",
    "Blocklist",
    "Blocklists",
    description="Blocklist",
    icon="IconForbid2",
    system=True,
    label_identifier="handle",
    extras=(),
    fields=[
        text("handle", "Handle"),
        many_to_one(
            "workspaceMember",
            "WorkspaceMember",
            "workspaceMember",
            "blocklist",
            on_delete="CASCADE",
            inverse_label="Blocklist",
        ),
    ],
)

CONNECTED_ACCOUNT = ObjectSpec(
    "connectedAccount",
    "connectedAccounts",
    "Connected Account",
    "Connected Accounts",
    description="A connected account",
    icon="IconAt",
    system=True,
    label_identifier="handle",
    extras=(),
    fields=[
        text("handle", "Handle"),
        text("provider", "Provider", nullable=False, default="'google'"),
        text("accessToken", "Access Token"),
        text("refreshToken", "Refresh Token"),
        text("lastSyncHistoryId", "Last sync history ID"),
        date_time("authFailedAt", "Auth failed at"),
        date_time("lastCredentialsRefreshedAt", "Last credentials refreshed at"),
        text("handleAliases", "Handle Aliases"),
        scalar(F.ARRAY, "scopes", "Scopes"),
        raw_json("connectionParameters", "Custom Connection Parameters"),
        many_to_one(
            "accountOwner",
            "Account Owner",
            "workspaceMember",
            "connectedAccounts",
            on_delete="CASCADE",
            inverse_label="Connected accounts",
        ),
    ],
)

MESSAGE_THREAD = ObjectSpec(
    "messageThread",
    "messageThreads",
    "Message Thread",
    "Message Threads",
    description="A message thread",
    icon="IconMessage",
    system=True,
    label_identifier="id",
    extras=(),
    fields=[],
)

MESSAGE = ObjectSpec(
    "message",
    "messages",
    "Message",
    "Messages",
    description="A message sent or received through a messaging channel (email, chat, etc.)",
    icon="IconMessage",
    system=True,
    label_identifier="subject",
    extras=(),
    fields=[
        text("headerMessageId", "Header message Id"),
        select(
            "direction",
            "Direction",
            [("INCOMING", "Incoming", "green"), ("OUTGOING", "Outgoing", "blue")],
            nullable=False,
            default="'INCOMING'",
        ),
        text("subject", "Subject"),
        text("text", "Text"),
        date_time("receivedAt", "Received At"),
        many_to_one(
            "messageThread",
            "Message Thread Id",
            "messageThread",
            "messages",
            on_delete="CASCADE",
            inverse_label="Messages",
        ),
    ],
)

MESSAGE_CHANNEL = ObjectSpec(
    "messageChannel",
    "messageChannels",
    "Message Channel",
    "Message Channels",
    description="Message Channels",
    icon="IconMessage",
    system=True,
    label_identifier="handle",
    extras=(),
    fields=[
        select(
            "visibility",
            "Visibility",
            [
                ("METADATA", "Metadata", "green"),
                ("SUBJECT", "Subject", "blue"),
                ("SHARE_EVERYTHING", "Share Everything", "orange"),
            ],
            nullable=False,
            default="'SHARE_EVERYTHING'",
        ),
        text("handle", "Handle"),
        select(
            "type",
            "Type",
            [("EMAIL", "Email", "green"), ("SMS", "SMS", "blue")],
            nullable=False,
            default="'EMAIL'",
        ),
        boolean("isContactAutoCreationEnabled", "Is Contact Auto Creation Enabled", nullable=False, default=True),
        select(
            "contactAutoCreationPolicy",
            "Contact auto creation policy",
            [
                ("SENT_AND_RECEIVED", "Sent and Received", "green"),
                ("SENT", "Sent", "blue"),
                ("NONE", "None", "red"),
            ],
            nullable=False,
            default="'SENT'",
        ),
        select(
            "messageFolderImportPolicy",
            "Message folder import policy",
            [("ALL_FOLDERS", "All folders", "green"), ("SELECTED_FOLDERS", "Selected folders", "blue")],
            nullable=False,
            default="'ALL_FOLDERS'",
        ),
        boolean("excludeNonProfessionalEmails", "Exclude non professional emails", nullable=False, default=True),
        boolean("excludeGroupEmails", "Exclude group emails", nullable=False, default=True),
        select(
            "pendingGroupEmailsAction",
            "Pending group emails action",
            [
                ("GROUP_EMAILS_DELETION", "Group emails deletion", "red"),
                ("GROUP_EMAILS_IMPORT", "Group emails import", "green"),
                ("NONE", "None", "blue"),
            ],
            nullable=False,
            default="'NONE'",
        ),
        boolean("isSyncEnabled", "Is Sync Enabled", nullable=False, default=True),
        text("syncCursor", "Last sync cursor"),
        date_time("syncedAt", "Last sync date"),
        select(
            "syncStatus",
            "Sync status",
            [
                ("ONGOING", "Ongoing", "yellow"),
                ("NOT_SYNCED", "Not Synced", "blue"),
                ("ACTIVE", "Active", "green"),
                ("FAILED_INSUFFICIENT_PERMISSIONS", "Failed Insufficient Permissions", "red"),
                ("FAILED_UNKNOWN", "Failed Unknown", "red"),
            ],
        ),
        select(
            "syncStage",
            "Sync stage",
            [
                ("MESSAGE_LIST_FETCH_PENDING", "Messages list fetch pending", "blue"),
                ("MESSAGE_LIST_FETCH_SCHEDULED", "Messages list fetch scheduled", "green"),
                ("MESSAGE_LIST_FETCH_ONGOING", "Messages list fetch ongoing", "orange"),
                ("MESSAGES_IMPORT_PENDING", "Messages import pending", "blue"),
                ("MESSAGES_IMPORT_SCHEDULED", "Messages import scheduled", "green"),
                ("MESSAGES_IMPORT_ONGOING", "Messages import ongoing", "orange"),
                ("FAILED", "Failed", "red"),
                ("PENDING_CONFIGURATION", "Pending configuration", "gray"),
            ],
            nullable=False,
            default="'PENDING_CONFIGURATION'",
        ),
        date_time("syncStageStartedAt", "Sync stage started at"),
        number(
            "throttleFailureCount", "Throttle Failure Count", nullable=False, default=0, settings={"dataType": "int"}
        ),
        date_time("throttleRetryAfter", "Throttle Retry After"),
        many_to_one(
            "connectedAccount",
            "Connected Account",
            "connectedAccount",
            "messageChannels",
            on_delete="CASCADE",
            inverse_label="Message Channels",
        ),
    ],
)

MESSAGE_CHANNEL_MESSAGE_ASSOCIATION = ObjectSpec(
    "messageChannelMessageAssociation",
    "messageChannelMessageAssociations",
    "Message Channel Message Association",
    "Message Channel Message Associations",
    description="Message Synced with a Message Channel",
    icon="IconMessage",
    system=True,
    label_identifier="id",
    extras=(),
    fields=[
        text("messageExternalId", "Message External Id"),
        text("messageThreadExternalId", "Thread External Id"),
        select(
            "direction",
            "Direction",
            [("INCOMING", "Incoming", "green"), ("OUTGOING", "Outgoing", "blue")],
            nullable=False,
            default="'INCOMING'",
        ),
        many_to_one(
            "message",
            "Message Id",
            "message",
            "messageChannelMessageAssociations",
            on_delete="CASCADE",
            inverse_label="Message Channel Association",
        ),
        many_to_one(
            "messageChannel",
            "Message Channel Id",
            "messageChannel",
            "messageChannelMessageAssociations",
            on_delete="CASCADE",
            inverse_label="Message Channel Association",
        ),
        many_to_one(
            "messageThread",
            "Message Thread Id",
            "messageThread",
            "messageChannelMessageAssociations",
            on_delete="CASCADE",
            inverse_label="Message Channel Association",
        ),
    ],
)

MESSAGE_FOLDER = ObjectSpec(
    "messageFolder",
    "messageFolders",
    "Message Folder",
    "Message Folders",
    description="Folder for Message Channel",
    icon="IconFolder",
    system=True,
    label_identifier="id",
    extras=(),
    fields=[
        text("name", "Name"),
        text("syncCursor", "Sync Cursor"),
        boolean("isSentFolder", "Is Sent Folder", nullable=False, default=False),
        boolean("isSynced", "Is Synced", nullable=False, default=False),
        text("parentFolderId", "Parent Folder ID"),
        text("externalId", "External ID"),
        select(
            "pendingSyncAction",
            "Pending Sync Action",
            [("FOLDER_DELETION", "Folder deletion", "red"), ("NONE", "None", "blue")],
            nullable=False,
            default="'NONE'",
        ),
        many_to_one(
            "messageChannel",
            "Message Channel",
            "messageChannel",
            "messageFolders",
            on_delete="CASCADE",
            inverse_label="Message Folders",
        ),
    ],
)

MESSAGE_PARTICIPANT = ObjectSpec(
    "messageParticipant",
    "messageParticipants",
    "Message Participant",
    "Message Participants",
    description="Message Participants",
    icon="IconUserCircle",
    system=True,
    label_identifier="handle",
    extras=(),
    fields=[
        select(
            "role",
            "Role",
            [("FROM", "From", "green"), ("TO", "To", "blue"), ("CC", "Cc", "orange"), ("BCC", "Bcc", "red")],
            nullable=False,
            default="'FROM'",
        ),
        text("handle", "Handle"),
        text("displayName", "Display Name"),
        many_to_one(
            "message",
            "Message",
            "message",
            "messageParticipants",
            on_delete="CASCADE",
            inverse_label="Message Participants",
        ),
        many_to_one(
            "person",
            "Person",
            "person",
            "messageParticipants",
            inverse_label="Message Participants",
            inverse_system=True,
        ),
        many_to_one(
            "workspaceMember",
            "Workspace Member",
            "workspaceMember",
            "messageParticipants",
            inverse_label="Message Participants",
        ),
    ],
)

# ---- calendar ---------------------------------------------------------------------------

CALENDAR_EVENT = ObjectSpec(
    "calendarEvent",
    "calendarEvents",
    "Calendar event",
    "Calendar events",
    description="Calendar events",
    icon="IconCalendar",
    system=True,
    label_identifier="title",
    extras=(),
    fields=[
        text("title", "Title"),
        boolean("isCanceled", "Is canceled", nullable=False, default=False),
        boolean("isFullDay", "Is Full Day", nullable=False, default=False),
        date_time("startsAt", "Start Date"),
        date_time("endsAt", "End Date"),
        date_time("externalCreatedAt", "Creation DateTime"),
        date_time("externalUpdatedAt", "Update DateTime"),
        text("description", "Description"),
        text("location", "Location"),
        text("iCalUid", "iCal UID"),
        text("conferenceSolution", "Conference Solution"),
        composite(F.LINKS, "conferenceLink", "Meet Link"),
    ],
)

CALENDAR_CHANNEL = ObjectSpec(
    "calendarChannel",
    "calendarChannels",
    "Calendar Channel",
    "Calendar Channels",
    description="Calendar Channels",
    icon="IconCalendar",
    system=True,
    label_identifier="handle",
    extras=(),
    fields=[
        text("handle", "Handle"),
        select(
            "visibility",
            "Visibility",
            [("METADATA", "Metadata", "green"), ("SHARE_EVERYTHING", "Share Everything", "orange")],
            nullable=False,
            default="'SHARE_EVERYTHING'",
        ),
        boolean("isContactAutoCreationEnabled", "Is Contact Auto Creation Enabled", nullable=False, default=True),
        select(
            "contactAutoCreationPolicy",
            "Contact auto creation policy",
            [
                ("AS_PARTICIPANT_AND_ORGANIZER", "As Participant and Organizer", "green"),
                ("AS_PARTICIPANT", "As Participant", "orange"),
                ("AS_ORGANIZER", "As Organizer", "blue"),
                ("NONE", "None", "red"),
            ],
            nullable=False,
            default="'AS_PARTICIPANT_AND_ORGANIZER'",
        ),
        boolean("isSyncEnabled", "Is Sync Enabled", nullable=False, default=True),
        text("syncCursor", "Sync Cursor"),
        select(
            "syncStatus",
            "Sync status",
            [
                ("ONGOING", "Ongoing", "yellow"),
                ("NOT_SYNCED", "Not Synced", "blue"),
                ("ACTIVE", "Active", "green"),
                ("FAILED_INSUFFICIENT_PERMISSIONS", "Failed Insufficient Permissions", "red"),
                ("FAILED_UNKNOWN", "Failed Unknown", "red"),
            ],
        ),
        select(
            "syncStage",
            "Sync stage",
            [
                ("CALENDAR_EVENT_LIST_FETCH_PENDING", "Calendar event list fetch pending", "blue"),
                ("CALENDAR_EVENT_LIST_FETCH_SCHEDULED", "Calendar event list fetch scheduled", "green"),
                ("CALENDAR_EVENT_LIST_FETCH_ONGOING", "Calendar event list fetch ongoing", "orange"),
                ("CALENDAR_EVENTS_IMPORT_PENDING", "Calendar events import pending", "blue"),
                ("CALENDAR_EVENTS_IMPORT_SCHEDULED", "Calendar events import scheduled", "green"),
                ("CALENDAR_EVENTS_IMPORT_ONGOING", "Calendar events import ongoing", "orange"),
                ("FAILED", "Failed", "red"),
                ("PENDING_CONFIGURATION", "Pending configuration", "gray"),
            ],
            nullable=False,
            default="'PENDING_CONFIGURATION'",
        ),
        date_time("syncStageStartedAt", "Sync stage started at"),
        date_time("syncedAt", "Last sync date"),
        number(
            "throttleFailureCount", "Throttle Failure Count", nullable=False, default=0, settings={"dataType": "int"}
        ),
        many_to_one(
            "connectedAccount",
            "Connected Account",
            "connectedAccount",
            "calendarChannels",
            on_delete="CASCADE",
            inverse_label="Calendar Channels",
        ),
    ],
)

CALENDAR_CHANNEL_EVENT_ASSOCIATION = ObjectSpec(
    "calendarChannelEventAssociation",
    "calendarChannelEventAssociations",
    "Calendar Channel Event Association",
    "Calendar Channel Event Associations",
    description="Calendar Channel Event Associations",
    icon="IconCalendar",
    system=True,
    label_identifier="id",
    extras=(),
    fields=[
        text("eventExternalId", "Event external ID"),
        text("recurringEventExternalId", "Recurring Event ID"),
        many_to_one(
            "calendarChannel",
            "Channel ID",
            "calendarChannel",
            "calendarChannelEventAssociations",
            on_delete="CASCADE",
            inverse_label="Calendar Channel Event Associations",
        ),
        many_to_one(
            "calendarEvent",
            "Event ID",
            "calendarEvent",
            "calendarChannelEventAssociations",
            on_delete="CASCADE",
            inverse_label="Calendar Channel Event Associations",
        ),
    ],
)

CALENDAR_EVENT_PARTICIPANT = ObjectSpec(
    "calendarEventParticipant",
    "calendarEventParticipants",
    "Calendar event participant",
    "Calendar event participants",
    description="Calendar event participants",
    icon="IconCalendar",
    system=True,
    label_identifier="handle",
    extras=(),
    fields=[
        text("handle", "Handle"),
        text("displayName", "Display Name"),
        boolean("isOrganizer", "Is Organizer", nullable=False, default=False),
        select(
            "responseStatus",
            "Response Status",
            [
                ("NEEDS_ACTION", "Needs Action", "orange"),
                ("DECLINED", "Declined", "red"),
                ("TENTATIVE", "Tentative", "yellow"),
                ("ACCEPTED", "Accepted", "green"),
            ],
            nullable=False,
            default="'NEEDS_ACTION'",
        ),
        many_to_one(
            "calendarEvent",
            "Event ID",
            "calendarEvent",
            "calendarEventParticipants",
            on_delete="CASCADE",
            inverse_label="Event Participants",
        ),
        many_to_one(
            "person",
            "Person",
            "person",
            "calendarEventParticipants",
            inverse_label="Calendar Event Participants",
            inverse_system=True,
        ),
        many_to_one(
            "workspaceMember",
            "Workspace Member",
            "workspaceMember",
            "calendarEventParticipants",
            inverse_label="Calendar Event Participants",
        ),
    ],
)

STANDARD_OBJECTS: list[ObjectSpec] = [
    PERSON,
    COMPANY,
    OPPORTUNITY,
    NOTE,
    TASK,
    NOTE_TARGET,
    TASK_TARGET,
    ATTACHMENT,
    TIMELINE_ACTIVITY,
    FAVORITE,
    FAVORITE_FOLDER,
    WORKSPACE_MEMBER,
    DASHBOARD,
    WORKFLOW,
    WORKFLOW_VERSION,
    WORKFLOW_RUN,
    WORKFLOW_AUTOMATED_TRIGGER,
    BLOCKLIST,
    CONNECTED_ACCOUNT,
    MESSAGE,
    MESSAGE_THREAD,
    MESSAGE_CHANNEL,
    MESSAGE_CHANNEL_MESSAGE_ASSOCIATION,
    MESSAGE_FOLDER,
    MESSAGE_PARTICIPANT,
    CALENDAR_EVENT,
    CALENDAR_CHANNEL,
    CALENDAR_CHANNEL_EVENT_ASSOCIATION,
    CALENDAR_EVENT_PARTICIPANT,
    ACTIVITY,
    ACTIVITY_TARGET,
]
