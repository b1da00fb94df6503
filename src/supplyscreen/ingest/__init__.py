"""Ingest: read spreadsheets and lists (sniffing and guards, CSV, workbooks, header synonyms, mapping, layout)."""
