"""FightRise web: the project package (settings, URLs, the Discord client, logging)."""

# The project's version and home page, as pyproject.toml's [project] states them (a test keeps
# the two in step): the Discord client names itself with both.
__version__ = "0.1.0"
HOMEPAGE = "https://github.com/fightrise/fightrise-web"
