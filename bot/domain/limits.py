"""Discord's limits, written down once for the bot (the simulator in `bot/sim` keeps its own copy:
it plays Discord, and imports nothing of the bot).

Sources (discord-api-docs): resources/message "Embed Limits", interactions/message-components
("custom_id" max 100), interactions/application-commands (autocomplete: max 25 choices),
resources/guild-scheduled-event (name 1-100, description 1-1000, location 1-100).
"""

from __future__ import annotations

from typing import Final

#: A message's text.
CONTENT_MAX: Final = 2000
#: Embed parts, and all of a message's embeds together.
TITLE_MAX: Final = 256
DESCRIPTION_MAX: Final = 4096
FIELDS_MAX: Final = 25
FIELD_NAME_MAX: Final = 256
FIELD_VALUE_MAX: Final = 1024
FOOTER_MAX: Final = 2048
AUTHOR_MAX: Final = 256
EMBED_TOTAL_MAX: Final = 6000
EMBEDS_PER_MESSAGE: Final = 10
#: A component's custom id.
CUSTOM_ID_MAX: Final = 100
#: Choices one autocomplete answer may offer.
AUTOCOMPLETE_CHOICES_MAX: Final = 25
#: A guild scheduled event's name, description and (external) location.
EVENT_NAME_MAX: Final = 100
EVENT_DESCRIPTION_MAX: Final = 1000
EVENT_LOCATION_MAX: Final = 100
