"""Separate the visible reply from quoted history and signatures in a plain-text body."""
import re

# Verbs that end an attribution line ("On <date>, <name> wrote:") in the languages we meet.
_WROTE_WORDS = (
    "wrote", "writes", "a écrit", "a ecrit", "écrivait", "schrieb", "schreef", "escribió",
    "escribio", "ha scritto", "scrisse", "escreveu", "skrev", "kirjoitti", "napisał", "napisal",
    "napsal", "пишет", "написал", "написала", "írta", "yazdı", "έγραψε", "כתב", "写道", "寫道",
    "skrifaði", "rašė", "rakstīja", "kirjutas")
_VERB_HINT = re.compile("|".join(re.escape(w) for w in _WROTE_WORDS))
_ATTR_START = re.compile(
    r"^\s*[-*_>\s]*(?:(?:On|Le|Am|El|Il|Em|Op|Den|Dne|W dniu|Pe|På|Às|No)\b|"
    r"\d|[^\W\d]{1,10}[.,]?\s+\d)", re.I)
# After the verb: nothing but a colon (maybe after the name, as German puts it) or dashes.
_ATTR_TAIL = re.compile(r"^(?:[^:\n]{0,120}:|\s*-*)\s*\**\s*$")
_BARE_TAIL = re.compile(r"^\s*[:-]*\s*$")
_SEPARATOR = re.compile(
    r"^\s*[-=_*]{2,}\s*(?:original message|original-nachricht|ursprüngliche nachricht|"
    r"message d'origine|message original|mensaje original|messaggio originale|"
    r"mensagem original|oorspronkelijk bericht|oprindelig meddelelse|"
    r"opprinnelig melding|ursprungligt meddelande|alkuperäinen viesti|"
    r"исходное сообщение|původní zpráva|wiadomość oryginalna|reply message|"
    r"oprindelig besked|forwarded message|weitergeleitete nachricht|message transféré|"
    r"mensaje reenviado)\s*[-=_*]*\s*$", re.I)
_UNDERSCORES = re.compile(r"^\s*_{20,}\s*$")
_FROM_KEY = (r"from|de|von|van|da|fra|från|od|от|lähettäjä|feladó|kimden|frá|"
             r"发件人|寄件者|差出人|보낸 사람")
_HEADER_KEY = (r"sent|date|to|subject|cc|envoyé|date d'envoi|à|objet|gesendet|datum|an|"
               r"betreff|enviado|enviado el|fecha|para|asunto|inviato|data|a|oggetto|"
               r"verzonden|aan|onderwerp|sendt|dato|til|emne|skickat|ämne|till|"
               r"lähetetty|vastaanottaja|aihe|wysłano|do|temat|отправлено|кому|тема|"
               r"дата|odesláno|komu|předmět|收件人|主题|日期|发送时间|件名|宛先|送信日時")
_FROM_LINE = re.compile(r"^\s*[*>\s]*(?:" + _FROM_KEY + r")\s*:\s*\**\s*\S", re.I)
_HEADER_LINE = re.compile(r"^\s*[*\s]*(?:" + _HEADER_KEY + r")\s*:\s*\**", re.I)
_FRAMED = re.compile(r"^\s*[-=_*]{3,}\s*[^-=_*\s][^-=_*]{1,60}?\s*[-=_*]{3,}\s*$")
_RULE = re.compile(r"^\s*([-=_*~—])\1{2,}\s*$")
_PREAMBLE_KEY = re.compile(r"^\s*\**[\w'’. ]{2,20}\s*:\**\s*\S", re.U)
# "<date>, <name> <addr>:" with no verb at all (Russian Gmail, many webmails).
_ADDR_COLON = re.compile(r"^(?=.*\d).{0,300}[\w.+'-]+@[\w-]+(\.[\w-]+)+>*\s*:\s*$", re.S)
_WRAPPED_END = re.compile(r"^\s*>\s*:\s*$")
_SIG_DELIM = re.compile(r"^(--|-- |__)\s*$")
_MOBILE_SIG = re.compile(
    r"^\s*(sent from|sent with|sent via|sent using|get outlook for|envoyé de|envoyé depuis|"
    r"envoyé à partir de|gesendet von|von meinem|enviado desde|enviado do|enviado de|"
    r"inviato da|verzonden met|verstuurd vanaf|sendt fra|skickat från|lähetetty|"
    r"отправлено с|wysłane z)\b[^,;:!?<>]{0,60}(<[^>]*>)?\s*$", re.I)
_VALEDICTION = re.compile(
    r"^\s*((best|kind|warm|warmest|many)\s+)?(regards|wishes)\s*[,.!]?\s*$|"
    r"^\s*(mit freundlichen grüßen|mfg|viele grüße|cordialement|bien à vous|"
    r"saludos|un saludo|atentamente|cordiali saluti|met vriendelijke groet(en)?|"
    r"med venlig hilsen|med vänliga hälsningar|ystävällisin terveisin|"
    r"с уважением)\s*[,.!]?\s*$", re.I)


def split_reply(text):
    """Return (visible_reply, quoted_rest) for a plain-text body."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _quote_start(lines)
    head = lines if cut is None else lines[:cut]
    rest = [] if cut is None else lines[cut:]
    removed = []
    while True:
        head, tail = _strip_trailing_quotes(head)
        head, sig = _strip_signature(head)
        removed = tail + sig + removed
        if not tail and not sig:
            break
    return "\n".join(head).strip("\n"), "\n".join(removed + rest).strip("\n")


def visible_reply(text):
    """The visible reply only: no quoted history, no signature."""
    return split_reply(text)[0]


def _quote_start(lines):
    # Only a header with real content above it starts the history; a header at the
    # very top, or one whose quote is answered inline below, keeps everything visible.
    seen_content = False
    for i, line in enumerate(lines):
        if _is_quoted(line):
            continue
        if seen_content and _is_quote_header(lines, i) and not _answered_inline(lines, i):
            return _back_over_preamble(lines, i)
        if seen_content and _is_mobile_sig(line):
            return i
        seen_content = seen_content or bool(line.strip())
    return None


def _is_quoted(line):
    return line.lstrip().startswith(">")


def _is_mobile_sig(line):
    return bool(_MOBILE_SIG.match(line)) and len(line) < 120


def _answered_inline(lines, i):
    # Header, then a "> " block, then fresh unquoted text: an interleaved reply.
    j = i + 1
    while j < len(lines) and not lines[j].strip():
        j += 1
    if j >= len(lines) or not _is_quoted(lines[j]):
        return False
    while j < len(lines) and (_is_quoted(lines[j]) or not lines[j].strip()):
        j += 1
    if j >= len(lines):
        return False
    return not (_SIG_DELIM.match(lines[j]) or _RULE.match(lines[j]) or _is_mobile_sig(lines[j])
                or _is_quote_header(lines, j))


def _back_over_preamble(lines, i):
    # Rules ("-----", "====") and stray "Key : value" lines belong to the quote header.
    while i > 0:
        prev = lines[i - 1]
        if prev.strip() and not (_RULE.match(prev) or _PREAMBLE_KEY.match(prev)):
            break
        i -= 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def _is_quote_header(lines, i):
    line = lines[i]
    if _SEPARATOR.match(line):
        return True
    if _UNDERSCORES.match(line):
        return True
    if _FRAMED.match(line) and any(_FROM_LINE.match(x) or _HEADER_LINE.match(x)
                                   for x in lines[i + 1:i + 4]):
        return True
    if _FROM_LINE.match(line) and _header_block_follows(lines, i):
        return True
    if len(line) > 1000:  # no client writes headers that long; spare the regexes
        return False
    max_span = 5 if _ATTR_START.match(line) else 2  # only attributions wrap over lines
    for span in range(1, max_span):
        joined = " ".join(x.strip() for x in lines[i:i + span])
        if _is_attribution(joined, bare_ok=span == 1):
            return True
        if span == 1 and "@" in joined and joined.rstrip().endswith(":") and _ADDR_COLON.match(joined):
            return True
        nxt = lines[i + span] if i + span < len(lines) else ""
        # Gmail wraps long attributions, sometimes leaving only ">:" on the last line.
        if not nxt.strip() or (_is_quoted(nxt) and not _WRAPPED_END.match(nxt)):
            break
    return False


def _is_attribution(joined, bare_ok):
    # Verb located with plain string search: regexes scanning for 30 verbs at every
    # position of every line made long bodies take seconds.
    low = joined.lower()
    if not _VERB_HINT.search(low):
        return False
    for word in _WROTE_WORDS:
        at = low.rfind(word)
        end = at + len(word)
        if at < 0 or at > 500 or (end < len(low) and low[end].isalnum()):
            continue
        tail = joined[end:]
        if _ATTR_TAIL.match(tail) and _ATTR_START.match(joined):
            return True
        head = joined[:at]
        if bare_ok and _BARE_TAIL.match(tail) and ("@" in head or re.search(r"\d", head)):
            return True
    return False


def _header_block_follows(lines, i):
    # Outlook history: "From:" followed by "Sent:/To:/Subject:" lines within a few lines.
    window = [x for x in lines[i + 1:i + 6] if x.strip()]
    return sum(bool(_HEADER_LINE.match(x)) for x in window) >= 1


def _strip_trailing_quotes(lines):
    end = len(lines)
    while end and (not lines[end - 1].strip() or _is_quoted(lines[end - 1])):
        end -= 1
    return lines[:end], lines[end:]


def _strip_signature(lines):
    for i, line in enumerate(lines):
        if _SIG_DELIM.match(line) and any(x.strip() for x in lines[:i]):
            return lines[:i], lines[i:]
    for i, line in enumerate(lines):
        if _VALEDICTION.match(line) and any(x.strip() for x in lines[:i]) \
                and _short_block(lines[i + 1:]):
            return lines[:i], lines[i:]
    return lines, []


def _short_block(lines):
    # What follows "Regards," must look like a name card, not more message.
    body = [x for x in lines if x.strip()]
    return len(body) <= 6 and all(len(x) < 80 for x in body)
