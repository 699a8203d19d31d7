"""Translation: the offline engine (argostranslate, an optional extra) with the AI as
fallback, language detection, and translating a ticket's thread and replies.
"""
