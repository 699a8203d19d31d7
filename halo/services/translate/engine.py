"""Offline translation with argostranslate (an optional extra), the AI provider as fallback.

The extra is not part of the core install (CTranslate2 and its runtime): every entry point
checks available() first and says how to add it. It installs argostranslate without its
declared dependencies (requirements-translate*.txt): stanza would pull torch, and Halo
splits sentences itself, so argostranslate's module-level imports of stanza and MiniSBD
get stand-ins when those are absent. Language detection uses langdetect (pure Python,
~2 MB, in the core install) so a customer's language is known even without the extra.
"""
import importlib.util
import logging
import os
import re
import sys
import types
import zipfile

from flask import current_app
from flask_babel import gettext

from halo.services.errors import HaloError, ValidationError

log = logging.getLogger(__name__)

INSTALL_HINT = ("Translation is not installed on this server. Add it with "
                "`make run TRANSLATE=1` (or `.venv/bin/pip install -r requirements-translate.txt && "
                ".venv/bin/pip install --no-deps -r requirements-translate-nodeps.txt`) and restart Halo.")
# What an agent reads when a reply cannot be translated: how to install it is for admins,
# in Settings > Translation (INSTALL_HINT), never in the composer.
UNAVAILABLE = "Translation is not available on this server."
LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German",
                  "it": "Italian", "pt": "Portuguese", "nl": "Dutch", "pl": "Polish",
                  "sv": "Swedish", "ja": "Japanese", "zh": "Chinese", "ru": "Russian",
                  "ar": "Arabic", "tr": "Turkish", "ko": "Korean", "uk": "Ukrainian"}
# Sentences for packs that ship no sentence model of their own: argostranslate would
# otherwise download one (MiniSBD) at first use, and Halo runs offline.
_SENTENCE_END = re.compile(r"(?<=[.!?…。！？])\s+")


class NoTranslation(HaloError):
    """No installed pack covers the pair (and no AI fallback was asked for)."""
    status_code = 409


def language_name(code: str | None) -> str:
    """'es' -> 'Spanish' (the code itself when unknown)."""
    return LANGUAGE_NAMES.get((code or "").split("-")[0], code or "unknown")


def available() -> bool:
    """Whether the translation extra is installed."""
    return importlib.util.find_spec("argostranslate") is not None


def ai_available() -> bool:
    """Whether an OpenAI-compatible provider is configured for the fallback."""
    return bool(current_app.config.get("OPENAI_BASE_URL") or current_app.config.get("OPENAI_API_KEY"))


def packs_dir() -> str:
    """Where language packs live (HALO_TRANSLATE_DIR, default instance/translate)."""
    return current_app.config.get("HALO_TRANSLATE_DIR") or os.path.join(
        current_app.instance_path, "translate")


# Sentence splitters argostranslate imports when it loads (sbd.py), by the class that uses each.
_SPLITTER_LIBRARIES = {"StanzaSentencizer": "stanza", "MiniSBDSentencizer": "minisbd"}


def _stand_in(name: str) -> types.ModuleType:
    """A module that lets argostranslate import without `name`; using it is an error."""
    def missing(*args, **kwargs):
        raise RuntimeError(gettext("%(name)s is not installed: Halo splits sentences itself", name=name))
    module = types.ModuleType(name, f"Stand-in for {name} (not installed; see halo/services/translate/engine.py).")
    module.halo_stand_in = True
    module.Pipeline = module.SBDetect = missing
    module.models = types.SimpleNamespace(cache_dir=None, list_models=lambda: [])
    return module


def _install_stand_ins() -> None:
    for name in _SPLITTER_LIBRARIES.values():
        if name not in sys.modules and importlib.util.find_spec(name) is None:
            sys.modules[name] = _stand_in(name)


def _splitter_missing(sentencizer) -> bool:
    """Whether argostranslate picked a sentence splitter whose library is a stand-in."""
    library = _SPLITTER_LIBRARIES.get(type(sentencizer).__name__)
    return library is not None and getattr(sys.modules.get(library), "halo_stand_in", False)


def _argos():
    """The argostranslate modules, pointed at this app's pack folder."""
    from pathlib import Path
    folder = Path(packs_dir())
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("ARGOS_PACKAGES_DIR", str(folder))
    _install_stand_ins()
    from argostranslate import package, settings, translate
    if settings.package_data_dir != folder:
        # settings are read once at import; tests and a changed config need them re-aimed.
        settings.package_data_dir, settings.package_dirs = folder, [folder]
        translate.get_installed_languages.cache_clear()
    return package, translate


def installed_packs() -> list[dict]:
    """The installed packs: from/to codes and names, version, description."""
    if not available():
        return []
    package, _ = _argos()
    return [{"from_code": p.from_code, "to_code": p.to_code, "from_name": p.from_name,
             "to_name": p.to_name, "version": p.package_version, "description": p.get_description()}
            for p in package.get_installed_packages() if p.type == "translate"]


def install_pack(path: str) -> list[dict]:
    """Install a .argosmodel file; returns the installed packs."""
    if not available():
        raise ValidationError(INSTALL_HINT)
    if not zipfile.is_zipfile(path):
        raise ValidationError(gettext("%(path)s is not an Argos language pack (.argosmodel zip file).", path=path))
    with zipfile.ZipFile(path) as zf:
        if not any(n.endswith("/metadata.json") for n in zf.namelist()):
            raise ValidationError(gettext("%(path)s has no metadata.json: not an Argos language pack.", path=path))
    from pathlib import Path
    package, _ = _argos()
    package.install_from_path(Path(path))
    return installed_packs()


def install_from_index(from_code: str, to_code: str) -> list[dict]:
    """Download and install the pack for a pair from the Argos index (needs internet)."""
    if not available():
        raise ValidationError(INSTALL_HINT)
    package, _ = _argos()
    package.update_package_index()
    if not package.install_package_for_language_pair(from_code, to_code):
        raise ValidationError(gettext("The Argos index has no pack for %(from_code)s → %(to_code)s.", from_code=from_code, to_code=to_code))
    return installed_packs()


def has_pair(from_code: str, to_code: str) -> bool:
    """Whether an installed pack translates from_code -> to_code."""
    return any(p["from_code"] == from_code and p["to_code"] == to_code for p in installed_packs())


def translate_text(text: str, from_code: str, to_code: str, use_ai: bool = False) -> tuple[str, str]:
    """(translation, engine): an installed pack, else the AI provider when asked; else NoTranslation."""
    if from_code == to_code:
        return text, "none"
    if available() and has_pair(from_code, to_code):
        return _argos_translate(text, from_code, to_code), "argos"
    if use_ai and ai_available():
        return _ai_translate(text, from_code, to_code), "ai"
    if not available():
        raise NoTranslation(UNAVAILABLE)
    raise NoTranslation(f"Translation from {language_name(from_code)} to {language_name(to_code)} "
                        "is not available: no language pack for it is installed.")


def _argos_translate(text: str, from_code: str, to_code: str) -> str:
    _, translate = _argos()
    translation = translate.get_translation_from_codes(from_code, to_code)
    inner = getattr(translation, "underlying", translation)
    if getattr(getattr(inner, "pkg", None), "packaged_sbd_path", True) is None or \
            _splitter_missing(getattr(inner, "sentencizer", None)):
        inner.sentencizer = _OfflineSentences()
    return translation.translate(text)


class _OfflineSentences:
    """Split on sentence punctuation: no model to download."""

    def split_sentences(self, text: str) -> list[str]:
        return [s for s in _SENTENCE_END.split(text.strip()) if s]


def _ai_translate(text: str, from_code: str, to_code: str) -> str:
    from halo.services.ai import provider as ai_provider
    prompt = (f"Translate the following customer-support message from {language_name(from_code)} "
              f"to {language_name(to_code)}. Keep the tone, names, numbers and line breaks. "
              "Answer with the translation only.")
    return ai_provider.complete([{"role": "system", "content": prompt},
                                 {"role": "user", "content": text}], max_tokens=2000).strip()


# Function words that make up a large share of any English text and of almost no other
# language's; used to skip langdetect (~10 ms a message) for the common case.
_ENGLISH = frozenset("the and to of a i is you for it that in on my we this be have with not are "
                     "can your me was our please thanks thank but at from will do so if".split())
_WORD = re.compile(r"[a-z']+")
DETECT_CHARS = 600  # a few sentences decide; longer texts only cost time


def _plainly_english(text: str) -> bool:
    """ASCII text where at least a fifth of the words are English function words."""
    if not text.isascii():
        return False
    words = _WORD.findall(text.lower())
    return len(words) >= 4 and sum(w in _ENGLISH for w in words) * 5 >= len(words)


def detect_language(text: str) -> str | None:
    """The language of a text by langdetect (seeded: the same text gives the same answer)."""
    text = (text or "").strip()[:DETECT_CHARS]
    if len(text) < 12:  # a "thanks!" is too short to tell languages apart
        return None
    if _plainly_english(text):
        return "en"
    try:
        from langdetect import DetectorFactory, detect
        DetectorFactory.seed = 0
        return detect(text).split("-")[0]
    except ImportError:
        return None
    except Exception:  # langdetect raises on text with no letters
        return None
