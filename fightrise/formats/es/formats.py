"""Spanish: "viernes, 4 de julio de 2031, 19:30", and "vie 04/07/2031, 19:30"."""

DATETIME_FORMAT = r"l, j \d\e F \d\e Y, H:i"
SHORT_DATETIME_FORMAT = "D d/m/Y, H:i"
