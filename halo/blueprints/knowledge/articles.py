"""Knowledge > Articles: list and search, read, write, publish."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from halo.blueprints.knowledge import bp
from halo.services.ai import knowledge as ai_knowledge
from halo.services.errors import ValidationError


@bp.get("/knowledge/articles")
def articles():
    query = request.args.get("q", "").strip()[:200]
    return render_template("knowledge/articles.html", articles=ai_knowledge.list_articles(query), q=query)


@bp.get("/knowledge/articles/<int:article_id>")
def article(article_id: int):
    return render_template("knowledge/article.html", article=ai_knowledge.get_article(article_id))


@bp.route("/knowledge/articles/new", methods=["GET", "POST"])
def new_article():
    form = request.form
    if request.method == "POST":
        try:
            created = ai_knowledge.create_article(form.get("title"), form.get("body"),
                                                  form.get("published") == "on", current_user.id)
            flash(gettext("Article saved."), "info")
            return redirect(url_for("knowledge.article", article_id=created.id))
        except ValidationError as exc:
            flash(str(exc), "error")
            return render_template("knowledge/article_form.html", article=None, form=form), 400
    return render_template("knowledge/article_form.html", article=None, form={})


@bp.route("/knowledge/articles/<int:article_id>/edit", methods=["GET", "POST"])
def edit_article(article_id: int):
    current = ai_knowledge.get_article(article_id)
    form = request.form
    if request.method == "POST":
        try:
            ai_knowledge.update_article(article_id, form.get("title"), form.get("body"),
                                        form.get("published") == "on", current_user.id)
            flash(gettext("Article saved."), "info")
            return redirect(url_for("knowledge.article", article_id=article_id))
        except ValidationError as exc:
            flash(str(exc), "error")
            return render_template("knowledge/article_form.html", article=current, form=form), 400
    values = {"title": current.title, "body": current.body, "published": "on" if current.published else ""}
    return render_template("knowledge/article_form.html", article=current, form=values)


@bp.post("/knowledge/articles/<int:article_id>/delete")
def delete_article(article_id: int):
    ai_knowledge.delete_article(article_id, current_user.id)
    flash(gettext("Article deleted."), "info")
    return redirect(url_for("knowledge.articles"))
