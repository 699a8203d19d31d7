"""Knowledge > Articles: the team's knowledge base, written in markdown, rendered safely."""
from datetime import datetime

import nh3
from flask_babel import gettext
from sqlalchemy import select

from halo import clock
from halo.extensions import db
from halo.models import Article
from halo.services.access import roles
from halo.services.ai.search import rank
from halo.services.errors import NotFound, ValidationError

MAX_TITLE = 200
MAX_BODY = 100_000
# Markdown's output is trusted no more than customer HTML: an allow-list keeps only
# formatting, and links get rel=noopener (nh3's default link_rel).
TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code",
        "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td"}
ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(source: str) -> str:
    """Markdown to sanitised HTML: no script, no event handlers, no javascript: links."""
    import markdown  # loaded when an article is first rendered, not by every process

    html = markdown.markdown(source or "", extensions=["tables", "fenced_code", "sane_lists"])
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto"})


def _check(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise ValidationError(gettext("Give the article a title."))
    if len(title) > MAX_TITLE:
        raise ValidationError(gettext("Titles are at most %(MAX_TITLE)s characters.", MAX_TITLE=MAX_TITLE))
    if len(body) > MAX_BODY:
        raise ValidationError(gettext("That article is too long."))
    return title, body


def create_article(title: str, body: str, published: bool, author_id: int | None,
                   now: datetime | None = None) -> Article:
    """Save a new article; publishing it (the AI answers customers from it) needs an admin
    or the publish permission, any other teammate who may work tickets saves a draft."""
    roles.require(author_id, "work")
    if published:
        roles.require(author_id, "publish")
    title, body = _check(title, body)
    now = now or clock.now()
    article = Article(title=title, body=body, body_html=render_markdown(body), published=published,
                      author_id=author_id, created_at=now, updated_at=now)
    db.session.add(article)
    db.session.commit()
    return article


def update_article(article_id: int, title: str, body: str, published: bool,
                   actor_id: int | None = None) -> Article:
    """Edit an article's text and whether the AI and the team may use it: a published
    article, or publishing one, needs the publish permission (a draft does not)."""
    roles.require(actor_id, "work")
    title, body = _check(title, body)
    article = get_article(article_id)
    if published or article.published:
        roles.require(actor_id, "publish")
    article.title, article.body, article.published = title, body, published
    article.body_html, article.updated_at = render_markdown(body), clock.now()
    db.session.commit()
    return article


def delete_article(article_id: int, actor_id: int | None = None) -> None:
    """Remove an article for good (admins, or the publish permission)."""
    article = get_article(article_id)
    roles.require(actor_id, "publish")
    db.session.delete(article)
    db.session.commit()


def get_article(article_id: int) -> Article:
    """The article, or NotFound."""
    article = db.session.get(Article, article_id)
    if article is None:
        raise NotFound(gettext("That article does not exist."))
    return article


def list_articles(query: str = "", published_only: bool = False, limit: int = 200) -> list[Article]:
    """Articles matching query (best first), or all of them newest first."""
    stmt = select(Article).order_by(Article.updated_at.desc())
    if published_only:
        stmt = stmt.where(Article.published.is_(True))
    articles = list(db.session.scalars(stmt.limit(2000)))
    if not (query or "").strip():
        return articles[:limit]
    return [a for a, _ in rank(query, articles, _article_text)][:limit]


def published_articles() -> list[Article]:
    """What the AI may use as a source."""
    return list(db.session.scalars(select(Article).where(Article.published.is_(True)).limit(2000)))


def _article_text(article: Article) -> str:
    # The title counts twice: a title match says more than a passing mention.
    return f"{article.title} {article.title} {article.body}"
