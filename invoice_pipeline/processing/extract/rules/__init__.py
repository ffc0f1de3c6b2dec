"""The offline rules extractor, in parts: vocabulary, values, geometry, items, parties."""
