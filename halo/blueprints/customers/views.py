"""The customers list and a customer's page: profile, traits, notes, tickets, merges."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user

from halo.blueprints.customers import bp
from halo.i18n import Translated
from halo.services.customers import listing, merge, notes, profiles
from halo.services.customers.companies import company_of
from halo.services.customers.privacy import confirmation_word
from halo.services.errors import ValidationError
from halo.web import is_fragment_request


def _page_number() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def list_args() -> dict:
    """The list's filters from the query string (trait may repeat; traits holds several)."""
    traits = request.args.getlist("trait") + request.args.get("traits", "").split()
    return {"q": request.args.get("q", "")[:200], "traits": [t for t in traits if t.strip()],
            "sort": request.args.get("sort", "activity")}


@bp.get("/customers")
def index():
    args = list_args()
    try:
        page = listing.customer_page(current_user.id, page=_page_number(), **args)
        error = None
    except ValidationError as exc:
        page, error = listing.Page([], 1, False), str(exc)
    template = "customers/_results.html" if is_fragment_request() else "customers/index.html"
    status = 400 if error else 200
    return render_template(template, result=page, args=args, sorts=Translated(listing.SORTS), error=error,
                           trait_text=" ".join(args["traits"])), status


@bp.get("/customers/<int:customer_id>")
def show(customer_id: int):
    customer = listing.get_customer(current_user.id, customer_id)
    return render_template("customers/show.html", customer=customer,
                           tickets=listing.customer_tickets(current_user.id, customer_id),
                           addresses=listing.addresses(customer_id), company=company_of(customer),
                           notes=notes.customer_notes(customer_id), merges=merge.recent_merges(customer_id),
                           confirm_word=confirmation_word(customer))


def _back(customer_id: int):
    return redirect(url_for("customers.show", customer_id=customer_id))


@bp.post("/customers/<int:customer_id>/profile")
def save_profile(customer_id: int):
    form = request.form
    try:
        profiles.edit_customer(current_user.id, customer_id, name=form.get("name", ""),
                               email=form.get("email", "").strip() or None,
                               language=form.get("language", "").strip() or None)
        flash(gettext("Profile saved."), "info")
    except ValidationError as exc:
        flash(str(exc), "error")
    return _back(customer_id)


def trait_changes(form) -> dict:
    """Edits from the traits form: value_<key> fields, remove checkboxes, one new key/value."""
    changes = {}
    for name, value in form.items():
        if name.startswith("value_"):
            changes[name[6:]] = value.strip()
    for key in form.getlist("remove"):
        changes[key] = None
    new_key = form.get("new_key", "").strip()
    if new_key:
        changes[new_key] = form.get("new_value", "").strip()
    for key, value in list(changes.items()):
        if value == "":
            changes[key] = None  # an emptied value removes the trait
    return changes


@bp.post("/customers/<int:customer_id>/traits")
def save_traits(customer_id: int):
    try:
        profiles.edit_customer(current_user.id, customer_id, traits=trait_changes(request.form))
        flash(gettext("Traits saved."), "info")
    except ValidationError as exc:
        flash(str(exc), "error")
    return _back(customer_id)


@bp.post("/customers/<int:customer_id>/notes")
def add_note(customer_id: int):
    try:
        notes.add_note(current_user.id, customer_id, request.form.get("body", ""))
    except ValidationError as exc:
        flash(str(exc), "error")
    return redirect(url_for("customers.show", customer_id=customer_id, _anchor="customer-notes"))


@bp.post("/customers/notes/<int:note_id>/delete")
def delete_note(note_id: int):
    customer_id = notes.delete_note(current_user.id, note_id)
    flash(gettext("Note removed."), "info")
    return redirect(url_for("customers.show", customer_id=customer_id, _anchor="customer-notes"))


@bp.post("/customers/<int:customer_id>/merge")
def merge_into(customer_id: int):
    try:
        source = listing.find_customer(current_user.id, request.form.get("source", ""))
        label = source.display_name
        record = merge.merge_customers(customer_id, source.id, current_user.id)
        moved = len(record.moved.get("tickets", []))
        flash(ngettext("Merged %(label)s into this customer (%(num)s ticket moved). Undo is under Merges.",
                       "Merged %(label)s into this customer (%(num)s tickets moved). Undo is under Merges.", moved, label=label), "info")
    except ValidationError as exc:
        flash(str(exc), "error")
    return _back(customer_id)


@bp.post("/customers/merges/<int:merge_id>/undo")
def undo_merge(merge_id: int):
    try:
        restored = merge.undo_merge(merge_id, current_user.id)
    except ValidationError as exc:
        flash(str(exc), "error")
        back = request.form.get("back", "")
        return _back(int(back)) if back.isdigit() else redirect(url_for("customers.index"))
    flash(gettext("Merge undone: %(display_name)s is back with what moved.", display_name=restored.display_name), "info")
    return _back(restored.id)
