"""Brazilian Portuguese: "04/07/2031 às 19:30" (Django's catalogue capitalises the names of
days and months, which Brazilian Portuguese writes in lower case, so the date is in figures)."""

DATETIME_FORMAT = r"d/m/Y \à\s H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
