"""The bot's settings for one server, as a person edits them on the site."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext, gettext_lazy

from fightrise.snowflake import parse_discord_id
from guildbot.models import DROPPED_LOCALES, Guild, GuildConfig, timezone_names

NO_CHANNEL = ("", gettext_lazy("Not set"))
NONE_SEEN = gettext_lazy(
    "FightRise has not seen this server's channels yet: they are listed here once the bot "
    "has connected to it. In Discord, /fightrise setup sets them too."
)


class ChannelField(forms.Field):
    """A text channel of the server, picked from those the bot has seen there
    (Guild.channels, from the gateway). Nothing else is accepted, not even a pasted id: it
    could be another server's channel. The channel already chosen stays choosable."""

    def __init__(self, *, channels: list[dict[str, str]], current: int | None, **kwargs):
        super().__init__(required=False, **kwargs)
        self.known = {int(channel["id"]): channel["name"] for channel in channels}
        self.none_seen = not self.known
        choices = [(str(channel_id), f"#{name}") for channel_id, name in self.known.items()]
        if current and current not in self.known:
            choices.append(
                (
                    str(current),
                    gettext("A channel FightRise cannot see (%(id)s)") % {"id": current},
                )
            )
            self.known[current] = ""
        self.widget = forms.Select(choices=[NO_CHANNEL, *choices])
        if self.none_seen:
            self.help_text = f"{self.help_text} {NONE_SEEN}".strip()

    def to_python(self, value):
        value = str(value or "").strip()
        if not value:
            return None
        channel_id = parse_discord_id(value)
        if channel_id is None or channel_id not in self.known:
            raise forms.ValidationError(
                NONE_SEEN if self.none_seen else gettext("Pick one of this server's text channels.")
            )
        return channel_id


class GuildConfigForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=gettext_lazy("Time zone"), choices=())

    class Meta:
        model = GuildConfig
        fields = ("announcement_channel_id", "match_channel_id", "locale", "timezone")
        labels = {"locale": gettext_lazy("Bot language")}
        help_texts = {"locale": gettext_lazy("The language of FightRise's posts in this server.")}

    def __init__(self, *args, guild: Guild, **kwargs):
        super().__init__(*args, **kwargs)
        channels = guild.channels or []
        self.fields["announcement_channel_id"] = ChannelField(
            channels=channels,
            current=self.instance.announcement_channel_id,
            label=gettext("Announcements channel"),
            help_text=gettext("Where FightRise announces tournaments."),
        )
        self.fields["match_channel_id"] = ChannelField(
            channels=channels,
            current=self.instance.match_channel_id,
            label=gettext("Matches channel"),
            help_text=gettext("Where FightRise calls matches."),
        )
        self.fields["timezone"].choices = [
            (name, name) for name in sorted(timezone_names() | {"UTC"})
        ]

    @property
    def dropped_language(self) -> str | None:
        """The name of the language this server chose that FightRise no longer offers."""
        code = self.instance.dropped_locale
        return DROPPED_LOCALES.get(code, code) if code else None

    def save(self, commit: bool = True) -> GuildConfig:
        # Saved settings are someone's choice, the language included.
        self.instance.dropped_locale = ""
        return super().save(commit)
