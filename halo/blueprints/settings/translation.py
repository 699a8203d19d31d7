"""Settings > Translation: which language packs are installed, and how to add one."""
from flask import render_template

from ...services import translate_tickets, translation
from .. import admin_required
from . import bp


@bp.get("/settings/translation")
@admin_required
def translation_settings():
    return render_template("settings/translation.html", installed=translation.available(),
                           packs=translation.installed_packs(), folder=translation.packs_dir(),
                           ai=translation.ai_available(), team_language=translate_tickets.team_language(),
                           hint=translation.INSTALL_HINT)
