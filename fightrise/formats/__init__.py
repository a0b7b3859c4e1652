"""Date and time formats per language (settings.FORMAT_MODULE_PATH), ahead of Django's own.

Two formats, used by the tournament pages and messages: DATETIME_FORMAT, a start in full
("Friday 4 July 2031, 19:30"), and SHORT_DATETIME_FORMAT ("Fri 4 Jul 2031, 19:30"). Each
language writes them as its readers do; the names of days and months come from Django's
own catalogues. A language without a folder here takes Django's formats.
"""
