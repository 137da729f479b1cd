# Dates as people write them here: "2 dec. 2026 10:42" (Django's own formats for this language
# spell the month out). Numbers keep Django's: a comma for decimals.
DATE_FORMAT = "j N Y"
DATETIME_FORMAT = "j N Y H:i"
SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
