"""The placement of `nx run tf2aif:plan` as an integer program, solved by HiGHS through SciPy's `milp`.

The plugin decides everything about the domain (which variant may serve which model on which pool, with how
many replicas, needing what); this step only chooses. Variables: x_o in {0, 1} per option (a variant on a pool
with its replicas), n_p in {0..nodes} per pool (nodes used). Each model takes exactly one option; on every pool
and resource the options' demand fits n_p nodes; the objective is the nodes' cost per hour (or power). Ties are
broken in stages, each keeping the previous optimum: first the other objective, then the plugin's ranking of the
options (lower p99, then name).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from ..job import Job
from ..jsonio import write_json

RESOURCES = ("cores", "memoryMiB", "accelerators")
OBJECTIVES = {"cost": "costPerHour", "power": "watts"}


def _tolerance(value: float) -> float:
    return 1e-9 * max(1.0, abs(value)) + 1e-9


class Program:
    def __init__(self, pools: list[dict], models: list[dict]) -> None:
        self.pools = pools
        self.models = models
        self.options = [(m["model"], o) for m in models for o in m["options"]]
        self.n_x = len(self.options)
        self.size = self.n_x + len(pools)
        rows, low, high = [], [], []
        for m in models:  # exactly one option per model
            row = np.zeros(self.size)
            for i, (model, _) in enumerate(self.options):
                if model == m["model"]:
                    row[i] = 1
            rows.append(row), low.append(1), high.append(1)
        for p, pool in enumerate(pools):  # demand on a pool fits the nodes used, per resource
            for r in RESOURCES:
                row = np.zeros(self.size)
                for i, (_, o) in enumerate(self.options):
                    if o["pool"] == pool["name"]:
                        row[i] = o["demand"][r]
                row[self.n_x + p] = -pool["capacity"][r]
                rows.append(row), low.append(-np.inf), high.append(0)
        self.constraints = [LinearConstraint(np.array(rows), low, high)]
        upper = [1] * self.n_x + [pool["nodes"] for pool in pools]
        self.bounds = Bounds(np.zeros(self.size), np.array(upper, dtype=float))

    def pool_vector(self, field: str) -> np.ndarray:
        return np.concatenate([np.zeros(self.n_x), [pool[field] for pool in self.pools]])

    def rank_vector(self) -> np.ndarray:
        return np.concatenate([[o["rank"] for _, o in self.options], np.zeros(len(self.pools))])

    def solve(self, stages: list[np.ndarray], forbid: set[str] = frozenset()) -> np.ndarray | None:
        """Lexicographic: minimise each stage's objective keeping the earlier ones at their optimum."""
        constraints = list(self.constraints)
        upper = self.bounds.ub.copy()
        for i, (_, o) in enumerate(self.options):
            if o["id"] in forbid:
                upper[i] = 0
        bounds = Bounds(self.bounds.lb, upper)
        x = None
        for objective in stages:
            result = milp(objective, constraints=constraints, integrality=np.ones(self.size), bounds=bounds)
            if result.status != 0 or result.x is None:
                return None
            x = np.round(result.x)
            best = float(objective @ x)
            constraints.append(LinearConstraint(objective.reshape(1, -1), -np.inf, best + _tolerance(best)))
        return x

    def describe(self, x: np.ndarray) -> dict:
        chosen = {model: o["id"] for i, (model, o) in enumerate(self.options) if x[i] > 0.5}
        nodes = {pool["name"]: int(x[self.n_x + p]) for p, pool in enumerate(self.pools)}
        return {
            "chosen": chosen,
            "nodes": nodes,
            "costPerHour": float(self.pool_vector("costPerHour") @ x),
            "watts": float(self.pool_vector("watts") @ x),
        }


def solve(objective: str, pools: list[dict], models: list[dict]) -> dict:
    program = Program(pools, models)
    primary = OBJECTIVES[objective]
    secondary = next(v for k, v in OBJECTIVES.items() if k != objective)
    stages = [program.pool_vector(primary), program.pool_vector(secondary), program.rank_vector()]
    x = program.solve(stages)
    if x is None:
        return {"status": "infeasible"}
    best = program.describe(x)
    # the runner-up of each model: the best plan without the option chosen for it (what the choice is worth)
    runner_up = {}
    for m in models:
        alt = program.solve(stages, forbid={best["chosen"][m["model"]]})
        plan = None if alt is None else program.describe(alt)
        runner_up[m["model"]] = None if plan is None else {**plan, "option": plan["chosen"][m["model"]]}
    return {"status": "optimal", **best, "runnerUp": runner_up}


def run(job: Job) -> None:
    write_json(job.out_dir / "solution.json", solve(job.require("objective", str), job.require("pools", list), job.require("models", list)))
