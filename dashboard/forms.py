"""The bot's settings for one server, as a person edits them on the site."""

from __future__ import annotations

from django import forms

from fightrise.snowflake import parse_snowflake
from guildbot.models import GuildConfig, timezone_names


class ChannelIdField(forms.Field):
    """A channel id as Discord's "Copy Channel ID" gives it; empty for none."""

    widget = forms.TextInput(
        attrs={
            "inputmode": "numeric",
            "autocomplete": "off",
            "pattern": "[0-9]{17,20}",
            "maxlength": "20",
        }
    )

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        value = str(value or "").strip()
        if not value:
            return None
        channel_id = parse_snowflake(value)
        if channel_id is None:
            raise forms.ValidationError(
                "Paste a channel id: 17 to 20 digits, from Copy Channel ID."
            )
        return channel_id


class GuildConfigForm(forms.ModelForm):
    announcement_channel_id = ChannelIdField(
        label="Announcements channel", help_text="Where FightRise announces tournaments."
    )
    match_channel_id = ChannelIdField(
        label="Matches channel", help_text="Where FightRise calls matches."
    )
    timezone = forms.ChoiceField(label="Time zone", choices=())

    class Meta:
        model = GuildConfig
        fields = ("announcement_channel_id", "match_channel_id", "prefix", "locale", "timezone")
        labels = {"prefix": "Command prefix", "locale": "Language"}
        help_texts = {"prefix": "For text commands, up to 8 characters."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [
            (name, name) for name in sorted(timezone_names() | {"UTC"})
        ]

    def clean_prefix(self):
        prefix = self.cleaned_data["prefix"]
        if not prefix.strip() or any(char.isspace() for char in prefix):
            raise forms.ValidationError("A prefix is one to eight characters without spaces.")
        return prefix
