"""A wave's launch that replaces no retiring node is new capacity: it costs money and says so."""

from __future__ import annotations

from spothive.domain.execution import added_capacity


def test_only_launches_for_no_retiring_node_are_added_capacity_with_their_cost() -> None:
    # Given a wave that replaces n1 and also launches a node for pending pods
    launched = [
        {"node": "new-1", "instance_id": "i-1", "instance_type": "m5.large", "capacity_type": "spot",
         "zone": "us-east-1a", "price_per_hour": 0.04, "for": "n1"},
        {"node": "new-2", "instance_id": "i-2", "instance_type": "c5.xlarge", "capacity_type": "on-demand",
         "zone": "us-east-1b", "price_per_hour": 0.17, "for": "spothive-new-0001"},
    ]
    # When the wave's moves are recorded
    moves = added_capacity(launched, {"n1"})
    # Then only the second is added capacity, a negative saving with its monthly cost
    assert moves == [{"node": "new-2", "instance_id": "i-2", "state": "running", "saving_per_hour": -0.17,
                      "added": True, "line": "Added new-2 (c5.xlarge On-Demand) in us-east-1b — costs $124.10/month"}]
