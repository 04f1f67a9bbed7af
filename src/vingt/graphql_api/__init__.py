"""GraphQL front ends."""
