"""Customer satisfaction in a period, counted by the database.

Answers are counted by when they were given (a ticket answered twice counts once, with
its latest answer, in the period of that answer); the response rate is the share of the
surveys offered in the period that have an answer now. CSAT is the share of Good among
the answers (the usual CSAT figure); the score averages Good 100, Okay 50, Not good 0.
Through the ORM on Ticket, so an agent's access scope narrows it like every report.
"""
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from halo.extensions import db
from halo.models import CsatSurvey, Ticket


@dataclass(frozen=True)
class Satisfaction:
    good: int = 0
    okay: int = 0
    bad: int = 0
    offered: int = 0
    offered_answered: int = 0

    @property
    def answered(self) -> int:
        return self.good + self.okay + self.bad

    @property
    def csat(self) -> float | None:
        """Per cent of answers that are Good; None without answers."""
        return 100.0 * self.good / self.answered if self.answered else None

    @property
    def score(self) -> float | None:
        return (100.0 * self.good + 50.0 * self.okay) / self.answered if self.answered else None

    @property
    def response_rate(self) -> float | None:
        return 100.0 * self.offered_answered / self.offered if self.offered else None


def satisfaction(period) -> Satisfaction:
    """Answers given and surveys offered within the period, in one statement."""
    rated = and_(CsatSurvey.rated_at >= period.start, CsatSurvey.rated_at < period.end)
    offered = and_(CsatSurvey.offered_at >= period.start, CsatSurvey.offered_at < period.end)

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
    row = db.session.execute(
        select(count(and_(rated, CsatSurvey.rating == "good")).label("good"),
               count(and_(rated, CsatSurvey.rating == "okay")).label("okay"),
               count(and_(rated, CsatSurvey.rating == "bad")).label("bad"),
               count(offered).label("offered"),
               count(and_(offered, CsatSurvey.rating.is_not(None))).label("offered_answered"))
        .select_from(CsatSurvey).join(Ticket, Ticket.id == CsatSurvey.ticket_id)
        .where(rated | offered)).one()
    return Satisfaction(int(row.good), int(row.okay), int(row.bad), int(row.offered), int(row.offered_answered))
