"""Which answer does each voting rule pick, on real SmolLM2 samples of word problems?

Splits every problem's samples into disjoint groups of k and reports, per k, the
share of groups whose pick is correct (math-verify against the gold answer) for:

* ``one sample``: the group's first candidate;
* ``majority``: ``AnswerAgreement(weighted=False)``, the most common answer
  (equivalence-aware, ties to the first seen);
* ``weighted p=P``: ``AnswerAgreement(steps_power=P)``, the reward's vote
  weighted by the step checker (P=0: only the truncation weight);
* ``oracle``: any candidate is correct.

Inputs: ``bench/data/math_samples.json`` (20 problems x 8 samples, made with
``--generate``), or the lead's ``bench/results/accuracy_candidates.json``
(its math items). Writes JSON and Markdown under bench/results/.

    .venv/bin/python bench/math_agreement.py [--samples FILE] [--sizes 4 8]
    .venv/bin/python bench/math_agreement.py --generate   # resample (real engine, ~15 min here)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rewards.builtin.answer_agreement import AnswerAgreement
from rewards.builtin.math_answers import equivalent, extract_answer
from rewards.types import Candidate, RewardContext

DATA = Path(__file__).parent / "data" / "math_samples.json"
PROBLEMS = {
    "A baker has 48 cupcakes and puts them equally into 2 boxes. "
    "How many cupcakes are in each box?": "24",
    "Tom buys 3 packs of pencils with 7 pencils in each pack. How many pencils does he have?": "21",
    "A shirt costs $12. How much do 3 shirts and a $6 hat cost together?": "42",
    "What is 15% of 80?": "12",
    "Sara has 1,200 stickers and gives away 350. How many stickers does she have left?": "850",
    "What is 7 + 5?": "12",
    "A train travels 60 miles per hour for 3 hours. How far does it go?": "180",
    "Solve: 2 + 3 + 4. Show your steps.": "9",
    "Lisa has 5 bags with 6 apples in each bag. How many apples does she have?": "30",
    "A book costs $8. How much do 4 books cost?": "32",
    "There are 30 students and 6 tables. "
    "How many students sit at each table if they are shared equally?": "5",
    "Mark had 45 marbles and lost 17. How many marbles does he have now?": "28",
    "What is 25% of 60?": "15",
    "A box holds 12 eggs. How many eggs are in 5 boxes?": "60",
    "John runs 4 miles a day. How many miles does he run in 7 days?": "28",
    "What is 9 times 8?": "72",
    "A pizza is cut into 8 slices. 3 friends eat 2 slices each. How many slices are left?": "2",
    "Anna saves $15 a week. How much has she saved after 6 weeks?": "90",
    "What is 100 - 37?": "63",
    "A car uses 5 liters of fuel per 100 km. How many liters does it use for 300 km?": "15",
}


def generate(path: Path, n: int) -> None:
    """Samples ``n`` answers per problem on the embedded model (vLLM offline API)."""
    from vllm import LLM, SamplingParams

    from server.config import EMBEDDED_MODEL_NAME, default_cache_dir
    from server.model import prepare_model

    model = prepare_model(EMBEDDED_MODEL_NAME, default_cache_dir())
    llm = LLM(model=str(model.path), dtype="float32", enforce_eager=True, max_model_len=1024)
    params = SamplingParams(n=n, temperature=0.8, max_tokens=200)
    prompts = list(PROBLEMS)
    conversations: list[Any] = [[{"role": "user", "content": p}] for p in prompts]
    outputs = llm.chat(conversations, params)
    problems = [
        {
            "prompt": prompt,
            "answer": PROBLEMS[prompt],
            "samples": [{"text": c.text, "finish_reason": c.finish_reason} for c in out.outputs],
        }
        for prompt, out in zip(prompts, outputs, strict=True)
    ]
    meta = {"n": n, "temperature": 0.8, "max_tokens": 200, "date": time.strftime("%Y-%m-%d")}
    path.write_text(json.dumps({"sampling": meta, "problems": problems}, indent=1) + "\n")


def load(path: Path) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(prompt, gold answer, samples) per math problem, from either file format."""
    data = json.loads(path.read_text())
    if "problems" in data:
        return [(p["prompt"], p["answer"], p["samples"]) for p in data["problems"]]
    return [
        (g["item"]["messages"][-1]["content"], g["item"]["answer"], g["candidates"])
        for g in data["groups"]
        if g["item"]["kind"] == "math"
    ]


def pick(reward: AnswerAgreement, prompt: str, samples: list[dict[str, Any]]) -> str | None:
    """The final answer of the candidate the reward scores highest (first on ties)."""
    texts = [s["text"] for s in samples]
    cands = [Candidate(i, s["text"], (), s.get("finish_reason")) for i, s in enumerate(samples)]
    scores = reward(completions=texts, context=RewardContext(prompt, task="math"), candidates=cands)
    values = [s.value or 0.0 for s in scores]
    return extract_answer(texts[values.index(max(values))])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--samples", type=Path, default=DATA)
    p.add_argument("--sizes", type=int, nargs="+", default=[4, 8])
    p.add_argument("--generate", action="store_true")
    p.add_argument("--n", type=int, default=8, help="samples per problem with --generate")
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = p.parse_args()
    if args.generate:
        generate(args.samples, args.n)

    problems = load(args.samples)
    rules: dict[str, AnswerAgreement] = {"majority": AnswerAgreement(weighted=False)}
    for power in (0, 1, 2, 3):
        rules[f"weighted p={power}"] = AnswerAgreement(steps_power=power)
    correct_cache: dict[tuple[str | None, str], bool] = {}

    def correct(answer: str | None, gold: str) -> bool:
        if (answer, gold) not in correct_cache:
            correct_cache[answer, gold] = answer is not None and equivalent(answer, gold)
        return correct_cache[answer, gold]

    rows: list[dict[str, Any]] = []
    for k in args.sizes:
        counts = dict.fromkeys(["one sample", *rules, "oracle"], 0)
        groups = 0
        for prompt, gold, samples in problems:
            for start in range(0, len(samples) - k + 1, k):
                group = samples[start : start + k]
                groups += 1
                answers = [extract_answer(s["text"]) for s in group]
                counts["one sample"] += correct(answers[0], gold)
                counts["oracle"] += any(correct(a, gold) for a in answers)
                for name, reward in rules.items():
                    counts[name] += correct(pick(reward, prompt, group), gold)
        rows.append({"k": k, "groups": groups, **{n: c / groups for n, c in counts.items()}})

    args.out.mkdir(parents=True, exist_ok=True)
    meta = {"samples": str(args.samples), "problems": len(problems)}
    (args.out / "math_agreement.json").write_text(
        json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n"
    )
    names = ["one sample", *rules, "oracle"]
    lines = [
        f"{len(problems)} problems from {args.samples.name}; share of groups whose pick is right",
        "",
        "| k | groups | " + " | ".join(names) + " |",
        "|---:|---:|" + "---:|" * len(names),
    ]
    for r in rows:
        cells = " | ".join(f"{r[n]:.3f}" for n in names)
        lines.append(f"| {r['k']} | {r['groups']} | {cells} |")
    table = "\n".join(lines) + "\n"
    (args.out / "math_agreement.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
