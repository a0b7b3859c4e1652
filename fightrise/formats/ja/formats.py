"""Japanese: "2031年7月4日(金) 19:30"."""

DATETIME_FORMAT = "Y年n月j日(D) H:i"
SHORT_DATETIME_FORMAT = "Y年n月j日(D) H:i"
