"""The email channel: raw mail stored first and processed as a job (ingest, routing,
threading, spam), outbound composition and delivery with retries, attachments, the
mailbox settings and IMAP polling, and the sealing of stored mailbox passwords.
"""
