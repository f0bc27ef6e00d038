"""What happens in the 新时代文明实践 loop that other parts of it act on (the points rules
listen here). Every signal is sent inside the transaction that records the fact, so a receiver's
writes stand or fall with it; a receiver must be idempotent by the fact's own key.

- `hours_credited(entry=HourEntry)`: an hours-ledger entry was written (a correction too:
  its hours are negative).
- `activity_attended(volunteer=Volunteer, activity=<the activity row>, on=date)`: a volunteer's
  attendance at an activity was confirmed (checked out, or confirmed by its organiser).
- `campaign_day_checked(volunteer=Volunteer | None, user=User, campaign=<the campaign row>,
  day=date)`: someone checked in to a campaign's daily task (once a day at most)."""

from __future__ import annotations

from django.dispatch import Signal

hours_credited = Signal()
activity_attended = Signal()
campaign_day_checked = Signal()
