"""French: "vendredi 4 juillet 2031 à 19:30"."""

DATETIME_FORMAT = "l j F Y à H:i"
SHORT_DATETIME_FORMAT = "D j N Y, H:i"
