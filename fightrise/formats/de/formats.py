"""German: "Freitag, 4. Juli 2031, 19:30 Uhr"."""

DATETIME_FORMAT = r"l, j. F Y, H:i \U\h\r"
SHORT_DATETIME_FORMAT = "D, j. N Y, H:i"
