"""Teams: who is in each, and which inboxes each is given (admins manage them)."""
from flask_babel import gettext
from sqlalchemy import select

from halo import clock
from halo.extensions import db
from halo.models import Inbox, Team, User
from halo.services.access import roles
from halo.services.errors import NotFound, ValidationError

NAME_CHARS = 80


def list_teams() -> list[Team]:
    """Every team, by name."""
    return list(db.session.scalars(select(Team).order_by(Team.name)))


def get_team(team_id) -> Team:
    team = db.session.get(Team, team_id) if isinstance(team_id, int) else None
    if team is None:
        raise NotFound(gettext("That team does not exist."))
    return team


def save_team(actor_id: int, team_id: int | None, *, name: str, member_ids=(), inbox_ids=()) -> Team:
    """Create (team_id None) or change a team: its name, members and inboxes."""
    roles.require(actor_id, "admin")
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(gettext("Give the team a name."))
    if len(name) > NAME_CHARS:
        raise ValidationError(gettext("A team name has at most %(NAME_CHARS)s characters.", NAME_CHARS=NAME_CHARS))
    if db.session.scalar(select(Team.id).where(Team.name == name, Team.id != (team_id or 0))):
        raise ValidationError(gettext("There is already a team called “%(name)s”.", name=name))
    members = [db.session.get(User, i) for i in member_ids]
    inboxes = [db.session.get(Inbox, i) for i in inbox_ids]
    if any(m is None for m in members):
        raise ValidationError(gettext("Choose members from the list."))
    if any(i is None for i in inboxes):
        raise ValidationError(gettext("Choose inboxes from the list."))
    team = Team(created_at=clock.now()) if team_id is None else get_team(team_id)
    team.name, team.members, team.inboxes = name, members, inboxes
    if team_id is None:
        db.session.add(team)
    db.session.commit()
    return team


def delete_team(actor_id: int, team_id: int) -> None:
    """Remove a team (its inboxes open to every agent again if no other team has them)."""
    roles.require(actor_id, "admin")
    db.session.delete(get_team(team_id))
    db.session.commit()


def teams_of(user_id: int) -> list[Team]:
    """The teams a teammate belongs to, by name."""
    user = db.session.get(User, user_id)
    return [] if user is None else list(db.session.scalars(
        select(Team).where(Team.members.contains(user)).order_by(Team.name)))
