"""The intake stage: files become registered documents, archived, typed and checked.

The drop folder is scanned by :class:`.scanner.InboxScanner` (with its listing,
per-tick state, content index, duplicate and quarantine handling in
:mod:`.listing`, :mod:`.state`, :mod:`.content_index`, :mod:`.duplicates` and
:mod:`.quarantine`, configured by :class:`.inbox_settings.InboxSettings`, names
skipped by :mod:`.ignore`); :mod:`.store` is the document store (registry,
content-addressed archive, quarantine, processed/); :mod:`.documents` is the
``raw`` stage (limits, archive, description) and :mod:`.sniff` tells what a
file is by its bytes.
"""
