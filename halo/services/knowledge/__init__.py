"""What the team teaches: durable AI directives and saved replies.
"""
