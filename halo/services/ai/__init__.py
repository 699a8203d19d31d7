"""The AI assistant: provider client, prompts and context building, the output guard,
drafts, HaloPilot, the AI email and chat pipelines, knowledge search and AI settings.
"""
