"""CSV (and JSON lines) import and export of records: ``vingt import`` and ``vingt export``
(docs/import-export.md). ``columns``: headers and cells; ``importer``; ``exporter``."""
