"""The template a customer deploys: the cross-account SpotHiveAccess role with an External ID, and an
EventBridge rule that forwards the region's Spot interruption signals to the SpotHive hub bus.

Reads are account-wide (the Describe/List APIs have no resource-level permissions). Writes are
limited to resources the customer marked ``spothive:managed=true`` or to EKS nodes (instances
and Auto Scaling groups carrying the ``eks:cluster-name`` tag); instances SpotHive launches must
carry ``spothive:managed=true`` from the first moment.
"""

from __future__ import annotations

from aws_cdk import Aws, CfnCondition, CfnOutput, CfnParameter, Fn, Stack, Token
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.constants import (
    CUSTOMER_ROLE_NAME,
    MANAGED_TAG_KEY,
    MANAGED_TAG_VALUE,
    SPOT_EVENT_SOURCE,
    SPOT_EVENT_TYPES,
)
from infra.nag import acknowledge

#: Exactly the reads SpotHive's code makes in a customer account (discovery, the permission probe, the
#: live switch, hibernation): no ``Describe*`` wildcard, which would also read instance user data.
#: ``DescribeVolumes`` and ``DescribeInstanceStatus`` are the live switch's detach/attach waits and its
#: health check.
READ_ACTIONS = (
    "ec2:DescribeInstances", "ec2:DescribeInstanceTypes", "ec2:DescribeSpotInstanceRequests",
    "ec2:DescribeSpotPriceHistory", "ec2:DescribeVolumes", "ec2:DescribeInstanceStatus",
    "eks:ListClusters", "eks:DescribeCluster", "eks:ListNodegroups", "eks:DescribeNodegroup",
    "autoscaling:DescribeAutoScalingGroups",
    # the executor launches from the node group's launch template into its subnets, and terminates a group
    # member through its group
    "ec2:DescribeLaunchTemplates", "ec2:DescribeSubnets", "autoscaling:DescribeAutoScalingInstances",
    # utilization of stand-alone instances and agentless node groups (right-sizing)
    "cloudwatch:GetMetricData",
)
INSTANCE_ACTIONS = ("ec2:TerminateInstances", "ec2:StopInstances", "ec2:StartInstances")
#: The tag that routes an instance's risk predictions to one model under an A/B test
#: (``spothive.services.model_routing.MODEL_TAG``).
MODEL_TAG_KEY = "spothive:model"
#: The live switch snapshots the stopped instance's root volume (``adapters/aws/ec2_switch.py``).
SNAPSHOT_ACTIONS = ("ec2:CreateSnapshot",)
VOLUME_ACTIONS = ("ec2:DetachVolume", "ec2:AttachVolume")
USER_DATA_ACTIONS = ("ec2:DescribeInstanceAttribute",)
ASG_ACTIONS = ("autoscaling:UpdateAutoScalingGroup", "autoscaling:SetDesiredCapacity",
               # hibernation holds a sleeping group at zero against scheduled actions and alarms
               "autoscaling:SuspendProcesses", "autoscaling:ResumeProcesses",
               # the executor removes a drained group member and the group's desired capacity with it
               "autoscaling:TerminateInstanceInAutoScalingGroup")
#: Hibernation stops and starts stand-alone instances on a schedule (tag ``spothive:schedule``).
SCHEDULE_ACTIONS = ("ec2:StopInstances", "ec2:StartInstances")
SCHEDULED = {"Null": {"aws:ResourceTag/spothive:schedule": "false"}}
MANAGED = {"StringEquals": {f"aws:ResourceTag/{MANAGED_TAG_KEY}": MANAGED_TAG_VALUE}}
HUB_BUS_DEFAULT = "default"
EKS_NODE = {"Null": {"aws:ResourceTag/eks:cluster-name": "false"}}


#: The default of ``NodeRoleNames``: a role name SpotHive never creates, so no role is passable until the
#: customer lists its node roles.
NO_NODE_ROLE = "SpotHiveNoNodeRoleConfigured"
#: How many node roles a customer may list.
MAX_NODE_ROLES = 8


def _each(names: CfnParameter) -> list[str]:
    """The first ``MAX_NODE_ROLES`` entries of a comma list (``Fn::Select`` past its end fails, so the
    list is padded with the never-created default)."""
    padded = Fn.split(",", Fn.join(",", [Fn.join(",", names.value_as_list), *([NO_NODE_ROLE] * MAX_NODE_ROLES)]))
    return [Fn.select(i, padded) for i in range(MAX_NODE_ROLES)]


def _ec2(resource: str, *, account: bool = True) -> str:
    owner = Aws.ACCOUNT_ID if account else ""
    return f"arn:{Aws.PARTITION}:ec2:*:{owner}:{resource}"


class CustomerStack(Stack):
    """Parameters: ``ExternalId`` and ``HubAccountId`` (required), ``RoleName``, ``NodeRoleNames``,
    ``HubEventBusArn`` (where this region's Spot signals go; deploy once per region that runs Spot)."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        self.template_options.description = (
            "SpotHive customer access: a cross-account role the SpotHive hub assumes with your External ID"
        )
        external_id = CfnParameter(
            self, "ExternalId", type="String", no_echo=False, min_length=16, max_length=1224,
            allowed_pattern=r"[\w+=,.@:/-]+",
            description="The External ID SpotHive showed when you linked this account (keep it private)",
        )
        hub_account = CfnParameter(
            self, "HubAccountId", type="String", allowed_pattern=r"\d{12}",
            description="The SpotHive hub account that may assume the role",
        )
        role_name = CfnParameter(
            self, "RoleName", type="String", default=CUSTOMER_ROLE_NAME,
            allowed_pattern=rf"{CUSTOMER_ROLE_NAME}[\w+=,.@-]{{0,50}}",
            description="Role name; it must start with SpotHiveAccess (the hub may assume only those)",
        )
        node_roles = CfnParameter(
            self, "NodeRoleNames", type="CommaDelimitedList", default=NO_NODE_ROLE,
            allowed_pattern=r"[\w+=,.@-]+",
            description="The node instance roles SpotHive may pass to the instances it launches (the roles of "
            "your node groups, comma-separated, no wildcards); the default passes none",
        )
        self.role = iam.Role(
            self,
            "AccessRole",
            role_name=role_name.value_as_string,
            description="Lets SpotHive read inventory and act on managed capacity",
            assumed_by=iam.AccountPrincipal(hub_account.value_as_string).with_conditions(
                {"StringEquals": {"sts:ExternalId": external_id.value_as_string}}
            ),
            inline_policies={"SpotHiveAccess": iam.PolicyDocument(statements=self._statements(node_roles))},
        )
        self._forward_spot_events(hub_account)
        self._acknowledge()
        CfnOutput(self, "RoleArn", value=self.role.role_arn, description="Give this ARN to SpotHive")

    def _forward_spot_events(self, hub_account: CfnParameter) -> None:
        """An EventBridge rule sending this region's Spot signals to the hub bus, and the role it uses."""
        hub_bus = CfnParameter(
            self, "HubEventBusArn", type="String", default=HUB_BUS_DEFAULT,
            allowed_pattern=rf"{HUB_BUS_DEFAULT}|arn:aws[\w-]*:events:[a-z0-9-]+:\d{{12}}:event-bus/[\w.-]+",
            description="Hub event bus for Spot interruption signals; 'default' means "
            "arn:aws:events:<this region>:<HubAccountId>:event-bus/default",
        )
        use_default = CfnCondition(self, "HubEventBusDefault", expression=Fn.condition_equals(hub_bus.value_as_string, HUB_BUS_DEFAULT))
        default_bus = f"arn:{Aws.PARTITION}:events:{Aws.REGION}:{hub_account.value_as_string}:event-bus/default"
        bus_arn = Token.as_string(Fn.condition_if(use_default.logical_id, default_bus, hub_bus.value_as_string))
        self.forwarder_role = iam.Role(
            self,
            "SpotEventForwarderRole",
            description="Lets EventBridge put this account's Spot interruption signals on the SpotHive hub bus",
            assumed_by=iam.ServicePrincipal("events.amazonaws.com").with_conditions(
                {"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}
            ),
            inline_policies={"PutHubEvents": iam.PolicyDocument(statements=[iam.PolicyStatement(
                sid="PutHubEvents", actions=["events:PutEvents"], resources=[bus_arn])])},
        )
        self.spot_rule = events.CfnRule(
            self,
            "SpotEventRule",
            description="SpotHive: forward Spot interruption warnings and rebalance recommendations to the hub",
            state="ENABLED",
            event_pattern={"source": [SPOT_EVENT_SOURCE], "detail-type": list(SPOT_EVENT_TYPES)},
            targets=[events.CfnRule.TargetProperty(
                id="SpotHiveHub", arn=bus_arn, role_arn=self.forwarder_role.role_arn)],
        )

    def _acknowledge(self) -> None:
        acknowledge(self.role, "AwsSolutions-IAM5", *(f"Action::{a}" for a in READ_ACTIONS if "*" in a),
                    "Resource::*",
                    reason="Inventory reads, listed one by one: the EC2 and Auto Scaling Describe APIs "
                    "support no resource-level permissions and the EKS reads must reach clusters not yet "
                    "known; all are read-only.")
        partition, account = "<AWS::Partition>", "<AWS::AccountId>"
        launch = [f"Resource::arn:{partition}:ec2:*:{account}:{kind}/*" for kind in (
            "instance", "network-interface", "volume", "key-pair", "launch-template", "security-group",
            "spot-instances-request", "subnet", "fleet")]
        launch += [f"Resource::arn:{partition}:ec2:*::{kind}/*" for kind in ("image", "snapshot")]
        acknowledge(self.role, "AwsSolutions-IAM5", *launch,
                    reason="Resource IDs are unknown in advance; every write is bound to this account and "
                    "to the spothive:managed or eks:cluster-name tag (request tag for new instances), or for stop and "
                    "start to the spothive:schedule tag.")
        acknowledge(
            self.role, "AwsSolutions-IAM5",
            f"Resource::arn:{partition}:autoscaling:*:{account}:autoScalingGroup:*:autoScalingGroupName/*",
            f"Resource::arn:{partition}:eks:*:{account}:nodegroup/*/*/*",
            reason="Scaling only groups tagged spothive:managed=true or carrying eks:cluster-name, in this "
            "account; names are unknown in advance.")

    @staticmethod
    def _statements(node_roles: CfnParameter) -> list[iam.PolicyStatement]:
        # RunInstances must tag the new instance and its volumes spothive:managed=true; network
        # interfaces are created with the instance and live and die with it.
        tagged_launch = [_ec2("instance/*"), _ec2("volume/*")]
        launch_inputs = [
            _ec2("subnet/*"), _ec2("security-group/*"), _ec2("launch-template/*"), _ec2("key-pair/*"),
            _ec2("spot-instances-request/*"), _ec2("network-interface/*"),
            _ec2("image/*", account=False),
            _ec2("snapshot/*", account=False),
        ]
        instances_and_volumes = [_ec2("instance/*"), _ec2("volume/*")]
        asgs = f"arn:{Aws.PARTITION}:autoscaling:*:{Aws.ACCOUNT_ID}:autoScalingGroup:*:autoScalingGroupName/*"
        nodegroups = f"arn:{Aws.PARTITION}:eks:*:{Aws.ACCOUNT_ID}:nodegroup/*/*/*"
        statement = iam.PolicyStatement
        return [
            statement(sid="ReadInventory", actions=list(READ_ACTIONS), resources=["*"]),
            statement(sid="LaunchManagedOnly", actions=["ec2:RunInstances"], resources=tagged_launch,
                      conditions={"StringEquals": {f"aws:RequestTag/{MANAGED_TAG_KEY}": MANAGED_TAG_VALUE}}),
            statement(sid="LaunchInputs", actions=["ec2:RunInstances"], resources=launch_inputs),
            # the executor's replacements: an EC2 Fleet "instant" request, whose instances are launched by
            # the RunInstances statements above (so still tagged spothive:managed=true)
            statement(sid="LaunchFleet", actions=["ec2:CreateFleet"],
                      resources=[_ec2("fleet/*"), *launch_inputs, *tagged_launch]),
            statement(sid="TagOnLaunch", actions=["ec2:CreateTags"],
                      resources=[*tagged_launch, _ec2("network-interface/*"), _ec2("spot-instances-request/*")],
                      conditions={"StringEquals": {"ec2:CreateAction": ["RunInstances", "CreateFleet"]}}),
            # A/B tests of risk models route by this one tag: only it may be set on existing instances, and
            # removed again when the test ends. ForAllValues is true when the request names no tag key, and a
            # DeleteTags without Tags removes every tag: the Null condition requires the keys to be named
            statement(sid="ModelRoutingTag", actions=["ec2:CreateTags", "ec2:DeleteTags"], resources=[_ec2("instance/*")],
                      conditions={"ForAllValues:StringEquals": {"aws:TagKeys": [MODEL_TAG_KEY]},
                                  "Null": {"aws:TagKeys": "false"}}),
            # the live switch gives the Spot replacement the original's user data (read at launch, never
            # stored): only of instances SpotHive may stop anyway, not account-wide
            statement(sid="UserDataOfManagedInstances", actions=list(USER_DATA_ACTIONS),
                      resources=[_ec2("instance/*")], conditions=MANAGED),
            statement(sid="UserDataOfEksNodes", actions=list(USER_DATA_ACTIONS), resources=[_ec2("instance/*")],
                      conditions=EKS_NODE),
            statement(sid="ManagedInstances", actions=[*INSTANCE_ACTIONS, *VOLUME_ACTIONS],
                      resources=instances_and_volumes, conditions=MANAGED),
            statement(sid="EksNodeInstances", actions=[*INSTANCE_ACTIONS, *VOLUME_ACTIONS],
                      resources=instances_and_volumes, conditions=EKS_NODE),
            statement(sid="ScheduledInstances", actions=list(SCHEDULE_ACTIONS), resources=[_ec2("instance/*")],
                      conditions=SCHEDULED),
            statement(sid="SnapshotManagedVolumes", actions=list(SNAPSHOT_ACTIONS), resources=[_ec2("volume/*")],
                      conditions=MANAGED),
            statement(sid="SnapshotEksNodeVolumes", actions=list(SNAPSHOT_ACTIONS), resources=[_ec2("volume/*")],
                      conditions=EKS_NODE),
            # the new snapshot: its ARN has no account and CreateSnapshot is only allowed from the volumes above
            statement(sid="NewSnapshots", actions=list(SNAPSHOT_ACTIONS),
                      resources=[_ec2("snapshot/*", account=False)],
                      conditions={"StringLike": {"ec2:ParentVolume": _ec2("volume/*")}}),
            statement(sid="ManagedGroups", actions=list(ASG_ACTIONS), resources=[asgs], conditions=MANAGED),
            statement(sid="EksNodeGroups", actions=list(ASG_ACTIONS), resources=[asgs], conditions=EKS_NODE),
            statement(sid="ManagedNodegroupConfig", actions=["eks:UpdateNodegroupConfig"],
                      resources=[nodegroups], conditions=MANAGED),
            statement(sid="SpotServiceLinkedRole", actions=["iam:CreateServiceLinkedRole"],
                      resources=[f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/aws-service-role/"
                                 "spot.amazonaws.com/AWSServiceRoleForEC2Spot"],
                      conditions={"StringEquals": {"iam:AWSServiceName": "spot.amazonaws.com"}}),
            statement(sid="PassNodeRole", actions=["iam:PassRole"],
                      resources=[Fn.join("", [f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/", name])
                                 for name in _each(node_roles)],
                      conditions={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}),
        ]
