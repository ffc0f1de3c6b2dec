"""Page images before OCR: decoding, PDF rendering, geometry, clean-up and thumbnails.

:mod:`.load` decodes image files, :mod:`.pdf` probes and renders PDFs,
:mod:`.perspective` flattens phone photos, :mod:`.orientation` turns and
deskews pages, :mod:`.filters` holds the pixel filters, :mod:`.preprocess`
chains them for every page of a document (``preprocess_document``) and
:mod:`.thumbnail` draws the small preview for the Dagster UI. The package
imports nothing itself, so reading a PDF does not load OpenCV.
"""
