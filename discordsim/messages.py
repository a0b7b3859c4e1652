"""Messages as Discord checks and builds them: Resources > Message and the Component Reference.

Pure functions over the state: what a message body may hold (50035 Invalid Form Body at the
documented paths), the mentions it makes, and the message object it becomes. Storing messages
and telling the gateway is `events`' job.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from discordsim import access, payloads
from discordsim.common import FormErrors
from discordsim.state import Guild, State, User, iso

CONTENT_LIMIT = 2000
NONCE_LIMIT = 25
# Resources > Message > Embed Limits.
EMBEDS_LIMIT, EMBED_TOTAL, EMBED_FIELDS = 10, 6000, 25
EMBED_TEXT_LIMITS = {"title": 256, "description": 4096}
# Components Reference: a legacy message holds up to 5 action rows of up to 5 buttons (or one
# select); an IS_COMPONENTS_V2 message up to 40 components in all. custom_id 1-100 characters.
ROWS_LIMIT, ROW_WIDTH, V2_LIMIT = 5, 5, 40
CUSTOM_ID_LIMIT, LABEL_LIMIT, URL_LIMIT = 100, 80, 512
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT = 1, 2, 3, 4
SELECTS = (3, 5, 6, 7, 8)
SECTION, TEXT_DISPLAY, THUMBNAIL, MEDIA_GALLERY, FILE, SEPARATOR, CONTAINER, LABEL = (
    9,
    10,
    11,
    12,
    13,
    14,
    17,
    18,
)
LAYOUT_V2 = (SECTION, TEXT_DISPLAY, THUMBNAIL, MEDIA_GALLERY, FILE, SEPARATOR, CONTAINER)
LINK_STYLE, PREMIUM_STYLE = 5, 6
# Resources > Message > Message Flags.
SUPPRESS_EMBEDS, HAS_THREAD, EPHEMERAL, LOADING = 1 << 2, 1 << 5, 1 << 6, 1 << 7
SUPPRESS_NOTIFICATIONS, IS_VOICE_MESSAGE, IS_COMPONENTS_V2 = 1 << 12, 1 << 13, 1 << 15
CREATE_FLAGS = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_VOICE_MESSAGE | IS_COMPONENTS_V2
RESPONSE_FLAGS = CREATE_FLAGS | EPHEMERAL
# Resources > Message > Message Types.
DEFAULT, THREAD_CREATED, REPLY, CHAT_INPUT_COMMAND = 0, 18, 19, 20
# Interactions > Receiving and Responding > Modal: 1-5 components, a title of 45 at most.
MODAL_TITLE_LIMIT, MODAL_COMPONENTS = 45, 5
TEXT_INPUT_LIMIT = 4000

USER_MENTION = re.compile(r"<@!?([0-9]{17,20})>")
ROLE_MENTION = re.compile(r"<@&([0-9]{17,20})>")
EVERYONE_MENTION = re.compile(r"@(?:everyone|here)\b")
# Allowed Mentions > Default Settings: regular messages parse everything, interaction responses
# and webhooks only users.
PARSE_ALL = ("users", "roles", "everyone")
PARSE_USERS = ("users",)


def check_length(
    errors: FormErrors, path: list[str | int], value: Any, limit: int, low: int = 0
) -> None:
    if not isinstance(value, str):
        errors.add(path, "BASE_TYPE_STRING", "Must be a string.")
    elif low and not low <= len(value) <= limit:
        errors.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {limit} in length.")
    elif len(value) > limit:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _check_embeds(embeds: Any, errors: FormErrors) -> None:
    if embeds is None:
        return
    if not isinstance(embeds, list):
        errors.add(["embeds"], "BASE_TYPE_LIST", "Must be a list.")
        return
    if len(embeds) > EMBEDS_LIMIT:
        errors.add(
            ["embeds"], "BASE_TYPE_MAX_LENGTH", f"Must be {EMBEDS_LIMIT} or fewer in length."
        )
    total = 0
    for index, embed in enumerate(embeds):
        here: list[str | int] = ["embeds", index]
        if not isinstance(embed, dict):
            errors.add(here, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        for key, limit in EMBED_TEXT_LIMITS.items():
            if embed.get(key) is not None:
                check_length(errors, [*here, key], embed[key], limit)
                total += len(str(embed[key]))
        for key, inner, limit in (("footer", "text", 2048), ("author", "name", 256)):
            part = embed.get(key)
            if isinstance(part, dict) and part.get(inner) is not None:
                check_length(errors, [*here, key, inner], part[inner], limit)
                total += len(str(part[inner]))
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS:
            errors.add([*here, "fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for number, item in enumerate(fields):
            for key, limit in (("name", 256), ("value", 1024)):
                value = item.get(key) if isinstance(item, dict) else None
                if value is None:
                    errors.add(
                        [*here, "fields", number, key],
                        "BASE_TYPE_REQUIRED",
                        "This field is required",
                    )
                else:
                    check_length(errors, [*here, "fields", number, key], value, limit)
                    total += len(str(value))
    if total > EMBED_TOTAL:
        errors.add(["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")


class _ComponentCheck:
    """Walks a component tree once: shapes, custom_id rules, and the count of components."""

    def __init__(self, errors: FormErrors, *, v2: bool, modal: bool = False) -> None:
        self.errors = errors
        self.v2 = v2
        self.modal = modal
        self.custom_ids: set[str] = set()
        self.count = 0

    def custom_id(self, component: dict[str, Any], path: list[str | int]) -> None:
        value = component.get("custom_id")
        if value is None:
            self.errors.add([*path, "custom_id"], "BASE_TYPE_REQUIRED", "This field is required")
            return
        check_length(self.errors, [*path, "custom_id"], value, CUSTOM_ID_LIMIT, low=1)
        if value in self.custom_ids:
            self.errors.add(
                [*path, "custom_id"],
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id was already specified",
            )
        self.custom_ids.add(value)

    def button(self, component: dict[str, Any], path: list[str | int]) -> None:
        style = component.get("style")
        if style not in range(1, 7):
            self.errors.add(
                [*path, "style"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4, 5, 6)."
            )
            return
        if component.get("label") is not None:
            check_length(self.errors, [*path, "label"], component["label"], LABEL_LIMIT)
        if style == LINK_STYLE:
            if "custom_id" in component:
                self.errors.add(
                    [*path, "custom_id"],
                    "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                    "A link button cannot have a custom id",
                )
            if not component.get("url"):
                self.errors.add([*path, "url"], "BASE_TYPE_REQUIRED", "This field is required")
            else:
                check_length(self.errors, [*path, "url"], component["url"], URL_LIMIT)
        elif style != PREMIUM_STYLE:
            self.custom_id(component, path)
            if component.get("url") is not None:
                self.errors.add(
                    [*path, "url"],
                    "BUTTON_COMPONENT_URL_NOT_ALLOWED",
                    "Only link buttons can have a url",
                )

    def select(self, component: dict[str, Any], path: list[str | int]) -> None:
        self.custom_id(component, path)
        if component["type"] != STRING_SELECT:
            return
        options = component.get("options")
        if not isinstance(options, list) or not 1 <= len(options) <= 25:
            self.errors.add(
                [*path, "options"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length."
            )
            return
        for number, option in enumerate(options):
            for key in ("label", "value"):
                value = option.get(key) if isinstance(option, dict) else None
                if value is None:
                    self.errors.add(
                        [*path, "options", number, key],
                        "BASE_TYPE_REQUIRED",
                        "This field is required",
                    )
                else:
                    check_length(self.errors, [*path, "options", number, key], value, 100, low=1)

    def text_input(self, component: dict[str, Any], path: list[str | int]) -> None:
        self.custom_id(component, path)
        if component.get("style") not in (1, 2):
            self.errors.add([*path, "style"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2).")
        if component.get("value") is not None:
            check_length(self.errors, [*path, "value"], component["value"], TEXT_INPUT_LIMIT)

    def row(self, component: dict[str, Any], path: list[str | int]) -> None:
        children = component.get("components")
        if not isinstance(children, list) or not 1 <= len(children) <= ROW_WIDTH:
            self.errors.add(
                [*path, "components"],
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between 1 and {ROW_WIDTH} in length.",
            )
            return
        kinds = [child.get("type") if isinstance(child, dict) else None for child in children]
        wide = [kind for kind in kinds if kind in SELECTS or kind == TEXT_INPUT]
        if wide and len(children) > 1:
            self.errors.add(
                [*path, "components"],
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        allowed = (TEXT_INPUT, *SELECTS) if self.modal else (BUTTON, *SELECTS)
        for number, child in enumerate(children):
            self.component(child, [*path, "components", number], allowed)

    def component(self, component: Any, path: list[str | int], allowed: tuple[int, ...]) -> None:
        if not isinstance(component, dict):
            self.errors.add(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used")
            return
        self.count += 1
        kind = component.get("type")
        if kind not in allowed:
            choices = ", ".join(str(value) for value in allowed)
            self.errors.add(
                [*path, "type"],
                "UNION_TYPE_CHOICES",
                f'Value of field "type" must be one of ({choices}).',
            )
            return
        if kind == ACTION_ROW:
            self.row(component, path)
        elif kind == BUTTON:
            self.button(component, path)
        elif kind in SELECTS:
            self.select(component, path)
        elif kind == TEXT_INPUT:
            self.text_input(component, path)
        elif kind == LABEL:
            check_length(self.errors, [*path, "label"], component.get("label"), 45)
            self.component(component.get("component"), [*path, "component"], (TEXT_INPUT, *SELECTS))
        elif kind in (SECTION, CONTAINER):
            for number, child in enumerate(component.get("components") or []):
                self.component(child, [*path, "components", number], (ACTION_ROW, *LAYOUT_V2))
            if component.get("accessory") is not None:
                self.component(component["accessory"], [*path, "accessory"], (BUTTON, THUMBNAIL))
        elif kind == TEXT_DISPLAY and not isinstance(component.get("content"), str):
            self.errors.add([*path, "content"], "BASE_TYPE_REQUIRED", "This field is required")

    def top(self, components: Any) -> None:
        if components is None:
            return
        if not isinstance(components, list):
            self.errors.add(["components"], "BASE_TYPE_LIST", "Must be a list.")
            return
        if not self.v2 and len(components) > ROWS_LIMIT:
            self.errors.add(
                ["components"], "BASE_TYPE_MAX_LENGTH", f"Must be {ROWS_LIMIT} or fewer in length."
            )
        allowed = (ACTION_ROW, *LAYOUT_V2) if self.v2 else (ACTION_ROW,)
        for index, component in enumerate(components):
            self.component(component, ["components", index], allowed)
        if self.v2 and self.count > V2_LIMIT:
            self.errors.add(
                ["components"],
                "COMPONENT_MAX_TOTAL_COMPONENTS_EXCEEDED",
                f"The specified components exceed the maximum of {V2_LIMIT} total components",
            )


def _check_allowed_mentions(allowed: Any, errors: FormErrors) -> None:
    if allowed is None:
        return
    if not isinstance(allowed, dict):
        errors.add(["allowed_mentions"], "DICT_TYPE_CONVERT", "Only dictionaries may be used")
        return
    parse = allowed.get("parse") or []
    for index, kind in enumerate(parse):
        if kind not in PARSE_ALL:
            errors.add(
                ["allowed_mentions", "parse", index],
                "BASE_TYPE_CHOICES",
                "Value must be one of ('roles', 'users', 'everyone').",
            )
    for kind in ("users", "roles"):
        ids = allowed.get(kind) or []
        if ids and kind in parse:
            errors.add(
                ["allowed_mentions"],
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids] are mutually exclusive.',
            )
        if len(ids) > 100:
            errors.add(
                ["allowed_mentions", kind],
                "BASE_TYPE_MAX_LENGTH",
                "Must be 100 or fewer in length.",
            )


def flags_of(data: dict[str, Any]) -> int:
    value = data.get("flags") or 0
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def check_body(data: Any, *, v2: bool = False) -> FormErrors:
    """What Create Message, Edit Message and interaction responses refuse with 50035."""
    errors = FormErrors()
    if not isinstance(data, dict):
        errors.add([], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return errors
    v2 = v2 or bool(flags_of(data) & IS_COMPONENTS_V2)
    if data.get("content") is not None:
        check_length(errors, ["content"], data["content"], CONTENT_LIMIT)
    if data.get("nonce") is not None and len(str(data["nonce"])) > NONCE_LIMIT:
        errors.add(["nonce"], "BASE_TYPE_MAX_LENGTH", f"Must be {NONCE_LIMIT} or fewer in length.")
    if v2:
        for key in ("content", "embeds", "sticker_ids", "poll"):
            if data.get(key):
                errors.add(
                    [key],
                    "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                    f"The '{key}' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
                )
    _check_embeds(data.get("embeds"), errors)
    _ComponentCheck(errors, v2=v2).top(data.get("components"))
    _check_allowed_mentions(data.get("allowed_mentions"), errors)
    return errors


def check_modal(data: Any) -> FormErrors:
    """The MODAL callback's data: custom_id, title and 1-5 components of text inputs (in action
    rows, or in labels as the components reference now prefers) and selects."""
    errors = FormErrors()
    if not isinstance(data, dict):
        errors.add(["data"], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return errors
    check_length(errors, ["data", "custom_id"], data.get("custom_id"), CUSTOM_ID_LIMIT, low=1)
    check_length(errors, ["data", "title"], data.get("title"), MODAL_TITLE_LIMIT, low=1)
    components = data.get("components")
    if not isinstance(components, list) or not 1 <= len(components) <= MODAL_COMPONENTS:
        errors.add(
            ["data", "components"],
            "BASE_TYPE_BAD_LENGTH",
            f"Must be between 1 and {MODAL_COMPONENTS} in length.",
        )
        return errors
    check = _ComponentCheck(errors, v2=False, modal=True)
    for index, component in enumerate(components):
        check.component(component, ["data", "components", index], (ACTION_ROW, LABEL, TEXT_DISPLAY))
    return errors


def number_components(components: list[Any]) -> list[Any]:
    """A copy in which every component has an `id`, numbered in order where the app gave none
    (Component Reference > Anatomy of a Component)."""
    result = copy.deepcopy(components)
    used = {c.get("id") for c in walk(result) if isinstance(c.get("id"), int) and c.get("id")}
    number = 0
    for component in walk(result):
        if not component.get("id"):
            number += 1
            while number in used:
                number += 1
            component["id"] = number
    return result


def walk(components: list[Any]) -> list[dict[str, Any]]:
    """Every component in a tree, depth first, rows before their children."""
    found: list[dict[str, Any]] = []
    for component in components:
        if not isinstance(component, dict):
            continue
        found.append(component)
        found += walk(component.get("components") or [])
        for key in ("component", "accessory"):
            if isinstance(component.get(key), dict):
                found += walk([component[key]])
    return found


def rich_embeds(embeds: list[Any]) -> list[dict[str, Any]]:
    """Create Message: an embed sent through the API is always of type rich."""
    return [{**embed, "type": "rich"} for embed in embeds]


def mentions(
    state: State,
    guild: Guild,
    content: str,
    allowed: dict[str, Any] | None,
    *,
    default_parse: tuple[str, ...],
    may_mention_everyone: bool,
) -> dict[str, Any]:
    """The message's mentions, mention_roles and mention_everyone: what the content mentions
    and allowed_mentions lets through (Resources > Message > Allowed Mentions Object)."""
    parse = set(default_parse if allowed is None else allowed.get("parse") or [])
    # Snowflakes in a request body may be strings or numbers (Reference > Snowflakes).
    listed_users = {str(i) for i in (allowed or {}).get("users") or []}
    listed_roles = {str(i) for i in (allowed or {}).get("roles") or []}
    users = []
    for user_id in dict.fromkeys(USER_MENTION.findall(content)):
        user = state.lookup_user(user_id)
        if user is None or not access.is_member(state, guild, user_id):
            continue
        if "users" in parse or user_id in listed_users:
            users.append(mentioned_user(state, guild, user))
    roles = {role["id"]: role for role in payloads.role_objects(state, guild)[1:]}
    mention_roles = [
        role_id
        for role_id in dict.fromkeys(ROLE_MENTION.findall(content))
        if role_id in roles
        and ("roles" in parse or role_id in listed_roles)
        and (roles[role_id]["mentionable"] or may_mention_everyone)
    ]
    everyone = bool(
        "everyone" in parse and may_mention_everyone and EVERYONE_MENTION.search(content)
    )
    return {"mentions": users, "mention_roles": mention_roles, "mention_everyone": everyone}


def mentioned_user(state: State, guild: Guild, user: User) -> dict[str, Any]:
    """A user in `mentions`, with the partial `member` Discord adds in a server."""
    data = payloads.user_object(user)
    member = payloads.any_member(state, guild, user.id)
    if member is not None:
        member.pop("user")
        data["member"] = member
    return data


def message_object(
    state: State,
    *,
    guild: Guild,
    channel_id: str,
    author: User,
    body: dict[str, Any],
    kind: int = DEFAULT,
    flags: int = 0,
    default_parse: tuple[str, ...] = PARSE_ALL,
    may_mention_everyone: bool = False,
    embeds_allowed: bool = True,
) -> dict[str, Any]:
    """Resources > Message > Message Object for a checked body."""
    content = body.get("content") or ""
    message: dict[str, Any] = {
        "id": state.ids.next(),
        "type": kind,
        "content": content,
        "channel_id": channel_id,
        "author": payloads.user_object(author),
        "attachments": [],
        "embeds": rich_embeds(body.get("embeds") or []) if embeds_allowed else [],
        "pinned": False,
        "tts": bool(body.get("tts", False)),
        "timestamp": iso(state.now()),
        "edited_timestamp": None,
        "flags": flags,
        "components": number_components(body.get("components") or []),
        **mentions(
            state,
            guild,
            content,
            body.get("allowed_mentions"),
            default_parse=default_parse,
            may_mention_everyone=may_mention_everyone,
        ),
    }
    if body.get("nonce") is not None:
        message["nonce"] = body["nonce"]
    return message


def apply_edit(
    state: State,
    guild: Guild,
    message: dict[str, Any],
    body: dict[str, Any],
    *,
    default_parse: tuple[str, ...] = PARSE_ALL,
    may_mention_everyone: bool = False,
    embeds_allowed: bool = True,
) -> None:
    """Edit Message: the fields given replace the old ones (null clears them); new content
    rebuilds the mentions with this request's allowed_mentions or the defaults."""
    if "content" in body:
        message["content"] = body["content"] or ""
        message.update(
            mentions(
                state,
                guild,
                message["content"],
                body.get("allowed_mentions"),
                default_parse=default_parse,
                may_mention_everyone=may_mention_everyone,
            )
        )
    if "embeds" in body and embeds_allowed:
        message["embeds"] = rich_embeds(body["embeds"] or [])
    if "components" in body:
        message["components"] = number_components(body["components"] or [])
    if body.get("flags") is not None:
        # Only SUPPRESS_EMBEDS can be switched either way; IS_COMPONENTS_V2 only on.
        wanted = flags_of(body)
        message["flags"] = (message["flags"] & ~SUPPRESS_EMBEDS) | (wanted & SUPPRESS_EMBEDS)
        message["flags"] |= wanted & IS_COMPONENTS_V2
    if "attachments" in body and not body["attachments"]:
        message["attachments"] = []


def is_empty(message: dict[str, Any]) -> bool:
    return not any(
        message.get(key)
        for key in ("content", "embeds", "components", "attachments", "sticker_items")
    )


def attachments(
    base_url: str, channel_id: str, message_id: str, files: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Attachment objects for uploaded files (recorded, not served)."""
    folder = f"{base_url}/attachments/{channel_id}/{message_id}"
    return [
        {
            "id": str(index),
            "filename": item["filename"],
            "size": item["size"],
            "content_type": item["content_type"],
            "url": f"{folder}/{item['filename']}",
            "proxy_url": f"{folder}/{item['filename']}",
        }
        for index, item in enumerate(files)
    ]
