"""The weekly report's sender: an SES e-mail identity (verified by the link SES mails to it on deploy).

The address comes from the ``spothive:reportSender`` context (default :data:`REPORT_SENDER`); a domain
identity with DKIM is the production step once the hub has a hosted zone.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ses as ses
from constructs import Construct

REPORT_SENDER = "reports@spothive.io"
CTX_REPORT_SENDER = "spothive:reportSender"


class ReportEmail(Construct):
    """The SES identity and the ARNs ``ses:SendEmail`` is granted on."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.sender: str = self.node.try_get_context(CTX_REPORT_SENDER) or REPORT_SENDER
        self.identity = ses.EmailIdentity(self, "Sender", identity=ses.Identity.email(self.sender))
        stack = Stack.of(self)
        #: SendEmail authorizes on the sender identity (and, when sending to unverified recipients from the
        #: sandbox, on theirs): the grant names the sender only.
        self.identity_arns = (
            stack.format_arn(service="ses", resource="identity", resource_name=self.identity.email_identity_name),
        )
