"""The chat widget channel: visitors and their signed tokens, identification, the
visitor's messages and what a widget may read, delivery state, and the widget settings.
"""
