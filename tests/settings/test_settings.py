"""Settings errors name the variables and never echo their values."""

from __future__ import annotations

import pytest

from tests.cli import ztix
from tests.gitrepo import DATA


def test_portal_settings_errors_never_show_secrets() -> None:
    done = ztix(
        "portal",
        env={
            "ZTIX_PORTAL_SESSION_SECRET": "too-short-but-secret",
            "ZTIX_PORTAL_CLIENT_SECRET": "client-secret-value",
        },
    )
    assert done.returncode == 2
    assert "too-short-but-secret" not in done.stderr and "client-secret-value" not in done.stderr
    assert "ZTIX_PORTAL_SESSION_SECRET: is shorter than 32 characters" in done.stderr
    assert "ZTIX_PORTAL_BASE_URL: is not set" in done.stderr
    assert "Warning" not in done.stderr  # a library's deprecation notice is not for operators


def test_webhook_settings_errors_name_the_variables() -> None:
    done = ztix("webhook", env={"ZTIX_WEBHOOK_FORGE": "bitbucket"})
    assert done.returncode == 2
    assert "ZTIX_WEBHOOK_FORGE: Input should be 'github', 'gitlab' or 'gitea'" in done.stderr
    assert "ZTIX_WEBHOOK_SECRET: is not set" in done.stderr


def test_a_malformed_number_names_the_variable() -> None:
    done = ztix("apply", "--dry-run", env={"ZTIX_HTTP_TIMEOUT": "soon"})
    assert done.returncode == 2
    assert "ZTIX_HTTP_TIMEOUT: Input should be a valid number" in done.stderr


@pytest.mark.parametrize(
    "url", ["notaurl", "http://ops:hunter2@127.0.0.1:9993", "ftp://127.0.0.1", "http://a b"]
)
def test_a_zerotier_api_url_override_is_refused_at_once_and_never_echoed(url: str) -> None:
    """Not retried for 20 s as an unreachable host, and a password in it never reaches a log."""
    done = ztix(
        "zerotier",
        "plan",
        "--repo",
        str(DATA),
        env={"ZTIX_ZEROTIER_API_URL": url, "ZTIX_ZEROTIER_TOKEN": "t0ken"},
    )
    assert done.returncode == 2
    assert done.stderr == "error: settings: ZTIX_ZEROTIER_API_URL: must be an http(s) URL\n"


WEBHOOK = {
    "ZTIX_WEBHOOK_FORGE": "github",
    "ZTIX_WEBHOOK_SECRET": "0123456789abcdef0123",
    "ZTIX_WEBHOOK_REPO_URL": "https://forge.example/ix/peering.git",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ZTIX_WEBHOOK_SECRET": ""}, "ZTIX_WEBHOOK_SECRET: is empty or blank"),
        ({"ZTIX_WEBHOOK_SECRET": "    "}, "ZTIX_WEBHOOK_SECRET: is empty or blank"),
        ({"ZTIX_WEBHOOK_SECRET": "short"}, "ZTIX_WEBHOOK_SECRET: is shorter than 16 characters"),
        (
            {"ZTIX_WEBHOOK_SECRET": "0123456789abcdef0123 "},
            "ZTIX_WEBHOOK_SECRET: starts or ends with white space",
        ),
        ({"ZTIX_WEBHOOK_REPO_URL": None}, "ZTIX_WEBHOOK_REPO_URL: is not set"),
        ({"ZTIX_WEBHOOK_REPO_URL": " "}, "ZTIX_WEBHOOK_REPO_URL: is empty or blank"),
        (
            {"ZTIX_WEBHOOK_REPORT_FORGE": "gitea"},
            "ZTIX_WEBHOOK_REPORT_FORGE is set, so ZTIX_WEBHOOK_REPORT_API_URL, "
            "ZTIX_WEBHOOK_REPORT_TOKEN, ZTIX_WEBHOOK_REPORT_PROJECT must be set too",
        ),
        (
            {"ZTIX_WEBHOOK_APPLY_TIMEOUT": "0"},
            "ZTIX_WEBHOOK_APPLY_TIMEOUT: Input should be greater",
        ),
    ],
    ids=["empty", "blank", "short", "whitespace", "no-repo", "blank-repo", "report", "timeout"],
)
def test_webhook_refuses_to_start_with_bad_settings(
    change: dict[str, str | None], message: str
) -> None:
    env = {k: v for k, v in {**WEBHOOK, **change}.items() if v is not None}
    done = ztix("webhook", "--port", "1", env=env)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "0123456789abcdef0123" not in done.stderr


PORTAL = {
    "ZTIX_PORTAL_BASE_URL": "https://join.ix.example",
    "ZTIX_PORTAL_CLIENT_ID": "ztix",
    "ZTIX_PORTAL_CLIENT_SECRET": "client-secret",
    "ZTIX_PORTAL_SESSION_SECRET": "s" * 40,
    "ZTIX_PORTAL_REPO_URL": "https://forge.example/ix/peering.git",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ZTIX_PORTAL_CLIENT_SECRET": " "}, "ZTIX_PORTAL_CLIENT_SECRET: is empty or blank"),
        (
            {"ZTIX_PORTAL_BASE_URL": "join.ix.example"},
            "ZTIX_PORTAL_BASE_URL: must be an http(s) URL",
        ),
        (
            {"ZTIX_PORTAL_BASE_URL": "http://join.ix.example"},
            "ZTIX_PORTAL_BASE_URL must be https://",
        ),
        (
            {"ZTIX_PORTAL_FORGE": "github"},
            "ZTIX_PORTAL_FORGE is github, so set ZTIX_PORTAL_FORGE_API_URL, "
            "ZTIX_PORTAL_FORGE_TOKEN, ZTIX_PORTAL_FORGE_PROJECT",
        ),
        (
            {
                "ZTIX_PORTAL_FORGE": "gitlab",
                "ZTIX_PORTAL_FORGE_API_URL": "https://gitlab.example/api/v4",
                "ZTIX_PORTAL_FORGE_TOKEN": "t",
                "ZTIX_PORTAL_FORGE_PROJECT": "no-slash",
            },
            "ZTIX_PORTAL_FORGE_PROJECT: String should match pattern",
        ),
    ],
    ids=["blank-secret", "not-a-url", "plain-http", "forge-incomplete", "project-form"],
)
def test_portal_refuses_to_start_with_bad_settings(change: dict[str, str], message: str) -> None:
    done = ztix("portal", "--port", "1", env={**PORTAL, **change})
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "client-secret" not in done.stderr and "s" * 40 not in done.stderr
