"""A real GraphQL client against ``vingt serve``: ``gql`` fetches the schema by introspection,
validates its documents against it before sending them, and drives reads and writes over HTTP.
One server per database, shared with the other modules of /graphql over HTTP (``graphql_server``)."""

from __future__ import annotations

import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXTransport
from graphql import GraphQLError

from live_server import Server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client(graphql_server: Server) -> Client:
    server = graphql_server
    assert server.key, server.log_path.read_text()
    transport = HTTPXTransport(url=server.base + "/graphql", headers={"Authorization": f"Bearer {server.key}"}, timeout=30)
    return Client(transport=transport, fetch_schema_from_transport=True)


LIST = gql("""
query People($city: String!) {
  people(filter: {city: {eq: $city}}, orderBy: [{name: {firstName: AscNullsLast}}]) {
    totalCount
    edges { node { id name { firstName lastName } jobTitle company { id name domainName { primaryLinkUrl } } } }
  }
}""")

CREATE_COMPANY = gql("""
mutation NewCompany($data: CompanyCreateInput!) { createCompany(data: $data) { id name } }""")

CREATE_PERSON = gql("""
mutation NewPerson($data: PersonCreateInput!) {
  createPerson(data: $data) { id name { firstName } city companyId company { name } }
}""")

UPDATE_PERSON = gql("""
mutation Promote($id: UUID!, $data: PersonUpdateInput!) { updatePerson(id: $id, data: $data) { id jobTitle } }""")

READ_PERSON = gql("""
query One($id: UUID!) { person(filter: {id: {eq: $id}}) { id jobTitle city name { firstName } company { name } } }""")


def test_gql_client_lists_creates_updates_and_reads_back(client: Client) -> None:
    with client as session:
        assert session.client.schema is not None and session.client.schema.get_type("Person") is not None
        company = session.execute(GraphQLRequest(CREATE_COMPANY, variable_values=
            {"data": {"name": "Gql Works", "domainName": {"primaryLinkUrl": "https://gql.example"}}}))["createCompany"]
        ada = session.execute(GraphQLRequest(CREATE_PERSON, variable_values={"data": {
            "name": {"firstName": "Ada", "lastName": "Lovelace"}, "city": "Gqltown", "companyId": company["id"]}}))["createPerson"]
        assert ada["companyId"] == company["id"] and ada["company"] == {"name": "Gql Works"}
        session.execute(GraphQLRequest(CREATE_PERSON, variable_values={"data": {
            "name": {"firstName": "Bob", "lastName": "Other"}, "city": "Elsewhere"}}))

        people = session.execute(GraphQLRequest(LIST, variable_values={"city": "Gqltown"}))["people"]
        assert people["totalCount"] == 1
        node = people["edges"][0]["node"]
        assert node["id"] == ada["id"] and node["name"] == {"firstName": "Ada", "lastName": "Lovelace"}
        assert node["company"] == {"id": company["id"], "name": "Gql Works",
                                   "domainName": {"primaryLinkUrl": "https://gql.example"}}

        updated = session.execute(GraphQLRequest(UPDATE_PERSON, variable_values={"id": ada["id"], "data": {"jobTitle": "Analyst"}}))
        assert updated["updatePerson"] == {"id": ada["id"], "jobTitle": "Analyst"}
        back = session.execute(GraphQLRequest(READ_PERSON, variable_values={"id": ada["id"]}))["person"]
        assert back == {"id": ada["id"], "jobTitle": "Analyst", "city": "Gqltown", "name": {"firstName": "Ada"},
                        "company": {"name": "Gql Works"}}


def test_gql_client_validates_documents_against_the_fetched_schema(client: Client) -> None:
    with client as session:
        # refused by the client before anything is sent: the introspected schema has no such field
        with pytest.raises(GraphQLError, match="nickname"):
            session.execute(gql("query { people { edges { node { id nickname } } } }"))
        with pytest.raises(GraphQLError, match="UUID"):
            session.execute(gql("query($id: Int!) { person(filter: {id: {eq: $id}}) { id } }"))
        # valid for the schema, refused by the server: the server's error code comes through
        with pytest.raises(TransportQueryError) as caught:
            session.execute(gql("query { people(first: 1, last: 1) { totalCount } }"))
        assert caught.value.errors is not None and caught.value.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
