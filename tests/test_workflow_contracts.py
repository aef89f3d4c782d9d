"""The generated workflows and the docs agree on GitHub variables and secrets.

Every `vars.NAME` and `secrets.NAME` that a generated workflow reads
(`GITHUB_TOKEN` aside) is documented in `docs/deployment/first-deploy.md` with
the `gh variable set` / `gh secret set` command that sets it, in the GitHub
environment of the job that reads it; and no page of the generated project, nor
of the template's own user guide, speaks of a GitHub variable or secret that no
workflow reads.

A page *mentions* a GitHub variable or secret with:

1. a command `gh variable set NAME` or `gh secret set NAME` (its `--env`/`-e`
   environment, or none for a repository-level one);
2. a GitHub expression `vars.NAME` or `secrets.NAME`;
3. a backticked NAME in the name column (`Name`, `Variable` or `Secret`) of a
   table under a heading that contains "GitHub";
4. a prose sentence that speaks of one: "GitHub secret", "GitHub environment
   variable", "repository variable", "secret of the `production` environment",
   "the `staging` environment's variable" and the like. Unless the sentence is a
   negation ("no", "not", "never", "nowhere", "none", "nothing"), it must name
   what it speaks of in backticks, and every backticked upper-case NAME in it
   must be a variable or secret the workflows read. So "the bot token lives in
   a GitHub environment secret" fails (it names none), and so does
   "set the GitHub secret `FOO`" when no workflow reads `FOO`.

A sentence that speaks of them all ("every GitHub variable and secret") names
none and is not a mention.

Where a job reads a name decides where it must be set: in the job's
`environment`, or at repository level for a job without one and for a job's
own `if:` (GitHub evaluates it before the environment applies). A job whose
environment is an input (`${{ inputs.environment }}`) runs in one of the
input's options and may pick the name by environment
(`inputs.environment == 'production' && vars.PRODUCTION_URL || vars.STAGING_URL`),
so the name set in one of the options is enough.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, project_files

RUNBOOK = "docs/deployment/first-deploy.md"
KINDS = {"vars": "variable", "secrets": "secret"}
IMPLICIT = {("secret", "GITHUB_TOKEN")}
REPOSITORY = None  # the environment of a repository-level variable or secret

# Renders that together turn on every variable and secret of the workflows:
# the notification secrets exist only with a notification channel.
CASES = {
    "level-2": (2, {}),
    "level-3": (3, {}),
    "level-3-slack": (3, {"notification_channel": "slack"}),
    "level-4-telegram": (4, {"notification_channel": "telegram"}),
}

# `vars.NAME` / `secrets.NAME`, not the file name `.secrets.baseline`.
EXPRESSION = re.compile(r"(?<![\w.])(vars|secrets)\.([A-Za-z_][A-Za-z0-9_]*)")
GH_SET = re.compile(r"\bgh (variable|secret) set ([A-Za-z_][A-Za-z0-9_]*)([^\n#]*)")
GH_ENV = re.compile(r"(?:--env|-e)[ =]([\w.-]+)")
INPUT_ENVIRONMENT = re.compile(r"^\$\{\{\s*inputs\.([\w-]+)\s*\}\}$")
# Prose that speaks of a GitHub variable or secret (rule 4).
GITHUB_SETTING = re.compile(
    r"\bGitHub(?: Actions)?(?: environment| repository)? (secret|variable)s?\b"
    r"|\brepository (secret|variable)s?\b"
    r"|\b(secret|variable)s? of the `[\w-]+` environment\b"
    r"|`[\w-]+` environment's (secret|variable)s?\b",
    re.IGNORECASE,
)
QUANTIFIED = re.compile(r"\b(?:every|each|all|any)\s+(?:the\s+)?$", re.IGNORECASE)
NEGATION = re.compile(r"\b(?:no|not|never|nowhere|none|nothing)\b", re.IGNORECASE)
BACKTICKED_NAME = re.compile(r"`([A-Z][A-Z0-9_]*[A-Z0-9])`")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`*(\[])")

# Sentences that speak of GitHub secrets in general, with no name to check.
GENERIC_SENTENCES = {
    # Where to move a credential the secret scan found: advice, not a claim.
    ("docs/development/security.md", "Move it to the environment (`.env`, which git"),
}


@dataclass(frozen=True, order=True)
class Use:
    """A variable or secret and where it is set: None for the repository, an
    environment, or "a|b" for a job that runs in one of these environments."""

    kind: str
    name: str
    environment: str | None

    def options(self) -> set[str | None]:
        return set(self.environment.split("|")) if self.environment else {REPOSITORY}

    def set_by(self, commands: set[Use]) -> bool:
        """Whether one of these `gh ... set` commands sets it where it is read."""
        return any(
            (command.kind, command.name) == (self.kind, self.name)
            and command.environment in self.options()
            for command in commands
        )

    def __str__(self) -> str:
        if self.environment is None:
            return f"{self.kind} {self.name} (repository)"
        return f"{self.kind} {self.name} (environment {' or '.join(sorted(self.options()))})"


@dataclass(frozen=True)
class Mention:
    """A page speaking of a GitHub variable or secret (kind None: either)."""

    kind: str | None
    name: str
    environment: str | None
    rule: str
    where: str


# --------------------------------------------------------------- workflows


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def _references(node: Any) -> set[tuple[str, str]]:
    return {
        (KINDS[prefix], name)
        for text in _strings(node)
        for prefix, name in EXPRESSION.findall(text)
        if (KINDS[prefix], name) not in IMPLICIT
    }


def _job_environment(workflow: dict[Any, Any], job: dict[str, Any], where: str) -> str | None:
    environment = job.get("environment")
    name = environment.get("name") if isinstance(environment, dict) else environment
    if name is None:
        return REPOSITORY
    match = INPUT_ENVIRONMENT.match(str(name).strip())
    if not match:
        assert "${{" not in str(name), f"{where}: cannot tell the environments of {name!r}"
        return str(name)
    triggers = workflow.get(True) or workflow.get("on") or {}
    options: list[str] = []
    for trigger in ("workflow_dispatch", "workflow_call"):
        spec = (triggers.get(trigger) or {}).get("inputs", {}).get(match.group(1), {})
        options += spec.get("options", [])
    assert options, f"{where}: the environment input {match.group(1)!r} lists no options"
    return "|".join(sorted(options))


def workflow_uses(project: Path) -> set[Use]:
    """Every variable and secret the project's workflows read, and where."""
    uses: set[Use] = set()
    workflows = sorted((project / ".github" / "workflows").glob("*.y*ml"))
    assert workflows, f"{project} has no workflows"
    for file in workflows:
        workflow = yaml.safe_load(file.read_text(encoding="utf-8"))
        jobs = workflow.get("jobs", {})
        top = {key: value for key, value in workflow.items() if key != "jobs"}
        uses |= {Use(kind, name, REPOSITORY) for kind, name in _references(top)}
        for job_id, job in jobs.items():
            where = f"{file.name} job {job_id}"
            environment = _job_environment(workflow, job, where)
            body = {key: value for key, value in job.items() if key != "if"}
            uses |= {Use(kind, name, environment) for kind, name in _references(body)}
            uses |= {Use(kind, name, REPOSITORY) for kind, name in _references(job.get("if", ""))}
    return uses


def template_workflow_names() -> set[tuple[str, str]]:
    """(kind, name) read by any workflow the template can generate, at any level
    and with any answers: every expression in the workflow templates."""
    names: set[tuple[str, str]] = set()
    for file in sorted((ROOT / "template" / ".github" / "workflows").iterdir()):
        for prefix, name in EXPRESSION.findall(file.read_text(encoding="utf-8")):
            names.add((KINDS[prefix], name))
    return names - IMPLICIT


# -------------------------------------------------------------------- docs


def _command_mentions(text: str, where: str) -> Iterator[Mention]:
    for kind, name, rest in GH_SET.findall(text):
        environment = GH_ENV.search(rest)
        yield Mention(kind, name, environment.group(1) if environment else None, "command", where)


def _blocks(text: str) -> Iterator[tuple[str, str, list[str]]]:
    """(kind, heading, lines) of the prose outside code: "table" or "text"."""
    heading = ""
    in_code = False
    block: list[str] = []
    block_kind = "text"

    def flush() -> Iterator[tuple[str, str, list[str]]]:
        if block:
            yield block_kind, heading, list(block)
        block.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            yield from flush()
            in_code = not in_code
            continue
        if in_code:
            continue
        if stripped.startswith("#"):
            yield from flush()
            heading = stripped.lstrip("#").strip()
            continue
        kind = "table" if stripped.startswith("|") else "text"
        starts_item = re.match(r"(?:[-*+]|\d+\.)\s", stripped) is not None
        if not stripped or kind != block_kind or starts_item:
            yield from flush()
            block_kind = kind
        if stripped:
            block.append(stripped)
    yield from flush()


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def _table_mentions(heading: str, rows: list[str], where: str) -> Iterator[Mention]:
    if "github" not in heading.lower() or len(rows) < 3:
        return
    header = [cell.lower() for cell in _cells(rows[0])]
    columns = [i for i, cell in enumerate(header) if cell in {"name", "variable", "secret"}]
    if not columns:
        return
    for row in rows[2:]:
        cells = _cells(row)
        for name in BACKTICKED_NAME.findall(cells[columns[0]] if len(cells) > columns[0] else ""):
            yield Mention(None, name, None, f"table under '{heading}'", where)


def _sentence_problems(sentence: str, known: set[tuple[str, str]], where: str) -> list[str]:
    kinds = {
        next(group for group in match.groups() if group).lower()
        for match in GITHUB_SETTING.finditer(sentence)
        if not QUANTIFIED.search(sentence[: match.start()])
    }
    if not kinds or NEGATION.search(sentence):
        return []
    names = BACKTICKED_NAME.findall(sentence)
    allowed = {name for kind, name in known if kind in kinds}
    if not names:
        return [
            f"{where}: speaks of a GitHub {'/'.join(sorted(kinds))} without naming it: {sentence!r}"
        ]
    return [
        f"{where}: no workflow reads the GitHub {'/'.join(sorted(kinds))} {name}: {sentence!r}"
        for name in names
        if name not in allowed
    ]


def docs_problems(page: Path, relative: str, uses: set[Use]) -> list[str]:
    """What a page says about GitHub variables and secrets that the workflows
    (`uses`) do not bear out."""
    text = page.read_text(encoding="utf-8")
    known = {(use.kind, use.name) for use in uses}
    problems = []
    for mention in _command_mentions(text, relative):
        command = Use(mention.kind or "", mention.name, mention.environment)
        if not any(use.set_by({command}) for use in uses):
            where = f"--env {mention.environment}" if mention.environment else "the repository"
            problems.append(
                f"{relative}: `gh {mention.kind} set {mention.name}` for {where}: "
                "no workflow reads it there"
            )
    for prefix, name in EXPRESSION.findall(text):
        if (KINDS[prefix], name) not in known | IMPLICIT:
            problems.append(f"{relative}: `{prefix}.{name}`: no workflow reads it")
    for kind, heading, lines in _blocks(text):
        if kind == "table":
            problems += [
                f"{relative}: table under '{heading}' lists {mention.name}: no workflow reads it"
                for mention in _table_mentions(heading, lines, relative)
                if mention.name not in {name for _, name in known}
            ]
            # Each row is a statement of its own, too.
            units = lines
        else:
            units = SENTENCE_END.split(" ".join(lines))
        for sentence in units:
            if any(
                relative == path and sentence.startswith(start) for path, start in GENERIC_SENTENCES
            ):
                continue
            problems += _sentence_problems(sentence, known, relative)
    return problems


def generated_pages(project: Path) -> list[Path]:
    return [
        file
        for file in project_files(project)
        if file.suffix == ".md" and ".github" not in file.relative_to(project).parts
    ]


def runbook_commands(project: Path) -> set[Use]:
    text = (project / RUNBOOK).read_text(encoding="utf-8")
    return {
        Use(mention.kind or "", mention.name, mention.environment)
        for mention in _command_mentions(text, RUNBOOK)
    }


# ------------------------------------------------------------------- tests


@pytest.mark.parametrize("case", CASES)
def test_runbook_sets_every_variable_and_secret_the_workflows_read(
    render: Callable[..., Path], case: str
) -> None:
    level, data = CASES[case]
    project = render(level, name=case, **data)
    uses = workflow_uses(project)
    assert Use("variable", "AWS_DEPLOY_ROLE_ARN", "staging") in uses, sorted(map(str, uses))
    commands = runbook_commands(project)
    missing = sorted(str(use) for use in uses if not use.set_by(commands))
    assert not missing, (
        f"{RUNBOOK} at {case} has no `gh variable set`/`gh secret set` command for: {missing}"
    )


@pytest.mark.parametrize("case", CASES)
def test_generated_docs_mention_only_what_the_workflows_read(
    render: Callable[..., Path], case: str
) -> None:
    level, data = CASES[case]
    project = render(level, name=case, **data)
    uses = workflow_uses(project)
    problems = [
        problem
        for page in generated_pages(project)
        for problem in docs_problems(page, str(page.relative_to(project)), uses)
    ]
    assert not problems, "\n".join(problems)


def test_user_guide_mentions_only_what_the_workflows_read() -> None:
    known = template_workflow_names()
    assert ("variable", "AWS_DEPLOY_ROLE_ARN") in known
    uses = {
        Use(kind, name, environment)
        for kind, name in known
        for environment in (REPOSITORY, "staging", "production")
    }
    pages = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
    problems = [
        problem
        for page in pages
        for problem in docs_problems(page, str(page.relative_to(ROOT)), uses)
    ]
    assert not problems, "\n".join(problems)


def test_the_rules_catch_a_secret_that_no_workflow_reads(tmp_path: Path) -> None:
    """The checks above would have caught the FAQ's "GitHub environment secret"."""
    uses = {Use("variable", "AWS_DEPLOY_ROLE_ARN", "staging")}
    page = tmp_path / "page.md"
    page.write_text(
        "The Telegram bot token lives in `.env` locally, in a GitHub environment\n"
        "secret for the workflows and in AWS Secrets Manager.\n\n"
        "Store it as a secret of the `production` environment: `TELEGRAM_BOT_TOKEN`.\n\n"
        "```bash\ngh secret set TELEGRAM_BOT_TOKEN --env staging\n"
        "gh variable set AWS_DEPLOY_ROLE_ARN --env production --body arn\n```\n\n"
        "## GitHub settings\n\n| Name | Value |\n| --- | --- |\n| `STAGING_URL` | a URL |\n\n"
        "It reads `${{ secrets.SLACK_WEBHOOK_URL }}`. No GitHub secret holds the token.\n"
        "The runbook lists every GitHub variable and secret.\n",
        encoding="utf-8",
    )
    problems = "\n".join(docs_problems(page, "page.md", uses))
    assert "without naming it" in problems
    assert "GitHub secret TELEGRAM_BOT_TOKEN" in problems
    assert "`gh secret set TELEGRAM_BOT_TOKEN` for --env staging" in problems
    assert "`gh variable set AWS_DEPLOY_ROLE_ARN` for --env production" in problems
    assert "lists STAGING_URL" in problems
    assert "`secrets.SLACK_WEBHOOK_URL`" in problems
    assert "No GitHub secret holds" not in problems
    assert "every GitHub variable" not in problems


# ------------------------------------------- infrastructure.yml (issue 18)

INFRASTRUCTURE = ".github/workflows/infrastructure.yml"
AWS_CREDENTIALS = "aws-actions/configure-aws-credentials@"


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def _assumes_a_role(job: dict[str, Any]) -> bool:
    return any(step.get("uses", "").startswith(AWS_CREDENTIALS) for step in job["steps"])


@pytest.mark.parametrize("level", [1, 2, 3])
def test_infrastructure_changes_go_through_review(render: Callable[..., Path], level: int) -> None:
    """Level 2 and up: a pull request touching infrastructure/ is linted and shows
    each stack's change set; the merge executes them, staging first, production
    (level 3 and up) only in its GitHub environment, after the approval."""
    project = render(level, name="infrastructure")
    path = project / INFRASTRUCTURE
    if level == 1:
        assert not path.exists()
        return
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert set(triggers) == {"pull_request", "push"}
    for event in ("pull_request", "push"):
        assert any(p.startswith("infrastructure/") for p in triggers[event]["paths"]), event
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    environments = ["staging", "production"] if level >= 3 else ["staging"]
    assert set(jobs) == {"lint", "plan", "staging"} | ({"production"} if level >= 3 else set())

    assert "cfn-lint" in _runs(jobs["lint"]) and "checkov" in _runs(jobs["lint"])
    plan = jobs["plan"]
    assert "github.event_name == 'pull_request'" in plan["if"]
    assert plan["strategy"]["matrix"]["environment"] == environments
    assert 'ecs-deploy infra-plan --environment "$DEPLOY_ENVIRONMENT"' in _runs(plan)
    assert '--summary-file "$GITHUB_STEP_SUMMARY"' in _runs(plan)

    staging = jobs["staging"]
    assert staging["if"] == "github.event_name == 'push'"
    assert "ecs-deploy infra-apply --environment staging" in _runs(staging)
    assert "environment" not in staging  # not a deployment of the app to staging
    if level >= 3:
        production = jobs["production"]
        assert production["needs"] == "staging"
        assert production["environment"]["name"] == "production"
        assert "refs/heads/main" in production["if"]
        assert "ecs-deploy infra-apply --environment production" in _runs(production)

    for name, job in jobs.items():
        permissions = job["permissions"]
        assert permissions["contents"] == "read", name
        writes = {scope for scope, access in permissions.items() if access == "write"}
        assert writes == ({"id-token"} if _assumes_a_role(job) else set()), name
        for step in job["steps"]:
            uses = step.get("uses")
            assert uses is None or re.fullmatch(r"[\w./-]+@[0-9a-f]{40}", uses), uses
