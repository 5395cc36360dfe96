"""The service's days: a time in milliseconds, the calendar day where the service is."""

from datetime import UTC, date, datetime

import pytest

from server.clock import local_date, zone


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def test_half_past_midnight_in_a_british_summer_is_already_tomorrow() -> None:
    london = zone("Europe/London")
    late_utc = datetime(2031, 5, 6, 23, 30, tzinfo=UTC)  # 00:30 on the 7th in London (BST)

    assert local_date(ms(late_utc), london) == date(2031, 5, 7)
    assert local_date(ms(late_utc.replace(month=1)), london) == date(2031, 1, 6)  # GMT: same day
    assert local_date(ms(late_utc), zone("UTC")) == date(2031, 5, 6)


@pytest.mark.parametrize(
    "name", ["Nowhere/Else", "../../etc/passwd", "", "Europe", "x" * 5000, "a\x00b", "UTC "]
)
def test_a_zone_that_is_not_an_iana_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        zone(name)
