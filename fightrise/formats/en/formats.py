"""English: "Friday 4 July 2031, 19:30" (day before month, a 24-hour clock)."""

DATETIME_FORMAT = "l j F Y, H:i"
SHORT_DATETIME_FORMAT = "D j M Y, H:i"
