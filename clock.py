"""The one clock: every "now" and "today" that a rule, a default or a page reads.

An instant is UTC (aware here; the database stores it naive); a day is always the day in a
zone, the region's (``Region.zone``), never the server's. Tests freeze the clock (``freeze``);
development can run the app on another date (``start_on``, from ``KRUZHOK_TODAY``).
It imports nothing of ours, like ``keys``: the models read it for the timestamps they store,
so a frozen clock freezes those too.
"""
import datetime
import functools
import logging
import zoneinfo

UTC = datetime.timezone.utc
DEFAULT_ZONE = 'Europe/Moscow'

log = logging.getLogger(__name__)

_frozen = None                   # an aware instant while a test holds the clock still
_shift = datetime.timedelta(0)   # whole days added to the real time in development
_moved_to = None                 # the date development asked for (the header shows a banner)


def wall_now():
    """The machine's real time, for what other systems check against theirs: ЕСИА's request
    timestamps and token lifetimes, certificate expiry. Rules and pages use ``now``."""
    return datetime.datetime.now(UTC)


def now():
    """This instant as the app sees it (aware, UTC)."""
    return _frozen if _frozen is not None else wall_now() + _shift


def utcnow():
    """``now()`` as the database stores it: naive UTC."""
    return now().replace(tzinfo=None)


@functools.lru_cache(maxsize=64)
def _zone_named(name):
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        log.warning('unknown time zone %r: %s is used instead; set an IANA name such as '
                    'Asia/Sakhalin', name, DEFAULT_ZONE)
        return zoneinfo.ZoneInfo(DEFAULT_ZONE)


def zone(name=None):
    """The zone of an IANA name (``'Asia/Sakhalin'``); None: the default zone."""
    if isinstance(name, datetime.tzinfo):
        return name
    return _zone_named(name or DEFAULT_ZONE)


def today(in_zone=None):
    """The date it is now in ``in_zone`` (a name or a zone)."""
    return now().astimezone(zone(in_zone)).date()


def local(moment, in_zone=None):
    """A stored instant (naive means UTC) or an aware one as the wall time of ``in_zone``."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(in_zone))


def at(day, hour=12, minute=0, in_zone=None):
    """The instant (aware, UTC) of ``day`` at that wall time in ``in_zone``."""
    wall = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone(in_zone))
    return wall.astimezone(UTC)


# --- Setting the clock: tests and development --------------------------------------

def freeze(moment):
    """Hold the clock at ``moment`` (naive means UTC) until ``unfreeze``."""
    global _frozen
    _frozen = (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).astimezone(UTC)


def unfreeze():
    global _frozen
    _frozen = None


def start_on(day, in_zone=None):
    """Run on ``day`` in ``in_zone`` from now: the real time shifted by whole days, so the time
    of day and the intervals (sessions, heartbeats) stay true and the date moves on at
    midnight. None: the real date again."""
    global _shift, _moved_to
    if day is None:
        _shift, _moved_to = datetime.timedelta(0), None
        return
    real_today = wall_now().astimezone(zone(in_zone)).date()
    _shift, _moved_to = datetime.timedelta(days=(day - real_today).days), day


def moved_to():
    """The date development asked to run on (``start_on``), or None."""
    return _moved_to
