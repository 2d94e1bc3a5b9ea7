"""Names and statements refuse invisible control characters."""

from __future__ import annotations

import pytest

from bot.domain.validation import ValidationError, validate_name, validate_statement


@pytest.mark.parametrize("text", ["Yasmine\x1b[31m Dar", "Nul\x00l", "Bell\x07"])
def test_names_refuse_control_characters(text: str) -> None:
    with pytest.raises(ValidationError, match="control character"):
        validate_name(text)


def test_statements_keep_line_breaks_but_refuse_escapes() -> None:
    assert validate_statement("First line\n\tsecond line") == "First line\n\tsecond line"
    with pytest.raises(ValidationError, match="U\\+001B"):
        validate_statement("Red \x1b[31m text")
