"""The OpenAPI documents (REST.md §12), generated from a workspace's metadata."""
