"""Calendar feeds (iCalendar) of meetings: per body and per person."""
