import pytest
from pydantic import ValidationError

from scorer.readers import ReaderOptions


@pytest.mark.parametrize(("options", "message"), [
    ({"csv_columns": {"txt": "Body"}}, "unknown CSV field"),
    ({"encoding": "klingon-8"}, "unknown text encoding"),
    ({"language": "de"}, "not supported"),
    ({"max_bytes": 0}, "greater than 0"),
    ({"transcript": "both"}, "'human' or 'asr'"),
    ({"csv_roles": {"op": "boss"}}, "Input should be 'agent'"),
])
def test_invalid_options_are_rejected(options, message):
    with pytest.raises(ValidationError, match=message):
        ReaderOptions(**options)
