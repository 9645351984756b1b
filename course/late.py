"""Late submissions, through nbgrader's own late-penalty plugin mechanism.

nbgrader compares a submission's ``timestamp.txt`` with its assignment's due
date and asks the plugin named in ``nbgrader_config.py`` for a penalty::

    c.AssignLatePenalties.plugin_class = "course.late.PenaltyPerDay"
    c.PenaltyPerDay.fraction_per_day = 0.1   # a tenth of the score per day or part of a day
    c.PenaltyPerDay.grace_minutes = 15       # an upload that ends a little late is on time
    c.PenaltyPerDay.max_fraction = 1.0       # at most the whole score

Due dates: ``python -m course due -c CHAPTER --date "2026-12-01 23:59 UTC"``.
Submission times: ``python -m course collect`` copies ``INBOX/<student>/<chapter>.timestamp.txt``
(what the platform recorded, e.g. ``2026-12-02 08:00:00 UTC``) beside the notebook.
"""

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float


class PenaltyPerDay(LateSubmissionPlugin):
    """Take ``fraction_per_day`` of the score for each day, or part of a day, past the due date."""

    fraction_per_day = Float(0.1, help="share of the score taken per day late").tag(config=True)
    grace_minutes = Float(0.0, help="minutes after the due date that still count as on time").tag(config=True)
    max_fraction = Float(1.0, help="the largest share of the score taken").tag(config=True)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        """The points taken from ``score`` for a submission ``total_seconds_late`` seconds late."""
        late = total_seconds_late - 60 * self.grace_minutes
        if late <= 0 or score <= 0:
            return 0.0
        days = math.ceil(late / 86400)
        penalty = score * min(self.max_fraction, self.fraction_per_day * days)
        self.log.warning("%s is %d day(s) late: %.2f of %.2f points taken", student_id, days, penalty, score)
        return penalty
