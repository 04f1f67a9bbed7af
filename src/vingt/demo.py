"""Demo data: a small, realistic CRM (companies, their people, opportunities across the stages,
notes, tasks and activities attached to people, companies and opportunities), the same on every
run, written through the workspace's ``Engine`` like any import (``docs/demo.md``).

The data set is a function of its size and of the day it is laid out around (close dates, due
dates and meetings fall before and after that day): a seeded ``random.Random`` draws its shape,
each record's own ``Random`` (seeded with its kind and number) its values, and record ids are
``uuid5`` of the record's name, so a workspace seeded twice the same day holds the same records
with the same ids. A workspace that already holds the demo data (its first company) is left as
it is: ``seed`` is then a no-op."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from vingt.db.database import Database
from vingt.engine.planner import object_by_plural
from vingt.engine.writes import MAX_BATCH
from vingt.errors import ApiError
from vingt.workspace_engine import workspace_engine

NAMESPACE = uuid.UUID("7d1f3c52-4b0e-5a7e-9c1d-2f6a8e4b9d30")
SIZES = {"small": 60, "medium": 10_000, "large": 100_000}  # people
ACTOR_NAME = "Demo data"

# ---- word lists -------------------------------------------------------------------------

PREFIXES = (
    "North", "Blue", "Bright", "Silver", "Red", "Green", "Iron", "Clear", "Swift", "Cedar", "Pine", "Oak",
    "Stone", "River", "Summit", "Harbor", "Golden", "Quantum", "Nova", "Lumen", "Atlas", "Polar", "Coral",
    "Amber", "Crimson", "Maple", "Willow", "Falcon", "Orbit", "Vertex", "Beacon", "Delta", "Echo", "Helix",
    "Kite", "Lynx", "Meadow", "Nimbus", "Opal", "Prairie", "Sage", "Tidal", "Urban", "Vivid", "Zephyr",
    "Alder", "Birch", "Cobalt", "Dune", "Ember", "Fjord", "Granite", "Indigo", "Juniper", "Lark", "Mosaic",
)
ROOTS = (
    "wind", "peak", "forge", "field", "stack", "wave", "bridge", "works", "light", "path", "point", "gate",
    "line", "loop", "base", "craft", "shift", "flow", "grid", "labs", "mint", "nest", "pulse", "scale",
    "sight", "spark", "spring", "star", "stream", "track", "vault", "view", "ware", "yard", "leaf", "dock",
)
KINDS = ("", "", "", " Labs", " Systems", " Analytics", " Group", " Health", " Logistics", " Energy", " Studio",
         " Robotics", " Capital", " Software", " Foods", " Security", " Cloud", " Bio", " Mobility", " Media")
TLDS = ("com", "com", "com", "io", "co", "ai", "dev", "eu", "tech")

CITIES: tuple[tuple[str, str, str, str, str, str, float, float], ...] = (
    # city, state, country, country code, calling code, currency, latitude, longitude
    ("San Francisco", "CA", "United States", "US", "+1", "USD", 37.7749, -122.4194),
    ("New York", "NY", "United States", "US", "+1", "USD", 40.7128, -74.0060),
    ("Austin", "TX", "United States", "US", "+1", "USD", 30.2672, -97.7431),
    ("Boston", "MA", "United States", "US", "+1", "USD", 42.3601, -71.0589),
    ("Seattle", "WA", "United States", "US", "+1", "USD", 47.6062, -122.3321),
    ("Chicago", "IL", "United States", "US", "+1", "USD", 41.8781, -87.6298),
    ("Toronto", "ON", "Canada", "CA", "+1", "CAD", 43.6532, -79.3832),
    ("London", "", "United Kingdom", "GB", "+44", "GBP", 51.5074, -0.1278),
    ("Manchester", "", "United Kingdom", "GB", "+44", "GBP", 53.4808, -2.2426),
    ("Paris", "Île-de-France", "France", "FR", "+33", "EUR", 48.8566, 2.3522),
    ("Lyon", "Auvergne-Rhône-Alpes", "France", "FR", "+33", "EUR", 45.7640, 4.8357),
    ("Berlin", "Berlin", "Germany", "DE", "+49", "EUR", 52.5200, 13.4050),
    ("Munich", "Bavaria", "Germany", "DE", "+49", "EUR", 48.1351, 11.5820),
    ("Amsterdam", "North Holland", "Netherlands", "NL", "+31", "EUR", 52.3676, 4.9041),
    ("Madrid", "Community of Madrid", "Spain", "ES", "+34", "EUR", 40.4168, -3.7038),
    ("Barcelona", "Catalonia", "Spain", "ES", "+34", "EUR", 41.3874, 2.1686),
)
STREETS = (
    "Market Street", "Main Street", "Oak Avenue", "Park Lane", "High Street", "Church Road", "Station Road",
    "Rue de Rivoli", "Rue du Faubourg", "Friedrichstraße", "Gran Vía", "Keizersgracht", "King Street",
    "Mission Street", "Broadway", "Elm Street", "Harbour Road", "Mill Lane", "Victoria Street", "Lake Shore Drive",
)
FIRST_NAMES = (
    "Emma", "Liam", "Olivia", "Noah", "Ava", "Elijah", "Sophia", "Lucas", "Isabella", "Mateo", "Mia", "Leo",
    "Amelia", "Hugo", "Charlotte", "Louis", "Chloé", "Jules", "Camille", "Arthur", "Léa", "Gabriel", "Manon",
    "Raphaël", "Sofia", "Ben", "Hannah", "Felix", "Lena", "Paul", "Clara", "Jonas", "Lucía", "Daniel", "Carmen",
    "Pablo", "Elena", "Javier", "Sara", "Thomas", "Grace", "Oliver", "Emily", "George", "Alice", "Harry",
    "Priya", "Arjun", "Mei", "Wei", "Yuki", "Kenji", "Fatima", "Omar", "Amara", "Kwame", "Zoe", "Ethan",
    "Nora", "Samuel", "Ines", "Marco", "Giulia", "Anna", "Erik", "Freya", "Maya", "Adam", "Julia", "David",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Martinez", "Lopez", "Wilson",
    "Anderson", "Taylor", "Moore", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker",
    "Dubois", "Bernard", "Moreau", "Laurent", "Lefebvre", "Girard", "Fontaine", "Müller", "Schmidt", "Schneider",
    "Fischer", "Weber", "Wagner", "Becker", "Hoffmann", "Fernández", "González", "Rodríguez", "Sánchez",
    "Romero", "Navarro", "de Vries", "Jansen", "Bakker", "Visser", "Patel", "Shah", "Chen", "Wang", "Kim",
    "Tanaka", "Sato", "Okafor", "Mensah", "Rossi", "Bianchi", "Nielsen", "Larsen", "Novak", "Kowalski",
)
JOB_TITLES = (
    "CEO", "CTO", "CFO", "COO", "VP of Sales", "VP of Engineering", "Head of Marketing", "Head of Operations",
    "Product Manager", "Senior Product Manager", "Engineering Manager", "Software Engineer", "Data Scientist",
    "Account Executive", "Sales Manager", "Customer Success Manager", "Procurement Manager", "Office Manager",
    "IT Director", "Head of People", "Finance Manager", "Marketing Manager", "Designer", "Founder",
)
PRODUCTS = (
    "Annual plan", "Pilot", "Enterprise license", "Expansion", "Renewal", "Onboarding package", "Team plan",
    "Platform migration", "Support contract", "Data integration", "Multi-year deal", "Add-on seats",
)
STAGES = (("NEW", 5), ("SCREENING", 4), ("MEETING", 4), ("PROPOSAL", 3), ("CUSTOMER", 3))
TASK_STATUSES = (("TODO", 5), ("IN_PROGRESS", 2), ("DONE", 3))
ACTIVITY_TYPES = (("MEETING", 4), ("CALL", 4), ("EMAIL", 3), ("OTHER", 1))
NOTE_TOPICS = (
    ("Discovery call", "{first} walked us through how {company} handles its pipeline today. Main pain: "
     "reporting takes a day every week. Budget is approved for this quarter."),
    ("Pricing discussion", "{first} asked for a quote for {seats} seats. They compare us with two other "
     "vendors; price matters less than the integrations."),
    ("Technical review", "Their team reviewed the API with {first}. Questions on SSO and data residency; "
     "we sent the security documentation."),
    ("Quarterly check-in", "{company} is happy with the rollout. {first} would like training for the new "
     "hires next month."),
    ("Lunch with {first}", "Informal catch-up. {company} is opening an office in {city}; a good time to "
     "talk about the expansion."),
    ("Feedback", "{first} shared feedback on the onboarding: the import was smooth, the reports need "
     "more filters."),
    ("Contract terms", "Legal at {company} wants a 30-day termination clause and invoicing in "
     "{currency}. {first} will confirm by Friday."),
)
TASK_TOPICS = (
    "Send the proposal to {first}", "Follow up with {first} {last}", "Prepare the demo for {company}",
    "Book a call with {first}", "Share the security documentation with {company}", "Send the invoice to {company}",
    "Review {company}'s contract", "Introduce {first} to the product team", "Schedule onboarding for {company}",
    "Ask {first} for a case study",
)
ACTIVITY_TOPICS = {
    "MEETING": ("Demo with {company}", "Quarterly business review: {company}", "Kick-off with {first}"),
    "CALL": ("Call with {first} {last}", "Pricing call: {company}", "Follow-up call with {first}"),
    "EMAIL": ("Sent the proposal to {first}", "Reply from {first} about the contract", "Introduction email to {company}"),
    "OTHER": ("Met {first} at a conference", "{company} visited the office"),
}


def record_id(kind: str, index: int) -> str:
    """The id of the demo's ``index``-th record of ``kind`` (the same in every workspace):
    ``uuid5(NAMESPACE, "<kind>:<index>")``, computed without building ``UUID`` objects."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{kind}:{index}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_NAMESPACE_BYTES = NAMESPACE.bytes
_RNG_KINDS = {"company": 1, "person": 2, "opportunity": 3, "note": 4, "task": 5, "activity": 6}


def _rng(kind: str, index: int) -> random.Random:
    """The values of one record: its own generator, so that it does not depend on the others."""
    return random.Random(_RNG_KINDS[kind] << 40 | index)


# ---- the data set -----------------------------------------------------------------------


@dataclass
class _Company:
    name: str
    domain: str
    city: int
    people: list[int] = field(default_factory=list)


@dataclass
class _Person:
    first: str
    last: str
    company: int | None
    email: str


@dataclass
class DemoData:
    """The shape of the data set; ``batches()`` gives its records."""

    size: str
    today: dt.date
    companies: list[_Company]
    people: list[_Person]
    opportunities: list[tuple[int, int | None]]  # company, point of contact
    notes: list[tuple[int, int | None]]  # person, opportunity
    tasks: list[tuple[int, int | None]]
    activities: list[tuple[int, int | None]]

    def counts(self) -> dict[str, int]:
        """Records per object, in the order they are written."""
        targets = {
            kind: sum(len(self._targets(p, o)) for p, o in items)
            for kind, items in (("note", self.notes), ("task", self.tasks), ("activity", self.activities))
        }
        return {
            "companies": len(self.companies), "people": len(self.people), "opportunities": len(self.opportunities),
            "notes": len(self.notes), "noteTargets": targets["note"], "tasks": len(self.tasks),
            "taskTargets": targets["task"], "activities": len(self.activities),
            "activityTargets": targets["activity"],
        }

    def batches(self) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """(object plural, ≤ 200 payloads) in an order where every relation points at a record
        already written."""
        yield from _chunked("companies", (self._company(i) for i in range(len(self.companies))))
        yield from _chunked("people", (self._person(i) for i in range(len(self.people))))
        yield from _chunked("opportunities", (self._opportunity(i) for i in range(len(self.opportunities))))
        for kind, plural, items, make in (
            ("note", "notes", self.notes, self._note),
            ("task", "tasks", self.tasks, self._task),
            ("activity", "activities", self.activities, self._activity),
        ):
            yield from _chunked(plural, (make(i) for i in range(len(items))))
            yield from _chunked(f"{kind}Targets", self._target_payloads(kind, items))

    # -- records

    def _company(self, i: int) -> dict[str, Any]:
        c = self.companies[i]
        rng = _rng("company", i)
        city, state, country, _cc, _calling, currency, lat, lng = CITIES[c.city]
        slug = c.domain.split(".")[0]
        employees = rng.choice((8, 12, 25, 40, 60, 120, 250, 400, 800, 1500, 5000))
        arr = rng.random() < 0.6
        return {
            "id": record_id("company", i), "position": float(i), "name": c.name,
            "domainName": {"primaryLinkUrl": f"https://{c.domain}", "primaryLinkLabel": "", "secondaryLinks": []},
            "address": {
                "addressStreet1": f"{rng.randint(1, 250)} {rng.choice(STREETS)}", "addressStreet2": "",
                "addressCity": city, "addressPostcode": _postcode(rng, c.city), "addressState": state,
                "addressCountry": country, "addressLat": round(lat + rng.uniform(-0.05, 0.05), 6),
                "addressLng": round(lng + rng.uniform(-0.05, 0.05), 6),
            },
            "employees": employees + rng.randint(0, employees // 4),
            "linkedinLink": {"primaryLinkUrl": f"https://www.linkedin.com/company/{slug}", "primaryLinkLabel": "",
                             "secondaryLinks": []},
            "xLink": {"primaryLinkUrl": f"https://x.com/{slug}", "primaryLinkLabel": "", "secondaryLinks": []},
            "annualRecurringRevenue": {
                "amountMicros": rng.randint(5, 2000) * 10_000 * 1_000_000 if arr else None,
                "currencyCode": currency,
            },
            "idealCustomerProfile": rng.random() < 0.3,
        }

    def _person(self, i: int) -> dict[str, Any]:
        p = self.people[i]
        rng = _rng("person", i)
        home = self.companies[p.company].city if p.company is not None else rng.randrange(len(CITIES))
        if rng.random() < 0.15:
            home = rng.randrange(len(CITIES))
        city, _state, _country, cc, calling, *_ = CITIES[home]
        handle = f"{_ascii(p.first)}-{_ascii(p.last)}-{rng.randrange(16**6):06x}".lower().replace(" ", "")
        return {
            "id": record_id("person", i), "position": float(i),
            "name": {"firstName": p.first, "lastName": p.last},
            "emails": {"primaryEmail": p.email, "additionalEmails": []},
            "linkedinLink": {"primaryLinkUrl": f"https://www.linkedin.com/in/{handle}", "primaryLinkLabel": "",
                             "secondaryLinks": []},
            "xLink": {"primaryLinkUrl": f"https://x.com/{handle.rsplit('-', 1)[0].replace('-', '')}"
                      if rng.random() < 0.3 else "", "primaryLinkLabel": "", "secondaryLinks": []},
            "jobTitle": rng.choice(JOB_TITLES),
            "phones": {"primaryPhoneNumber": _phone(rng, cc), "primaryPhoneCountryCode": cc,
                       "primaryPhoneCallingCode": calling, "additionalPhones": []},
            "city": city,
            "companyId": record_id("company", p.company) if p.company is not None else None,
        }

    def _opportunity(self, i: int) -> dict[str, Any]:
        company, contact = self.opportunities[i]
        c = self.companies[company]
        rng = _rng("opportunity", i)
        stage = _weighted(rng, STAGES)
        days = rng.randint(-120, -1) if stage == "CUSTOMER" else rng.randint(-10, 150)
        return {
            "id": record_id("opportunity", i), "position": float(i),
            "name": f"{c.name} – {rng.choice(PRODUCTS)}",
            "amount": {"amountMicros": rng.randint(2, 400) * 500 * 1_000_000, "currencyCode": CITIES[c.city][5]},
            "closeDate": self._at(days, rng.randint(9, 17)),
            "stage": stage,
            "companyId": record_id("company", company),
            "pointOfContactId": record_id("person", contact) if contact is not None else None,
        }

    def _note(self, i: int) -> dict[str, Any]:
        rng = _rng("note", i)
        title, body = rng.choice(NOTE_TOPICS)
        words = self._words(self.notes[i][0], rng)
        return {"id": record_id("note", i), "position": float(i), "title": title.format(**words),
                "bodyV2": _rich_text(f"note:{i}", body.format(**words))}

    def _task(self, i: int) -> dict[str, Any]:
        rng = _rng("task", i)
        status = _weighted(rng, TASK_STATUSES)
        days = rng.randint(-30, -1) if status == "DONE" else rng.randint(-7, 30)
        words = self._words(self.tasks[i][0], rng)
        return {
            "id": record_id("task", i), "position": float(i), "title": rng.choice(TASK_TOPICS).format(**words),
            "bodyV2": _rich_text(f"task:{i}", "For {first} {last} at {company}.".format(**words)),
            "dueAt": self._at(days, 17), "status": status,
        }

    def _activity(self, i: int) -> dict[str, Any]:
        rng = _rng("activity", i)
        kind = _weighted(rng, ACTIVITY_TYPES)
        words = self._words(self.activities[i][0], rng)
        starts = self._moment(rng.randint(-60, 14), rng.randint(8, 17))
        starts += dt.timedelta(minutes=rng.choice((0, 15, 30, 45)))
        minutes = 0 if kind == "EMAIL" else rng.choice((15, 30, 30, 45, 60, 90))
        return {
            "id": record_id("activity", i), "position": float(i),
            "title": rng.choice(ACTIVITY_TOPICS[kind]).format(**words), "type": kind, "startsAt": _iso(starts), "endsAt": _iso(starts + dt.timedelta(minutes=minutes)),
            "bodyV2": _rich_text(f"activity:{i}", rng.choice(NOTE_TOPICS)[1].format(**words)),
        }

    def _targets(self, person: int, opportunity: int | None) -> list[tuple[str, str]]:
        """(join column, id) of the records a note / task / activity is attached to."""
        out = [("targetPersonId", record_id("person", person))]
        company = self.people[person].company
        if company is not None:
            out.append(("targetCompanyId", record_id("company", company)))
        if opportunity is not None:
            out.append(("targetOpportunityId", record_id("opportunity", opportunity)))
        return out

    def _target_payloads(self, kind: str, items: list[tuple[int, int | None]]) -> Iterator[dict[str, Any]]:
        n = 0
        for i, (person, opportunity) in enumerate(items):
            for column, target in self._targets(person, opportunity):
                yield {"id": record_id(f"{kind}Target", n), f"{kind}Id": record_id(kind, i), column: target}
                n += 1

    def _words(self, person: int, rng: random.Random) -> dict[str, Any]:
        p = self.people[person]
        company = self.companies[p.company] if p.company is not None else None
        city = CITIES[company.city if company else 0]
        return {"first": p.first, "last": p.last, "company": company.name if company else f"{p.first}'s team",
                "city": city[0], "currency": city[5], "seats": rng.choice((10, 25, 50, 120, 300))}

    def _moment(self, days: int, hour: int) -> dt.datetime:
        """``hour`` o'clock UTC, ``days`` after the day the data is laid out around."""
        return dt.datetime.combine(self.today, dt.time(hour), dt.UTC) + dt.timedelta(days=days)

    def _at(self, days: int, hour: int) -> str:
        return _iso(self._moment(days, hour))


def generate(size: str = "small", today: dt.date | None = None) -> DemoData:
    """The demo data set of ``size`` (``SIZES``), laid out around ``today`` (default: the current
    UTC date)."""
    n_people = SIZES[size]
    today = today or dt.datetime.now(dt.UTC).date()
    rng = random.Random(f"vingt-demo:{size}")
    companies: list[_Company] = []
    domains: set[str] = set()
    names = [p + r for p in PREFIXES for r in ROOTS]
    rng.shuffle(names)
    for i in range(max(1, n_people // 3)):
        base = names[i % len(names)]
        kind = rng.choice(KINDS)
        round_ = i // len(names)
        slug = base.lower() + (kind.strip().lower() if round_ else "")
        domain = f"{slug}.{rng.choice(TLDS)}"
        n = 2
        while domain in domains:
            domain = f"{slug}{n}.{domain.rsplit('.', 1)[1]}"
            n += 1
        domains.add(domain)
        companies.append(_Company(base + kind, domain, rng.randrange(len(CITIES))))
    people: list[_Person] = []
    emails: set[str] = set()
    for i in range(n_people):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        # the first people fill every company; then mostly at a company, a few on their own
        company: int | None = i if i < len(companies) else rng.randrange(len(companies))
        if i >= len(companies) and rng.random() < 0.05:
            company = None
        domain = companies[company].domain if company is not None else rng.choice(("gmail.com", "outlook.com", "proton.me"))
        local = f"{_ascii(first)}.{_ascii(last)}".lower().replace(" ", "")
        email, n = f"{local}@{domain}", 2
        while email in emails:
            email, n = f"{local}{n}@{domain}", n + 1
        emails.add(email)
        people.append(_Person(first, last, company, email))
        if company is not None:
            companies[company].people.append(i)
    opportunities: list[tuple[int, int | None]] = []
    for _ in range(n_people // 2):
        c = rng.randrange(len(companies))
        staff = companies[c].people
        opportunities.append((c, rng.choice(staff) if staff else None))

    deals: dict[int, list[int]] = {}
    for n, (c, _contact) in enumerate(opportunities):
        deals.setdefault(c, []).append(n)

    def attached() -> list[tuple[int, int | None]]:
        # each attached to a person, their company and, for some, one of its opportunities
        out: list[tuple[int, int | None]] = []
        for _ in range(n_people // 2):
            person = rng.randrange(n_people)
            company = people[person].company
            theirs = deals.get(company, []) if company is not None and rng.random() < 0.4 else []
            out.append((person, rng.choice(theirs) if theirs else None))
        return out

    return DemoData(size, today, companies, people, opportunities, attached(), attached(), attached())


# ---- writing ----------------------------------------------------------------------------


@dataclass
class SeedResult:
    counts: dict[str, int]  # records written per object; empty when the workspace had them already
    already: bool = False


async def seed(
    db: Database,
    workspace_id: str,
    size: str = "small",
    *,
    today: dt.date | None = None,
    progress: Callable[[str, int], None] | None = None,
    total: Callable[[dict[str, int]], None] | None = None,
) -> SeedResult:
    """Write the demo data set into the workspace, in batches of ≤ 200, each one transaction
    with its events and timeline entries. ``total`` is told the counts first, ``progress`` each
    batch written. A workspace already holding the demo's first company is left as it is.
    ``LookupError`` for an unknown workspace."""
    engine = await workspace_engine(db, workspace_id, source="IMPORT", name=ACTOR_NAME)
    companies = object_by_plural(engine.catalog, "companies")
    try:
        await engine.find_one_tagged(companies, record_id("company", 0), 0, ("id",))
        return SeedResult({}, already=True)
    except ApiError as exc:
        if exc.code != "RECORD_NOT_FOUND":
            raise
    data = generate(size, today)
    counts = data.counts()
    if total is not None:
        total(counts)
    for plural, batch in data.batches():
        await engine.create(object_by_plural(engine.catalog, plural), batch, upsert=False, depth=0, fields=("id",))
        if progress is not None:
            progress(plural, len(batch))
    return SeedResult(counts)


def summary(counts: dict[str, int]) -> str:
    """``20 companies, 60 people, …`` (the junctions left out)."""
    shown = [k for k in counts if not k.endswith("Targets")]
    return ", ".join(f"{counts[k]:,} {k}" for k in shown)


# ---- helpers ----------------------------------------------------------------------------


def _chunked(plural: str, payloads: Iterator[dict[str, Any]]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    batch: list[dict[str, Any]] = []
    for p in payloads:
        batch.append(p)
        if len(batch) == MAX_BATCH:
            yield plural, batch
            batch = []
    if batch:
        yield plural, batch


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


_ASCII = str.maketrans("éèêëàâäîïôöûüùçñáíóú", "eeeeaaaiioouuucnaiou")


def _ascii(name: str) -> str:
    return name.lower().translate(_ASCII).replace("ß", "ss").replace("'", "")


def _phone(rng: random.Random, country: str) -> str:
    if country in ("US", "CA"):
        return f"{rng.randint(201, 989)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
    lead = {"GB": "7", "FR": "6", "DE": "15", "NL": "6", "ES": "6"}[country]
    digits = {"GB": 9, "FR": 8, "DE": 9, "NL": 8, "ES": 8}[country]
    return lead + "".join(str(rng.randint(0, 9)) for _ in range(digits))


def _postcode(rng: random.Random, city: int) -> str:
    country = CITIES[city][3]
    if country == "GB":
        return f"{rng.choice(('EC', 'WC', 'SW', 'M'))}{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}"
    if country == "CA":
        return f"M{rng.randint(1, 9)}{rng.choice('ABCEGH')} {rng.randint(1, 9)}{rng.choice('JKLMNP')}{rng.randint(1, 9)}"
    if country == "NL":
        return f"10{rng.randint(10, 99)} {rng.choice(('AB', 'CD', 'EK', 'GH'))}"
    return f"{rng.randint(10000, 99999)}"


def _rich_text(key: str, text: str) -> dict[str, Any]:
    """A RICH_TEXT_V2 value: the Markdown and the BlockNote document of one paragraph."""
    if not text:
        return {"markdown": "", "blocknote": ""}
    block = {
        "id": str(uuid.uuid5(NAMESPACE, f"{key}:block")), "type": "paragraph",
        "props": {"textColor": "default", "backgroundColor": "default", "textAlignment": "left"},
        "content": [{"type": "text", "text": text, "styles": {}}], "children": [],
    }
    return {"markdown": text, "blocknote": orjson.dumps([block]).decode()}


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
