"""Settings > Translation: which language packs are installed, and how to add one."""
from flask import render_template

from halo.blueprints.access import admin_required
from halo.blueprints.settings import bp
from halo.services.translate import engine as translation
from halo.services.translate import tickets as translate_tickets


@bp.get("/settings/translation")
@admin_required
def translation_settings():
    return render_template("settings/translation.html", installed=translation.available(),
                           packs=translation.installed_packs(), folder=translation.packs_dir(),
                           ai=translation.ai_available(), team_language=translate_tickets.team_language(),
                           hint=translation.INSTALL_HINT)
