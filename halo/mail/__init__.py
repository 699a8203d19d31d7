"""Email parsing for Halo: MIME, charsets, visible reply, HTML sanitising. No Flask here."""
