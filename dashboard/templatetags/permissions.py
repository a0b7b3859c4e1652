"""{{ guild.permissions|has_permission:"MANAGE_GUILD" }}: Discord permission tests in templates."""

from django import template

from fightrise import permissions

register = template.Library()


@register.filter
def has_permission(value, permission) -> bool:
    """Whether a permission value (64-bit, as a decimal string or int) holds a flag, given by
    name ("MANAGE_GUILD") or by value ("32"). Junk on either side gives False."""
    return permissions.has_permission(value, permission)
