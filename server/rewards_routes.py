"""``GET /v1/rewards``: every registered reward and how reliable it has been, per task.

Auth is that of every other route (a key when keys are configured, any key, operator or
not). The figures are deployment-wide aggregates (group and pair counts per task and
reward, a number of owners; no trace, no text, no owner named), and a tenant already sees
them for the rewards that scored its own requests: each trace's ``weight_source`` quotes
them. Hiding them from tenants here would hide nothing. What they do say: how many
labelled groups per task the deployment has seen.

The figures are this process's snapshot (what its selection uses now), refreshed from
the store as described in :mod:`server.learning`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from rewards import RewardRegistry
from server.learning import Learning

__all__ = ["rewards_router"]

rewards_router = APIRouter(tags=["bon"])


@rewards_router.get("/v1/rewards")
async def list_rewards(request: Request) -> dict[str, Any]:
    """Every registered reward with its reliability per task (group units, owners, pairs,
    share, lower bound, weight factor) and how the server weighs them (`learned` or
    `frozen`, the group and owner thresholds, the per-owner cap: null without keys)."""
    registry: RewardRegistry = request.app.state.registry
    learning: Learning = request.app.state.traces.learning
    return {
        "object": "list",
        "weights": "frozen" if learning.frozen else "learned",
        "min_groups": learning.min_groups,
        "min_owners": learning.min_owners,
        "owner_cap": learning.owner_cap,
        "data": [
            {
                "object": "bon.reward",
                "name": name,
                "reliability": [
                    learning.of(task, name).to_dict() for task in learning.tasks_of(name)
                ],
            }
            for name in registry.reward_names()
        ],
    }
