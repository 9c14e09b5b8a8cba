"""``ReportRecipients`` on the users table: the by_org index and each user's ``weekly_report`` setting."""

from __future__ import annotations

from collections.abc import Sequence

from spothive.adapters.dynamo.models import UserModel
from spothive.domain.errors import NotFound
from spothive.ports.reports import Recipient


class DynamoReportRecipients:
    """Users of an org (Query by_org) and the opt-out flag (an UpdateItem of one attribute)."""

    def of_org(self, org_id: str) -> Sequence[Recipient]:
        """Every user of the org, oldest account first by id."""
        return [Recipient(u.user_id, u.email, u.weekly_report is not False) for u in UserModel.by_org.query(org_id)]

    def weekly_report(self, user_id: str) -> bool:
        """The user's setting (yes unless they opted out)."""
        try:
            user = UserModel.get(user_id, consistent_read=True)
        except UserModel.DoesNotExist:
            raise NotFound("user not found") from None
        return user.weekly_report is not False

    def set_weekly_report(self, user_id: str, enabled: bool) -> None:
        """Set the flag on the existing user only (a condition keeps a stray id from creating an item)."""
        UserModel(user_id).update(actions=[UserModel.weekly_report.set(enabled)],
                                  condition=UserModel.user_id.exists())
