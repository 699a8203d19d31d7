"""Companies: customers grouped by their `company` trait, else by their email's domain.

Free-mail domains (gmail.com and the like) say nothing about an employer, so a customer
with one and no company trait belongs to no company. The grouping is computed in SQL
(GROUP BY an expression), so there is nothing to keep in step: a new trait or a new
customer shows at once. A company is named by its key: the lower-cased trait, or the domain.
"""
from dataclasses import dataclass

from sqlalchemy import String, case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from halo.extensions import db
from halo.models import Customer
from halo.services.access import scope as access_scope
from halo.services.customers.listing import customer_condition, like_pattern, trait_text

PAGE_SIZE = 50

# Mailbox providers anyone can sign up with: a shared domain, not a company. Lower-case.
FREE_MAIL = frozenset("""
gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.fr yahoo.de yahoo.es yahoo.it yahoo.co.jp
ymail.com rocketmail.com hotmail.com hotmail.co.uk hotmail.fr hotmail.de hotmail.it hotmail.es
outlook.com outlook.de outlook.fr live.com live.co.uk live.fr live.de msn.com passport.com
icloud.com me.com mac.com aol.com aim.com gmx.com gmx.de gmx.net gmx.at gmx.ch web.de t-online.de
freenet.de posteo.de mailbox.org proton.me protonmail.com protonmail.ch pm.me tutanota.com tuta.io
yandex.com yandex.ru ya.ru mail.ru bk.ru inbox.ru list.ru rambler.ru qq.com 163.com 126.com
yeah.net sina.com sohu.com naver.com daum.net hanmail.net zoho.com zohomail.com fastmail.com
fastmail.fm hey.com hushmail.com mail.com email.com usa.com orange.fr wanadoo.fr free.fr laposte.net
sfr.fr libero.it virgilio.it tiscali.it alice.it seznam.cz wp.pl o2.pl interia.pl onet.pl
btinternet.com sky.com virginmedia.com talktalk.net comcast.net verizon.net att.net sbcglobal.net
bellsouth.net cox.net charter.net earthlink.net juno.com optonline.net rediffmail.com bigpond.com
shaw.ca rogers.com sympatico.ca telus.net uol.com.br bol.com.br terra.com.br ig.com.br
""".split())


class email_domain(FunctionElement):
    """The lower-cased part of an email after '@' (SQL; NULL for NULL)."""
    type = String()
    inherit_cache = True


@compiles(email_domain)
def _domain_sqlite(element, compiler, **kw):
    arg = compiler.process(list(element.clauses)[0], **kw)
    return f"lower(substr({arg}, instr({arg}, '@') + 1))"


@compiles(email_domain, "postgresql")
def _domain_postgresql(element, compiler, **kw):
    arg = compiler.process(list(element.clauses)[0], **kw)
    return f"lower(split_part({arg}, '@', 2))"


def company_label():
    """The company's name as customers write it: the trait, else the domain."""
    trait = func.nullif(func.trim(trait_text("company")), "")
    domain = email_domain(Customer.email)
    return func.coalesce(trait, case((domain.in_(sorted(FREE_MAIL)), literal(None, String)), else_=domain))


def company_key():
    """What groups customers into a company: the lower-cased label."""
    return func.lower(company_label())


@dataclass(frozen=True)
class Company:
    key: str
    name: str
    customers: int


def company_page(user_id: int, q: str = "", page: int = 1, size: int = PAGE_SIZE) -> tuple[list[Company], bool]:
    """Companies among the customers a teammate sees, the largest first; and whether more follow."""
    page = max(1, page)
    # Grouped over a subquery's columns: PostgreSQL would not match an expression with
    # bound parameters in GROUP BY to the same one in the select list.
    inner = (select(company_key().label("key"), company_label().label("name"))
             .where(customer_condition(access_scope.visible_inbox_ids(user_id))).subquery())
    n = func.count().label("n")
    query = select(inner.c.key, func.max(inner.c.name), n).where(inner.c.key.is_not(None)).group_by(inner.c.key)
    if q.strip():
        query = query.where(inner.c.key.like(like_pattern(q.strip()), escape="\\"))
    query = query.order_by(n.desc(), inner.c.key).limit(size + 1).offset((page - 1) * size)
    rows = db.session.execute(query.execution_options(halo_unscoped=True)).all()
    return [Company(k, name, n) for k, name, n in rows[:size]], len(rows) > size


def company_customers(user_id: int, key: str, limit: int = 500) -> list[Customer]:
    """The customers of one company the teammate sees, by name."""
    query = (select(Customer).where(customer_condition(access_scope.visible_inbox_ids(user_id)),
                                    company_key() == key.strip().lower())
             .order_by(func.lower(Customer.name), Customer.id).limit(limit))
    return list(db.session.scalars(query.execution_options(halo_unscoped=True)))


def company_of(customer: Customer) -> str | None:
    """The key of the customer's company, worked out in Python as the SQL does, or None."""
    trait = customer.traits.get("company") if customer.traits else None
    if trait is not None and str(trait).strip():
        return str(trait).strip().lower()
    domain = (customer.email or "").rpartition("@")[2].lower()
    return domain if domain and domain not in FREE_MAIL else None
