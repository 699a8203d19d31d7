"""Knowledge articles and saved replies: the team's texts, read and written."""
from pydantic import BaseModel, Field

from halo.blueprints.api import shapes
from halo.blueprints.api.shapes import TeammateRef, Time
from halo.blueprints.api.spec import Strict, body, endpoint, params, principal
from halo.services.ai import knowledge as articles
from halo.services.integrations import reach
from halo.services.knowledge import saved_replies


class ArticleOut(BaseModel):
    id: int
    title: str
    body: str = Field(description="markdown")
    body_html: str = Field(description="the markdown rendered and sanitised")
    published: bool = Field(description="the AI and the team may use it")
    author: TeammateRef | None
    created_at: Time
    updated_at: Time


class ArticleList(BaseModel):
    data: list[ArticleOut]


class ArticleListQuery(Strict):
    q: str | None = Field(None, max_length=200, description="words to look for, best match first")
    published: bool | None = Field(None, description="true: only published articles")
    limit: int = Field(100, ge=1, le=200)


class ArticleIn(Strict):
    title: str = Field(min_length=1, max_length=articles.MAX_TITLE)
    body: str = Field("", max_length=articles.MAX_BODY)
    published: bool = False


class ArticlePatch(Strict):
    title: str | None = Field(None, min_length=1, max_length=articles.MAX_TITLE)
    body: str | None = Field(None, max_length=articles.MAX_BODY)
    published: bool | None = None


class SavedReplyOut(BaseModel):
    id: int
    title: str
    body: str = Field(description="text with {customer.first_name}-style fields")
    created_at: Time
    updated_at: Time


class SavedReplyList(BaseModel):
    data: list[SavedReplyOut]


class SavedReplyIn(Strict):
    title: str = Field(min_length=1, max_length=saved_replies.MAX_TITLE)
    body: str = Field(min_length=1, max_length=saved_replies.MAX_BODY)


class SavedReplyPatch(Strict):
    title: str | None = Field(None, min_length=1, max_length=saved_replies.MAX_TITLE)
    body: str | None = Field(None, min_length=1, max_length=saved_replies.MAX_BODY)


def article_out(a) -> ArticleOut:
    return ArticleOut(id=a.id, title=a.title, body=a.body, body_html=a.body_html,
                      published=a.published, author=shapes.teammate_ref(a.author),
                      created_at=a.created_at, updated_at=a.updated_at)


def reply_out(r) -> SavedReplyOut:
    return SavedReplyOut(id=r.id, title=r.title, body=r.body, created_at=r.created_at,
                         updated_at=r.updated_at)


@endpoint("read", query=ArticleListQuery, resp=ArticleList, tags=("articles",))
def list_articles():
    """List or search articles"""
    query = params()
    found = articles.list_articles(query.q or "", published_only=bool(query.published), limit=query.limit)
    return ArticleList(data=[article_out(a) for a in found])


@endpoint("read", resp=ArticleOut, tags=("articles",))
def get_article(article_id: int):
    """Get an article"""
    return article_out(articles.get_article(article_id))


@endpoint("write", json=ArticleIn, resp=ArticleOut, status=201, errors=(409, 422), tags=("articles",))
def create_article():
    """Create an article"""
    data = body()
    reach.require(principal(), "publish" if data.published else "work")
    article = articles.create_article(data.title, data.body, data.published, principal().user_id)
    return article_out(article), 201


@endpoint("write", json=ArticlePatch, resp=ArticleOut, errors=(422,), tags=("articles",))
def update_article(article_id: int):
    """Update an article (the fields given)"""
    data, current = body(), articles.get_article(article_id)
    reach.require(principal(), "publish" if data.published or current.published else "work")
    article = articles.update_article(
        article_id, data.title if data.title is not None else current.title,
        data.body if data.body is not None else current.body,
        data.published if data.published is not None else current.published)
    return article_out(article)


@endpoint("write", status=204, tags=("articles",))
def delete_article(article_id: int):
    """Delete an article"""
    reach.require(principal(), "publish" if articles.get_article(article_id).published else "work")
    articles.delete_article(article_id)
    return "", 204


@endpoint("read", resp=SavedReplyList, tags=("saved replies",))
def list_saved_replies():
    """List saved replies"""
    return SavedReplyList(data=[reply_out(r) for r in saved_replies.list_replies()])


@endpoint("read", resp=SavedReplyOut, tags=("saved replies",))
def get_saved_reply(reply_id: int):
    """Get a saved reply"""
    return reply_out(saved_replies.get_reply(reply_id))


@endpoint("write", json=SavedReplyIn, resp=SavedReplyOut, status=201, errors=(422,),
          tags=("saved replies",))
def create_saved_reply():
    """Create a saved reply (titles are unique)"""
    data = body()
    reach.require(principal(), "work")
    return reply_out(saved_replies.save_reply(data.title, data.body, principal().user_id)), 201


@endpoint("write", json=SavedReplyPatch, resp=SavedReplyOut, errors=(422,), tags=("saved replies",))
def update_saved_reply(reply_id: int):
    """Update a saved reply (the fields given)"""
    reach.require(principal(), "work")
    data, current = body(), saved_replies.get_reply(reply_id)
    reply = saved_replies.save_reply(data.title or current.title, data.body or current.body,
                                     None, reply_id=reply_id)
    return reply_out(reply)


@endpoint("write", status=204, tags=("saved replies",))
def delete_saved_reply(reply_id: int):
    """Delete a saved reply"""
    reach.require(principal(), "work")
    saved_replies.delete_reply(reply_id)
    return "", 204
