"""Official list formats -> :class:`~listwatch.ingest.records.SourceRecord` (one module per format)."""
