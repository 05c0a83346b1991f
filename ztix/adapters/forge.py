"""Forge adapters: open (or find) the pull/merge request of a change branch, read its state.

GitHub REST v3 (`Authorization: Bearer`), GitLab REST v4 (`PRIVATE-TOKEN`), Gitea/Forgejo REST
v1 (`Authorization: token`), or plain git (the branch is the change; no request is opened).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from ztix.adapters.http import ApiAuthError, ApiClient, ApiError, ApiUnavailable, Breaker, ErrorSet
from ztix.ports.forge import CHECK_CONTEXT, ChangeInfo, CheckState, State


class ForgeError(ApiError):
    """A forge API call failed."""


class ForgeAuthError(ForgeError, ApiAuthError):
    """The forge refused the token."""


class ForgeUnavailable(ForgeError, ApiUnavailable):
    """The forge kept failing."""


ERRORS = ErrorSet(ForgeError, ForgeAuthError, ForgeUnavailable)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ForgeError(f"{response.request.url.path}: the response is not JSON") from None


class _RestForge:
    """What the REST forges share: the API client, and reusing an open request."""

    def __init__(self, api: ApiClient, project: str, main: str) -> None:
        self.api, self.project, self.main = api, project, main

    async def aclose(self) -> None:
        """Close connections."""
        await self.api.aclose()

    opens_requests = True

    async def change_for(self, branch: str) -> ChangeInfo:
        """The newest request of `branch`."""
        raise NotImplementedError

    async def _close(self, number: int) -> None:
        raise NotImplementedError

    async def close_change(self, branch: str) -> None:
        """Close the branch's open request (nothing to do when none is open)."""
        current = await self.change_for(branch)
        if current.state == "open" and current.number is not None:
            await self._close(current.number)
            if (await self.change_for(branch)).state == "open":
                raise ForgeError(f"the forge did not close the request of {branch}")

    async def _create(self, branch: str, title: str, body: str) -> ChangeInfo:
        raise NotImplementedError

    async def open_change(self, branch: str, title: str, body: str) -> ChangeInfo:
        """Reuse the open request of the branch, or create one (never retried: not idempotent)."""
        current = await self.change_for(branch)
        if current.state == "open":
            return current
        try:
            return await self._create(branch, title, body)
        except ForgeAuthError:
            raise
        except ForgeError:
            # Another job opened it between our read and our create (GitHub and Gitea answer
            # 422/409, GitLab 409): the request exists, which is what was asked for.
            again = await self.change_for(branch)
            if again.state == "open":
                return again
            raise

    async def _post_status(self, path: str, payload: dict[str, str]) -> None:
        await self.api.request(
            "POST", path, {**payload, "description": payload["description"][:140]}
        )


def _pull_info(pull: dict[str, Any], merged: bool) -> ChangeInfo:
    """A GitHub- or Gitea-shaped pull request."""
    state: State = "merged" if merged else ("open" if pull.get("state") == "open" else "closed")
    return ChangeInfo(
        state,
        str(pull.get("html_url", "")),
        int(pull["number"]),
        pull.get("merge_commit_sha") if state == "merged" else None,
    )


class GitHubForge(_RestForge):
    """GitHub (or GitHub Enterprise) REST API."""

    def __init__(
        self,
        api_url: str,
        token: str,
        project: str,
        main: str = "main",
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        breaker: Breaker | None = None,
    ) -> None:
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        super().__init__(
            ApiClient(api_url, headers, transport=transport, errors=ERRORS, breaker=breaker),
            project,
            main,
        )
        self.owner = project.split("/", 1)[0]

    async def change_for(self, branch: str) -> ChangeInfo:
        """The newest pull request whose head is `branch`."""
        response = await self.api.request(
            "GET", f"/repos/{self.project}/pulls?state=all&head={quote(self.owner)}:{quote(branch)}"
        )
        pulls = _json(response) if response.status_code == 200 else []
        if not pulls:
            return ChangeInfo("none")
        newest = max(pulls, key=lambda p: int(p["number"]))
        return _pull_info(newest, bool(newest.get("merged_at")))

    async def _create(self, branch: str, title: str, body: str) -> ChangeInfo:
        response = await self.api.request(
            "POST",
            f"/repos/{self.project}/pulls",
            {"title": title, "head": branch, "base": self.main, "body": body},
            retry=False,
        )
        return _pull_info(_json(response), merged=False)

    async def _close(self, number: int) -> None:
        await self.api.request(
            "PATCH", f"/repos/{self.project}/pulls/{number}", {"state": "closed"}
        )

    async def check_state(self, sha: str) -> str | None:
        """The ztix/apply commit status of `sha`."""
        response = await self.api.request("GET", f"/repos/{self.project}/commits/{sha}/status")
        if response.status_code != 200:
            return None
        for status in _json(response).get("statuses", []):
            if status.get("context") == CHECK_CONTEXT:
                return str(status.get("state"))
        return None

    async def set_check(self, sha: str, state: CheckState, description: str) -> None:
        """POST a commit status."""
        await self._post_status(
            f"/repos/{self.project}/statuses/{sha}",
            {"state": state, "context": CHECK_CONTEXT, "description": description},
        )


class GitLabForge(_RestForge):
    """GitLab REST API v4."""

    def __init__(
        self,
        api_url: str,
        token: str,
        project: str,
        main: str = "main",
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        breaker: Breaker | None = None,
    ) -> None:
        super().__init__(
            ApiClient(
                api_url,
                {"PRIVATE-TOKEN": token},
                transport=transport,
                errors=ERRORS,
                breaker=breaker,
            ),
            quote(project, safe=""),
            main,
        )

    @staticmethod
    def _info(mr: dict[str, Any]) -> ChangeInfo:
        states: dict[str, State] = {
            "opened": "open",
            "merged": "merged",
            "closed": "closed",
            "locked": "open",
        }
        state = states.get(str(mr.get("state")), "closed")
        return ChangeInfo(
            state,
            str(mr.get("web_url", "")),
            int(mr["iid"]),
            mr.get("merge_commit_sha") if state == "merged" else None,
        )

    async def change_for(self, branch: str) -> ChangeInfo:
        """The newest merge request from `branch`."""
        response = await self.api.request(
            "GET",
            f"/projects/{self.project}/merge_requests?state=all&source_branch={quote(branch)}",
        )
        requests = _json(response) if response.status_code == 200 else []
        if not requests:
            return ChangeInfo("none")
        return self._info(max(requests, key=lambda m: int(m["iid"])))

    async def _create(self, branch: str, title: str, body: str) -> ChangeInfo:
        response = await self.api.request(
            "POST",
            f"/projects/{self.project}/merge_requests",
            {
                "source_branch": branch,
                "target_branch": self.main,
                "title": title,
                "description": body,
                "remove_source_branch": True,
            },
            retry=False,
        )
        return self._info(_json(response))

    async def _close(self, number: int) -> None:
        await self.api.request(
            "PUT",
            f"/projects/{self.project}/merge_requests/{number}",
            {"state_event": "close"},
        )

    async def check_state(self, sha: str) -> str | None:
        """The ztix/apply commit status of `sha` (GitLab names: success, failed, ...)."""
        response = await self.api.request(
            "GET", f"/projects/{self.project}/repository/commits/{sha}/statuses"
        )
        if response.status_code != 200:
            return None
        for status in _json(response):
            if status.get("name") == CHECK_CONTEXT:
                value = str(status.get("status"))
                return "failure" if value == "failed" else value
        return None

    async def set_check(self, sha: str, state: CheckState, description: str) -> None:
        """POST a commit status (GitLab calls failure "failed")."""
        gitlab_state = {"failure": "failed", "pending": "running"}.get(state, state)
        await self._post_status(
            f"/projects/{self.project}/statuses/{sha}",
            {"state": gitlab_state, "name": CHECK_CONTEXT, "description": description},
        )


class GiteaForge(_RestForge):
    """Gitea / Forgejo REST API v1."""

    def __init__(
        self,
        api_url: str,
        token: str,
        project: str,
        main: str = "main",
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        breaker: Breaker | None = None,
    ) -> None:
        super().__init__(
            ApiClient(
                api_url,
                {"Authorization": f"token {token}"},
                transport=transport,
                errors=ERRORS,
                breaker=breaker,
            ),
            project,
            main,
        )

    async def change_for(self, branch: str) -> ChangeInfo:
        """The newest pull request whose head is `branch` (filtered here: Gitea has no filter)."""
        found: list[dict[str, Any]] = []
        for page in range(1, 21):  # bounded: 20 pages of 50
            response = await self.api.request(
                "GET", f"/repos/{self.project}/pulls?state=all&limit=50&page={page}"
            )
            items = _json(response) if response.status_code == 200 else []
            found += [p for p in items if (p.get("head") or {}).get("ref") == branch]
            if len(items) < 50:
                break
        if not found:
            return ChangeInfo("none")
        newest = max(found, key=lambda p: int(p["number"]))
        return _pull_info(newest, bool(newest.get("merged")))

    async def _create(self, branch: str, title: str, body: str) -> ChangeInfo:
        response = await self.api.request(
            "POST",
            f"/repos/{self.project}/pulls",
            {"head": branch, "base": self.main, "title": title, "body": body},
            retry=False,
        )
        return _pull_info(_json(response), merged=False)

    async def _close(self, number: int) -> None:
        await self.api.request(
            "PATCH", f"/repos/{self.project}/pulls/{number}", {"state": "closed"}
        )

    async def check_state(self, sha: str) -> str | None:
        """The ztix/apply commit status of `sha`."""
        response = await self.api.request("GET", f"/repos/{self.project}/commits/{sha}/statuses")
        if response.status_code != 200:
            return None
        for status in _json(response):
            if status.get("context") == CHECK_CONTEXT:
                return str(status.get("status"))
        return None

    async def set_check(self, sha: str, state: CheckState, description: str) -> None:
        """POST a commit status."""
        await self._post_status(
            f"/repos/{self.project}/statuses/{sha}",
            {"state": state, "context": CHECK_CONTEXT, "description": description},
        )


class PlainGitForge:
    """No forge: the pushed branch is the change; admins merge it by hand."""

    def __init__(self, repo_label: str) -> None:
        self.repo_label = repo_label

    async def aclose(self) -> None:
        """Nothing to close."""

    async def open_change(self, branch: str, title: str, body: str) -> ChangeInfo:
        """The branch itself."""
        return ChangeInfo("open", label=f"branch {branch} of {self.repo_label}")

    opens_requests = False

    async def change_for(self, branch: str) -> ChangeInfo:
        """Unknown without a forge: the portal reads the branch from git instead."""
        return ChangeInfo("none")

    async def close_change(self, branch: str) -> None:
        """Nothing to close: deleting the branch withdraws the change."""

    async def check_state(self, sha: str) -> str | None:
        """No commit statuses without a forge."""
        return None

    async def set_check(self, sha: str, state: CheckState, description: str) -> None:
        """Nowhere to report without a forge."""
