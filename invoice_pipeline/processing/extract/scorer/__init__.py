"""The learned candidate scorer of the rules extractor (issue 15), on unless EXTRACT_SCORER=false.

``candidates`` makes every candidate of the key fields (seller, invoice number,
invoice date, total) with the page context, ``features`` describes each one (labels
near it from ``labels.json``, geometry, type size, format, arithmetic, the rules'
pick), ``model`` loads the shipped ``model.joblib`` once and picks each field's best
candidate. ``make train`` (``bench/train_extractor.py``) writes the model.
"""
