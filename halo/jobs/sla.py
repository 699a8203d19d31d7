"""SLA jobs: keep the stored due times current and record breaches."""
from halo.services.service_levels import sla


def check() -> None:
    """The schedule runs it every minute."""
    sla.check()
