"""Settings errors name the variables and never echo their values."""

from __future__ import annotations

from tests.cli import ztix


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
    assert "ZTIX_PORTAL_SESSION_SECRET: Value should have at least 32" in done.stderr
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
