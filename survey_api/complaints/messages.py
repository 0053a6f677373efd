"""Message keys about complaints and flags that the code picks at run time (``f"complaint.status.{status}"``,
``"flag.reason." ~ reason`` in templates), listed so that ``make messages`` extracts them. The texts are in
``survey_api/locale/*/LC_MESSAGES/messages.po``."""

from survey_api.i18n import N_

COMPUTED_KEYS = (
    N_("complaint.category.delay"),
    N_("complaint.category.extra_fees"),
    N_("complaint.category.harassment"),
    N_("complaint.category.other"),
    N_("complaint.category.rude"),
    N_("complaint.category.wrong_guidance"),
    N_("complaint.status.acknowledged"),
    N_("complaint.status.answered"),
    N_("complaint.status.assigned"),
    N_("complaint.status.closed"),
    N_("complaint.status.new"),
    N_("complaint.status.rejected"),
    N_("flag.reason.complaint"),
    N_("flag.reason.conduct"),
    N_("flag.reason.low_rating"),
    N_("mail.assigned.subject"),
    N_("mail.new.subject"),
    N_("mail.overdue.subject"),
)
