"""The web console on AWS: a private S3 bucket behind CloudFront (origin access control), security headers,
and ``config.json`` written at deploy time with the Cognito ids the app reads at start-up.

The distribution also serves ``/api/*`` from the REST API (no caching, every viewer header but Host
forwarded, so the Cognito token reaches the authorizer): the console calls its own origin, the browser
needs no CORS grant, and the CSP allows no other origin. Agents keep calling the API's own URL.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Aws, CfnOutput, Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.buckets import secure_bucket
from infra.checkov import skip
from infra.constants import PROJECT_ROOT
from infra.constructs.auth import Auth
from infra.nag import acknowledge, arn_finding

CONSOLE_DIST = PROJECT_ROOT / "web" / "dist"

def content_security_policy() -> str:
    """The CSP of every console file: its own scripts and styles, data: images (charts), calls to its own
    origin only (the API is served under ``/api`` of the same distribution)."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    )


NOT_BUILT = ("<!doctype html><title>SpotHive</title><p>This deployment was synthesized without a console "
             "build: run <code>make web</code> before <code>cdk deploy</code>.</p>")


class Console(Construct):
    """S3 + CloudFront for ``web/dist``; the runtime config beside it.

    The bucket is reachable only through the distribution (OAC, bucket policy scoped to its ARN). Client-side
    routes (``/dashboard``, ``/audit`` …) are answered with ``index.html``; hashed assets are cached for a year,
    ``index.html`` and ``config.json`` are invalidated on every deployment.
    """

    def __init__(self, scope: Construct, construct_id: str, *, rest_api: apigw.RestApi, auth: Auth,
                 access_logs: s3.IBucket, dist: Path = CONSOLE_DIST) -> None:
        super().__init__(scope, construct_id)
        self.bucket = secure_bucket(self, "Site", versioned=False, server_access_logs_bucket=access_logs,
                                    server_access_logs_prefix="console/")
        self.logs = secure_bucket(self, "CdnLogs", versioned=False,
                                  object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
                                  lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(90))])
        acknowledge(self.logs, "AwsSolutions-S1",
                    reason="This bucket receives the CloudFront access logs; logging it again would recurse.")
        skip(self.logs, "CKV_AWS_18", reason="This bucket receives the CloudFront access logs; logging it would recurse.")
        skip(self.logs, "CKV_AWS_21", reason=(
            "CloudFront only ever adds new log objects (never overwrites) and they expire after 90 days; "
            "versions would keep nothing more."))
        skip(self.bucket, "CKV_AWS_21", reason=(
            "The site bucket holds only the build of web/, replaced and pruned on every deploy; the repository "
            "is its history and no customer data is stored here."))
        headers = cloudfront.ResponseHeadersPolicy(
            self, "SecurityHeaders",
            comment="SpotHive console security headers",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(),
                    override=True),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(730), include_subdomains=True, preload=True,
                    override=True),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override=True),
                xss_protection=cloudfront.ResponseHeadersXSSProtection(protection=True, mode_block=True,
                                                                       override=True),
            ),
        )
        spa = cloudfront.ErrorResponse(http_status=403, response_http_status=200, response_page_path="/index.html",
                                       ttl=Duration.seconds(0))
        self.distribution = cloudfront.Distribution(
            self, "Cdn",
            comment="SpotHive console",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                response_headers_policy=headers,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                compress=True,
            ),
            error_responses=[spa, cloudfront.ErrorResponse(http_status=404, response_http_status=200,
                                                           response_page_path="/index.html",
                                                           ttl=Duration.seconds(0))],
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True, log_bucket=self.logs, log_file_prefix="cdn/",
        )
        self.distribution.add_behavior(
            "/api/*", origins.RestApiOrigin(rest_api),
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            # API Gateway refuses a forwarded Host; Authorization travels with the other viewer headers
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy=headers,
        )
        acknowledge(self.distribution, "AwsSolutions-CFR1",
                    reason="The console serves customers worldwide; access is governed by Cognito sign-in.")
        acknowledge(self.distribution, "AwsSolutions-CFR2",
                    reason="Static files only; the API behind API Gateway carries its own throttling and auth.")
        skip(self.distribution, "CKV_AWS_68", reason=(
            "Static console files only; no WAF yet (cost), the API behind API Gateway carries throttling and auth."))
        skip(self.distribution, "CKV_AWS_174", reason=(
            "TLSv1.2_2021 is set; the default *.cloudfront.net certificate reports TLSv1 until a custom domain "
            "and ACM certificate are attached."))
        acknowledge(self.distribution, "AwsSolutions-CFR4",
                    reason="TLSv1.2_2021 is set; the default *.cloudfront.net certificate reports TLSv1 until "
                           "a custom domain and ACM certificate are attached.")
        self.runtime_config = {"apiUrl": "", "region": Aws.REGION, "userPoolId": auth.user_pool.user_pool_id,
                               "userPoolClientId": auth.client.user_pool_client_id}
        sources = [s3deploy.Source.asset(str(dist), exclude=["config.json"])] if (dist / "index.html").is_file() else [
            s3deploy.Source.data("index.html", NOT_BUILT)]
        sources.append(s3deploy.Source.json_data("config.json", self.runtime_config))
        self.deployment = s3deploy.BucketDeployment(
            self, "Deploy", sources=sources, destination_bucket=self.bucket, distribution=self.distribution,
            distribution_paths=["/index.html", "/config.json"], memory_limit=256,
        )
        self._acknowledge_deployment_handler()
        self.url = f"https://{self.distribution.distribution_domain_name}"
        CfnOutput(self, "ConsoleUrl", value=self.url)

    def _handler_findings(self) -> list[str]:
        """The wildcard findings of the policy aws-cdk-lib writes for the BucketDeployment handler."""
        stack = Stack.of(self)
        actions = ("s3:GetBucket*", "s3:GetObject*", "s3:List*", "s3:Abort*", "s3:DeleteObject*")
        qualifier = stack.synthesizer.bootstrap_qualifier or "hnb659fds"  # the CDK bootstrap default
        return [*(f"Action::{a}" for a in actions),
                f"Resource::arn:<AWS::Partition>:s3:::cdk-{qualifier}-assets-<AWS::AccountId>-{stack.region}/*",
                arn_finding(self.bucket, "/*"),
                "Resource::*"]  # cloudfront:CreateInvalidation takes no resource ARN

    def _acknowledge_deployment_handler(self) -> None:
        """The BucketDeployment handler is a stack-level singleton made by aws-cdk-lib; say why its findings stand."""
        for child in Stack.of(self).node.children:
            if not child.node.id.startswith("Custom::CDKBucketDeployment"):
                continue
            acknowledge(child, "AwsSolutions-IAM4",
                        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                        reason="The CDK BucketDeployment handler logs through the AWS basic execution policy.")
            acknowledge(child, "AwsSolutions-IAM5", *self._handler_findings(),
                        reason="BucketDeployment copies the console's asset objects into the site bucket and "
                               "invalidates the distribution; aws-cdk-lib writes that policy with object wildcards.")
            acknowledge(child, "AwsSolutions-L1",
                        reason="The BucketDeployment handler's runtime is chosen and upgraded by aws-cdk-lib.")
            self._skip_deployment_handler(child)

    @staticmethod
    def _skip_deployment_handler(handler: Construct) -> None:
        """checkov on aws-cdk-lib's BucketDeployment handler: it runs only while CloudFormation deploys."""
        from aws_cdk import CfnResource

        why = "aws-cdk-lib's BucketDeployment handler runs only during a deployment, called by CloudFormation"
        for resource in handler.node.find_all():
            if not isinstance(resource, CfnResource):
                continue
            if resource.cfn_resource_type == "AWS::Lambda::Function":
                skip(resource, "CKV_AWS_116", reason=f"{why}, which reports a failure as a failed stack update.")
                skip(resource, "CKV_AWS_115", reason=f"{why}, one invocation per console change.")
                skip(resource, "CKV_AWS_117", reason=f"{why}; it reaches S3 and CloudFront APIs only.")
                skip(resource, "CKV_AWS_173", reason=f"{why}; its variables name buckets, no secrets.")
            elif resource.cfn_resource_type == "AWS::IAM::Policy":
                skip(resource, "CKV_AWS_111", reason=(
                    f"{why}; the policy aws-cdk-lib writes lets it invalidate the distribution "
                    "(cloudfront:CreateInvalidation has no resource scope) and copy objects into the site bucket."))
