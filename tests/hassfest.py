"""hassfest's translation checks for a custom integration, re-created to run offline.

From Home Assistant's script/hassfest/translations.py (the checks it runs when
called with --integration-path, as the hassfest action does for a custom
integration): strings.json and translations/en.json are validated against the
same schema. Left out, as hassfest leaves them out for a custom integration:
references between files (checked only for core), the brand-name title rule
(core only), and schema keys this integration has no use for (auth,
onboarding, conditions, triggers, conversation...): an unknown top-level key
is an error here, as it is there.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import Any

import voluptuous as vol
from homeassistant.helpers import config_validation as cv
from voluptuous.humanize import humanize_error

# hassfest: lowercase letters, digits, "-" and "_"; not starting or ending with "-"/"_", no "--"/"__"-like pairs.
RE_TRANSLATION_KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")
RE_COMBINED_REFERENCE = re.compile(r"(.+\[%)|(%\].+)")
RE_PLACEHOLDER_IN_SINGLE_QUOTES = re.compile(r"'{\w+}'")
RE_URL = re.compile(
    r"(((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5):\/\/|www\.)"
    r"[a-z0-9]+([\-\.]{1}[a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(\/.*)?)",
    re.IGNORECASE,
)


def translation_key(value: str) -> str:
    if RE_TRANSLATION_KEY.match(value) is None:
        raise vol.Invalid(
            f"Invalid translation key '{value}', need to be [a-z0-9-_]+ and"
            " cannot start or end with a hyphen or underscore."
        )
    return value


def _text(allow_placeholders: bool = True) -> Callable[[Any], str]:
    def validate(value: Any) -> str:
        text = cv.string_with_no_html(value)
        if RE_PLACEHOLDER_IN_SINGLE_QUOTES.search(text):
            raise vol.Invalid("the string should not contain placeholders inside single quotes")
        for _, field, _, _ in string.Formatter().parse(text):
            if field:
                if not allow_placeholders:
                    raise vol.Invalid("placeholders are not supported in this value")
                if not field.isidentifier():
                    raise vol.Invalid("placeholders must be valid identifiers ([a-zA-Z_][a-zA-Z0-9_]*)")
        if RE_COMBINED_REFERENCE.search(text):
            raise vol.Invalid("the string should not contain combined translations")
        if text != text.strip():
            raise vol.Invalid("the string should not contain leading or trailing spaces")
        if RE_URL.search(text):
            raise vol.Invalid("the string should not contain URLs, please use description placeholders instead")
        return text

    return validate


TEXT = _text()
PLAIN_TEXT = _text(allow_placeholders=False)


def _keyed(value_schema: Any, key: Any = translation_key) -> Any:
    return cv.schema_with_slug_keys(value_schema, slug_validator=key)


def _data_entry(*, subentry_flow: bool = False) -> Any:
    fields = {vol.Optional("data"): {str: TEXT}, vol.Optional("data_description"): {str: TEXT}}
    schema: dict[Any, Any] = {
        vol.Optional("flow_title"): TEXT,
        vol.Required("step"): {
            str: {
                vol.Optional("title"): TEXT,
                vol.Optional("description"): TEXT,
                **fields,
                vol.Optional("menu_options"): {str: TEXT},
                vol.Optional("menu_option_descriptions"): {str: TEXT},
                vol.Optional("submit"): TEXT,
                vol.Optional("sections"): {
                    str: {**fields, vol.Optional("description"): TEXT, vol.Optional("name"): TEXT}
                },
            }
        },
        vol.Optional("error"): {str: TEXT},
        vol.Optional("abort"): {str: TEXT},
        vol.Optional("progress"): {str: TEXT},
        vol.Optional("create_entry"): {str: TEXT},
        # config.title: moved to the root long ago; only a warning for a custom integration
        vol.Optional("title"): TEXT,
    }
    if subentry_flow:
        schema[vol.Required("entry_type")] = TEXT
        schema[vol.Required("initiate_flow")] = {vol.Required("user"): TEXT, str: TEXT}
    else:
        schema[vol.Optional("initiate_flow")] = {vol.Required("user"): TEXT}

    def data_description_in_data(value: dict[str, Any]) -> dict[str, Any]:
        for step in value["step"].values():
            for key in step.get("data_description", {}):
                if key not in step.get("data", {}):
                    raise vol.Invalid(f"data_description key {key} is not in data")
        return value

    return vol.All(vol.Schema(schema), data_description_in_data)


_STATE_ATTRIBUTES = _keyed({vol.Optional("name"): PLAIN_TEXT, vol.Optional("state"): _keyed(PLAIN_TEXT)})
_FIELDS = _keyed({vol.Required("name"): str, vol.Required("description"): TEXT, vol.Optional("example"): TEXT})

STRINGS_SCHEMA = vol.Schema({
    vol.Optional("title"): TEXT,
    vol.Optional("config"): _data_entry(),
    vol.Optional("config_subentries"): _keyed(_data_entry(subentry_flow=True), vol.Any("_", cv.slug)),
    vol.Optional("options"): _data_entry(),
    vol.Optional("selector"): _keyed(
        {
            vol.Optional("choices"): _keyed(TEXT),
            vol.Optional("options"): _keyed(TEXT),
            vol.Optional("unit_of_measurement"): _keyed(TEXT),
            vol.Optional("fields"): _keyed({vol.Required("name"): str, vol.Required("description"): TEXT}),
        },
        vol.Any("_", cv.slug),
    ),
    vol.Optional("issues"): {
        str: vol.All(
            cv.has_at_least_one_key("description", "fix_flow"),
            vol.Schema({
                vol.Required("title"): TEXT,
                vol.Exclusive("description", "fixable"): TEXT,
                vol.Exclusive("fix_flow", "fixable"): _data_entry(),
            }),
        )
    },
    vol.Optional("device"): _keyed({vol.Optional("name"): TEXT}),
    vol.Optional("entity"): _keyed(
        _keyed({
            vol.Optional("name"): TEXT,
            vol.Optional("state"): _keyed(PLAIN_TEXT),
            vol.Optional("state_attributes"): _STATE_ATTRIBUTES,
            vol.Optional("unit_of_measurement"): PLAIN_TEXT,
        }),
        cv.slug,
    ),
    vol.Optional("exceptions"): _keyed({vol.Optional("message"): TEXT}, cv.slug),
    vol.Optional("services"): _keyed({
        vol.Required("name"): TEXT,
        vol.Required("description"): TEXT,
        vol.Optional("fields"): _FIELDS,
        vol.Optional("sections"): _keyed({vol.Required("name"): str, vol.Optional("description"): TEXT}),
    }),
})  # fmt: skip


def translation_errors(strings: dict[str, Any]) -> str | None:
    """hassfest's complaint about one strings file, None if it has none."""
    try:
        STRINGS_SCHEMA(strings)
    except vol.Invalid as err:
        return humanize_error(strings, err)
    return None
