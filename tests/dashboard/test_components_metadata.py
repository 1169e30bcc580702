"""A metadata document as the Metadata tables show it: a row a key, sorted, nested values as JSON."""

from dashboard.components import metadata_rows


def test_metadata_rows_sorts_keys_and_writes_nested_values_as_json():
    rows = metadata_rows({"team": "growth", "basket": {"size": 2}, "tags": ["a"], "budget": 3})
    assert rows == [("basket", '{\n  "size": 2\n}'), ("budget", 3), ("tags", '[\n  "a"\n]'), ("team", "growth")]
    assert metadata_rows(None) == [] and metadata_rows(["not", "a", "document"]) == []
