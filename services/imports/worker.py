"""Who runs an import's long steps: a runner claims a job through a conditional UPDATE, and a
step whose runner stopped beating is taken over by the next poll and resumes; a daemon thread
per process (or ``flask imports worker``) polls for runnable jobs.
"""
import datetime
import logging
import os
import threading
import time
import uuid

from models import ImportJob, db, utcnow
from services.imports.commit import commit, undo
from services.imports.jobs import FAILURE, RUNNABLE, UNDOING, Overtaken, match
from services.imports.staff_jobs import commit_staff, match_staff

log = logging.getLogger(__name__)

STALE_AFTER = datetime.timedelta(seconds=30)
POLL_SECONDS = 1.0


def claim(job_id, runner):
    """Take a runnable job whose runner is absent or silent; True when it is ours now."""
    now = utcnow()
    taken = (ImportJob.update(claimed_by=runner, heartbeat_at=now)
             .where(ImportJob.id == job_id, ImportJob.status.in_(RUNNABLE),
                    (ImportJob.claimed_by == '') | (ImportJob.heartbeat_at.is_null())
                    | (ImportJob.heartbeat_at < now - STALE_AFTER))
             .execute())
    return bool(taken)


def run_job(job_id, runner=None):
    """Do the job's next long step if nobody else is doing it. Returns the job."""
    runner = runner or f'{os.getpid()}-{uuid.uuid4().hex[:8]}'
    if not claim(job_id, runner):
        return ImportJob.get_by_id(job_id)
    job = ImportJob.get_by_id(job_id)
    staff = job.kind == ImportJob.STAFF
    try:
        if job.status in (ImportJob.QUEUED, ImportJob.MATCHING):
            (match_staff if staff else match)(job, runner)
        elif job.status in (ImportJob.COMMIT_QUEUED, ImportJob.COMMITTING):
            (commit_staff if staff else commit)(job, runner)
        elif job.status in UNDOING:
            undo(job, runner)
    except Overtaken:
        pass
    except Exception:  # a bug or an outage: say so on the page; an undo is retried by the next poll
        log.exception('import %s failed', job_id)
        mine = (ImportJob.id == job_id) & (ImportJob.claimed_by == runner)
        (ImportJob.update(status=ImportJob.FAILED, claimed_by='', error=FAILURE)
         .where(mine, ImportJob.status.in_((ImportJob.QUEUED, ImportJob.MATCHING))).execute())
        ImportJob.update(claimed_by='').where(mine, ImportJob.status.in_(UNDOING)).execute()
    return ImportJob.get_by_id(job_id)


def run_pending(runner=None):
    """Run every runnable job once (the worker's poll); returns how many were run."""
    ran = 0
    stale = utcnow() - STALE_AFTER
    query = (ImportJob.select(ImportJob.id)
             .where(ImportJob.status.in_(RUNNABLE),
                    (ImportJob.claimed_by == '') | (ImportJob.heartbeat_at < stale)
                    | ImportJob.heartbeat_at.is_null())
             .order_by(ImportJob.id))
    for (job_id,) in query.tuples():
        run_job(job_id, runner)
        ran += 1
    return ran


_worker_lock = threading.Lock()
_worker = None


def start_worker(poll_seconds=POLL_SECONDS):
    """A daemon thread of this process that polls for runnable imports (one per process)."""
    global _worker
    if _worker is not None and _worker.is_alive():
        return _worker  # the common case on every request: no lock needed
    with _worker_lock:
        if _worker is not None and _worker.is_alive():
            return _worker
        _worker = threading.Thread(target=work_forever, args=(poll_seconds,), daemon=True,
                                   name='import-worker')
        _worker.start()
        return _worker


def work_forever(poll_seconds=POLL_SECONDS, stop=None):
    runner = f'worker-{os.getpid()}-{uuid.uuid4().hex[:6]}'
    while stop is None or not stop.is_set():
        try:
            run_pending(runner)
        except Exception:  # the database may be down or not migrated yet; try again later
            log.warning('import worker poll failed', exc_info=True)
        finally:
            if not db.is_closed():
                db.close()
        time.sleep(poll_seconds)
