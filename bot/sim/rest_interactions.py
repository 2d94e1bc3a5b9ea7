"""Interaction callbacks and the interaction webhook (original response, follow-ups)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.sim import errors as E
from bot.sim import payloads
from bot.sim.core import SimCore, Upload
from bot.sim.errors import DiscordHTTPError, ErrorTree, Violation, form_error, not_found
from bot.sim.interactions import (
    ALLOWED_CALLBACKS,
    APPLICATION_COMMAND,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_MESSAGE,
    DEFERRED_UPDATE,
    MODAL,
    UPDATE_MESSAGE,
    SimInteraction,
    SimModal,
)
from bot.sim.models import FLAG_EPHEMERAL, FLAG_LOADING, SimMessage
from bot.sim.rest import API_PREFIX, no_content, ok, read_body
from bot.sim.validation import check_choices, check_modal


class InteractionRoutes:
    """POST /interactions/{id}/{token}/callback and /webhooks/{application_id}/{token}/..."""

    def __init__(self, core: SimCore) -> None:
        self.core = core
        self.world = core.world

    def register(self, app: web.Application) -> None:
        r = app.router
        p = API_PREFIX
        r.add_post(p + "/interactions/{interaction_id}/{token}/callback", self.callback)
        base = p + "/webhooks/{webhook_id}/{token}"
        r.add_post(base, self.followup)
        r.add_get(base + "/messages/{message_id}", self.get_webhook_message)
        r.add_patch(base + "/messages/{message_id}", self.edit_webhook_message)
        r.add_delete(base + "/messages/{message_id}", self.delete_webhook_message)

    # --- the initial response ----------------------------------------------------------------------

    async def callback(self, request: web.Request) -> web.Response:
        core = self.core
        raw_id = request.match_info["interaction_id"]
        interaction = core.interactions.get(int(raw_id)) if raw_id.isdigit() else None
        if interaction is None or interaction.token != request.match_info["token"]:
            raise not_found(E.UNKNOWN_INTERACTION, "interaction")
        payload, uploads = await read_body(request)
        if interaction.callback_type is not None:
            raise DiscordHTTPError(400, E.ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged.")
        if interaction.elapsed() > core.response_deadline:
            raise not_found(E.UNKNOWN_INTERACTION, "interaction")
        kind = payload.get("type")
        data = payload.get("data") or {}
        allowed = set(ALLOWED_CALLBACKS.get(interaction.type, set()))
        if interaction.source_message is None:
            allowed -= {DEFERRED_UPDATE, UPDATE_MESSAGE}
        if kind not in allowed:
            tree = ErrorTree()
            tree.add(("type",), "BASE_TYPE_CHOICES", f"Value must be one of {sorted(allowed)}.")
            raise form_error(tree)
        if kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            core.validate_body(data, uploads, creating=kind == CHANNEL_MESSAGE, prefix=("data",))
        elif kind == AUTOCOMPLETE_RESULT:
            tree = ErrorTree()
            check_choices(data.get("choices"), interaction.focused_type, tree)
            if tree:
                raise form_error(tree)
        elif kind == MODAL:
            tree = ErrorTree()
            check_modal(data, tree)
            if tree:
                raise form_error(tree)
        message = self._apply_callback(interaction, kind, data, uploads)
        interaction.callback_type = kind
        interaction.changed()
        if request.query.get("with_response") not in ("1", "true", "True"):
            return no_content()
        info: dict[str, Any] = {"id": str(interaction.id), "type": interaction.type}
        body: dict[str, Any] = {"interaction": info}
        if message is not None:
            info.update(
                response_message_id=str(message.id),
                response_message_loading=message.loading,
                response_message_ephemeral=message.ephemeral,
            )
        if kind in (CHANNEL_MESSAGE, DEFERRED_MESSAGE, UPDATE_MESSAGE) and message is not None:
            body["resource"] = {"type": kind, "message": payloads.message(message, self.world)}
        return ok(body)

    def _apply_callback(
        self, interaction: SimInteraction, kind: int, data: dict[str, Any], uploads: list[Upload]
    ) -> SimMessage | None:
        core = self.core
        if kind in (CHANNEL_MESSAGE, DEFERRED_MESSAGE):
            flags = FLAG_LOADING if kind == DEFERRED_MESSAGE else 0
            body = data if kind == CHANNEL_MESSAGE else {"flags": int(data.get("flags") or 0) & FLAG_EPHEMERAL}
            msg = self._interaction_message(interaction, body, uploads, flags=flags, original=True)
            interaction.original = msg
            if kind == CHANNEL_MESSAGE:
                interaction.visible = msg
            core.announce_create(msg)
            return msg
        if kind in (DEFERRED_UPDATE, UPDATE_MESSAGE):
            source = interaction.source_message
            assert source is not None
            interaction.original = source
            if kind == UPDATE_MESSAGE:
                core.edit_message(source, data, uploads)
                interaction.visible = source
                core.announce_update(source)
            return source
        if kind == AUTOCOMPLETE_RESULT:
            interaction.choices = list(data.get("choices") or [])
            return None
        interaction.modal = SimModal(
            custom_id=data["custom_id"], title=data["title"], components=data["components"], interaction=interaction
        )
        return None

    def _interaction_message(
        self,
        interaction: SimInteraction,
        payload: dict[str, Any],
        uploads: list[Upload],
        *,
        flags: int = 0,
        original: bool = False,
    ) -> SimMessage:
        channel = interaction.channel
        # Slash-command original responses are CHAT_INPUT_COMMAND messages; everything else is DEFAULT.
        kind = 20 if (original and interaction.type == APPLICATION_COMMAND) else 0
        return self.core.new_message(
            channel.id,
            channel.guild_id,
            self.world.bot_user,
            payload,
            uploads,
            flags=flags,
            type=kind,
            webhook_id=self.world.application_id,
            application_id=self.world.application_id,
            interaction_id=interaction.id,
            interaction_type=interaction.type,
            interaction_name=interaction.command_name if original else None,
            interaction_user=interaction.user,
        )

    # --- the webhook -------------------------------------------------------------------------------

    def _webhook_interaction(self, request: web.Request) -> SimInteraction:
        core = self.core
        interaction = core.by_token.get(request.match_info["token"])
        if interaction is None or request.match_info["webhook_id"] != str(self.world.application_id):
            raise not_found(E.UNKNOWN_WEBHOOK, "Webhook")
        if core.clock.now() - interaction.created_at > core.token_lifetime:
            raise DiscordHTTPError(401, E.INVALID_WEBHOOK_TOKEN, "Invalid Webhook Token")
        if interaction.callback_type is None or interaction.callback_type in (AUTOCOMPLETE_RESULT,):
            raise not_found(E.UNKNOWN_WEBHOOK, "Webhook")
        return interaction

    def _webhook_message(self, request: web.Request, interaction: SimInteraction) -> SimMessage:
        raw = request.match_info["message_id"]
        if raw == "@original":
            msg = interaction.original
        else:
            msg = next((m for m in [interaction.original, *interaction.followups] if m and str(m.id) == raw), None)
        if msg is None or msg.deleted:
            raise not_found(E.UNKNOWN_MESSAGE, "Message")
        return msg

    async def followup(self, request: web.Request) -> web.Response:
        interaction = self._webhook_interaction(request)
        payload, uploads = await read_body(request)
        self.core.validate_body(payload, uploads, creating=True)
        original = interaction.original
        if (
            interaction.callback_type == DEFERRED_MESSAGE
            and original is not None
            and original.loading
            and not interaction.followups
        ):
            # Discord turns the first follow-up after a deferral into the deferred message itself,
            # keeping the deferral's ephemeral-ness. The docs call this deprecated ("use Edit Original
            # Interaction Response instead": discord-api-docs developers/interactions/
            # receiving-and-responding.mdx, Create Followup Message), so it is done but recorded.
            self.core.record(
                Violation(
                    status=0,
                    code=0,
                    message="deprecated: a follow-up filled the deferred message; use Edit Original Interaction "
                    "Response (PATCH .../messages/@original)",
                    method="POST",
                    path="/webhooks/{application_id}/{token}",
                    interaction_id=interaction.id,
                )
            )
            body = {**payload, "flags": int(payload.get("flags") or 0) & ~FLAG_EPHEMERAL}
            self.core.edit_message(original, {k: v for k, v in body.items() if k != "flags"}, uploads)
            original.edits -= 1  # filling the placeholder is not a user-visible "edit"
            original.edited_at = None
            msg = original
            interaction.followups.append(msg)
            self.core.announce_update(msg)
        else:
            msg = self._interaction_message(interaction, payload, uploads)
            interaction.followups.append(msg)
            self.core.announce_create(msg)
        if interaction.visible is None:
            interaction.visible = msg
        interaction.changed()
        if request.query.get("wait") in ("1", "true", "True"):
            return ok(payloads.message(msg, self.world))
        return no_content()

    async def get_webhook_message(self, request: web.Request) -> web.Response:
        interaction = self._webhook_interaction(request)
        return ok(payloads.message(self._webhook_message(request, interaction), self.world))

    async def edit_webhook_message(self, request: web.Request) -> web.Response:
        interaction = self._webhook_interaction(request)
        msg = self._webhook_message(request, interaction)
        payload, uploads = await read_body(request)
        self.core.validate_body(payload, uploads, creating=False)
        was_loading = msg.loading
        self.core.edit_message(msg, payload, uploads)
        if was_loading:
            msg.edited_at = None
        if interaction.visible is None or interaction.visible is msg:
            interaction.visible = msg
        interaction.changed()
        self.core.announce_update(msg)
        return ok(payloads.message(msg, self.world))

    async def delete_webhook_message(self, request: web.Request) -> web.Response:
        interaction = self._webhook_interaction(request)
        msg = self._webhook_message(request, interaction)
        msg.deleted = True
        interaction.changed()
        self.core.announce_delete(msg)
        return no_content()
