"""The network and the Valkey cache: a VPC with one NAT gateway and ElastiCache Serverless."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Fn
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticache as elasticache
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.constants import REDIS_PORTS


class Cache(Construct):
    """Private subnets with gateway endpoints for DynamoDB and S3, and a TLS-only Valkey cache.

    Only functions given ``client_security_group`` (the ``needs_redis`` ones) can reach the cache.
    """

    def __init__(self, scope: Construct, construct_id: str, *, availability_zones: Sequence[str],
                 logs_key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            availability_zones=list(availability_zones),
            nat_gateways=1,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
                ec2.SubnetConfiguration(
                    name="private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=22
                ),
            ],
            gateway_endpoints={
                "DynamoDb": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.DYNAMODB),
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
            },
            restrict_default_security_group=False,
        )
        self.vpc.add_flow_log(
            "FlowLogs",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(
                logs.LogGroup(self, "FlowLogGroup", retention=logs.RetentionDays.ONE_MONTH, encryption_key=logs_key)
            ),
            traffic_type=ec2.FlowLogTrafficType.REJECT,
        )
        self.client_security_group = ec2.SecurityGroup(
            self, "ClientSg", vpc=self.vpc, description="SpotHive functions that use the cache",
            allow_all_outbound=True,
        )
        self.cache_security_group = ec2.SecurityGroup(
            self, "CacheSg", vpc=self.vpc, description="SpotHive Valkey cache", allow_all_outbound=False,
        )
        for port in REDIS_PORTS:
            self.cache_security_group.add_ingress_rule(
                self.client_security_group, ec2.Port.tcp(port), f"Valkey {port} from SpotHive functions"
            )
        private = self.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        self.cache = elasticache.CfnServerlessCache(
            self,
            "Valkey",
            engine="valkey",
            major_engine_version="8",
            serverless_cache_name="spothive-cache",
            description="SpotHive risk tracker, hot prices, heartbeats, SAFE_MODE and token deny-list",
            security_group_ids=[self.cache_security_group.security_group_id],
            subnet_ids=private.subnet_ids,
            cache_usage_limits=elasticache.CfnServerlessCache.CacheUsageLimitsProperty(
                data_storage=elasticache.CfnServerlessCache.DataStorageProperty(maximum=5, unit="GB"),
                ecpu_per_second=elasticache.CfnServerlessCache.ECPUPerSecondProperty(maximum=15000),
            ),
            daily_snapshot_time="04:00",
            snapshot_retention_limit=3,
        )
        #: ``rediss://`` — ElastiCache Serverless accepts TLS connections only.
        self.redis_url = Fn.join(
            "", ["rediss://", self.cache.attr_endpoint_address, ":", self.cache.attr_endpoint_port, "/0"]
        )
