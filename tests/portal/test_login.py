"""Login with the conformant OpenID provider, and the attacks that must fail."""

from __future__ import annotations

import time

from joserfc.jwk import RSAKey

from tests.portal.conftest import BASE, CLIENT_ID, Portal, query, resign


def test_login_shows_networks_and_who_may_act(portal: Portal) -> None:
    authorize = portal.start_login()
    params = query(authorize)
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) >= 43
    assert params["state"] and params["nonce"]
    assert params["scope"] == "openid profile email networks"
    portal.login("alex")
    page = portal.client.get("/").text
    assert "Alex Example" in page
    assert '<a href="/asn/64502">Peer Three</a>' in page
    assert "you have read-only access to this network at PeeringDB" in page  # AS64509, perms 1


def test_state_mismatch_is_refused(portal: Portal) -> None:
    callback = portal.authorize("alex")
    forged = callback.replace(f"state={query(callback)['state']}", "state=forged-state")
    response = portal.client.get(forged.removeprefix(BASE))
    assert response.status_code == 400 and "Login expired" in response.text
    assert "CSRF" not in response.text and "Mismatching" not in response.text
    assert "Alex" not in portal.client.get("/").text


def test_a_callback_with_a_valid_state_and_no_code_is_refused_not_a_crash(
    portal: Portal,
) -> None:
    callback = portal.authorize("alex")
    response = portal.client.get(f"/auth/callback?state={query(callback)['state']}")
    assert response.status_code == 400 and "no authorization code" in response.text
    assert "Alex" not in portal.client.get("/").text


def test_a_replayed_code_is_refused(portal: Portal) -> None:
    first = portal.authorize("alex")
    assert portal.client.get(first.removeprefix(BASE), follow_redirects=False).status_code == 303
    portal.client.cookies.clear()
    second = portal.authorize("alex")  # a new login: new state, nonce, PKCE verifier
    replay = second.replace(f"code={query(second)['code']}", f"code={query(first)['code']}")
    response = portal.client.get(replay.removeprefix(BASE))
    assert response.status_code == 400 and "invalid_grant" in response.text


def _tampered(portal: Portal, **changes: object) -> str:
    portal.tamper.rewrite = lambda token: resign(portal.op.key, token, **changes)
    response = portal.client.get(portal.authorize("alex").removeprefix(BASE))
    portal.tamper.rewrite = None
    assert response.status_code == 400, response.text
    assert "Alex" not in portal.client.get("/").text
    return str(response.text)


def test_wrong_nonce_is_refused(portal: Portal) -> None:
    assert "nonce" in _tampered(portal, nonce="an-old-nonce")


def test_wrong_issuer_is_refused(portal: Portal) -> None:
    assert "iss" in _tampered(portal, iss="https://evil.example/oauth2")


def test_wrong_audience_is_refused(portal: Portal) -> None:
    text = _tampered(portal, aud="another-client")
    assert "Login failed" in text and ("aud" in text or "azp" in text)


def test_a_token_for_another_client_is_refused_even_with_our_azp(portal: Portal) -> None:
    # azp names us, aud does not: the token was issued to another client (issue 15).
    text = _tampered(portal, aud="another-client", azp=CLIENT_ID)
    assert "Login failed" in text and "aud" in text


def test_several_audiences_need_our_azp(portal: Portal) -> None:
    text = _tampered(portal, aud=["another-client", CLIENT_ID])  # and no azp
    assert "Login failed" in text and "azp" in text
    text = _tampered(portal, aud=["another-client", CLIENT_ID], azp="another-client")
    assert "Login failed" in text and "azp" in text


def test_several_audiences_with_our_azp_log_in(portal: Portal) -> None:
    portal.tamper.rewrite = lambda token: resign(
        portal.op.key, token, aud=["another-client", CLIENT_ID], azp=CLIENT_ID
    )
    response = portal.client.get(
        portal.authorize("alex").removeprefix(BASE), follow_redirects=False
    )
    portal.tamper.rewrite = None
    assert response.status_code == 303, response.text
    assert "Alex" in portal.client.get("/").text


def test_an_expired_id_token_is_refused(portal: Portal) -> None:
    past = int(time.time()) - 3600
    assert "ExpiredTokenError" in _tampered(portal, exp=past, iat=past - 60)


def test_a_badly_signed_id_token_is_refused(portal: Portal) -> None:
    attacker = RSAKey.generate_key(2048, parameters={"kid": "op-key-1"})
    portal.tamper.rewrite = lambda token: resign(attacker, token, name="Mallory")
    response = portal.client.get(portal.authorize("alex").removeprefix(BASE))
    portal.tamper.rewrite = None
    assert response.status_code == 400 and "Login failed" in response.text


def test_logout_needs_csrf_and_clears_the_session(portal: Portal) -> None:
    portal.login("alex")
    assert portal.client.post("/logout", data={}).status_code == 403
    csrf = portal.csrf()
    assert (
        portal.client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code
        == 303
    )
    assert "Log in with PeeringDB" in portal.client.get("/").text


def test_session_cookie_flags(portal: Portal) -> None:
    response = portal.client.get("/login", follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_many_networks_keep_the_cookie_small(portal: Portal) -> None:
    from tests.portal.op import USERS  # noqa: PLC0415

    networks = [
        {
            "id": 100000 + i,
            "name": f"Subsidiary Network Number {i}",
            "asn": 4200000000 + i,
            "perms": 1,
        }
        for i in range(300)
    ]
    portal.op.set_users({**USERS, "bigorg": {**USERS["alex"], "networks": networks}})
    try:
        portal.login("bigorg")
    finally:
        portal.op.set_users(USERS)
    cookie = portal.client.cookies.get("ztix_session")
    assert cookie is not None and len(cookie) < 1000  # browsers drop cookies over 4 KiB
    page = portal.client.get("/").text
    assert page.count("you have read-only access") == 300


def test_logout_forgets_the_login_on_the_server(portal: Portal) -> None:
    portal.login("alex")
    stolen = dict(portal.client.cookies)
    portal.client.post("/logout", data={"csrf": portal.csrf()})
    portal.client.cookies.clear()
    for name, value in stolen.items():
        portal.client.cookies.set(name, value)
    # The old cookie is still validly signed, but the login it pointed to is gone.
    assert "Log in with PeeringDB" in portal.client.get("/").text
    assert portal.client.get("/asn/64502").status_code == 401


def _cookie_payload(portal: Portal) -> dict[str, object]:
    import base64  # noqa: PLC0415
    import json  # noqa: PLC0415

    value = portal.client.cookies["ztix_session"]
    data = value.split(".")[0]  # itsdangerous: payload.timestamp.signature
    return dict(json.loads(base64.b64decode(data + "=" * (-len(data) % 4))))


def test_the_pre_login_cookie_holds_no_verifier_or_nonce(portal: Portal) -> None:
    authorize = portal.start_login()
    payload = _cookie_payload(portal)
    text = str(payload)
    params = query(authorize)
    assert params["nonce"] not in text and "code_verifier" not in text and "nonce" not in text
    assert set(payload) == {f"_state_peeringdb_{params['state']}"}  # a marker with its expiry
    portal.login("alex")
    assert set(_cookie_payload(portal)) == {"sid", "csrf"}


def test_every_page_has_the_security_headers(portal: Portal) -> None:
    pages = [portal.client.get("/")]
    portal.login("alex")
    pages += [portal.client.get("/"), portal.client.get("/asn/64502")]
    pages.append(portal.client.get("/asn/1"))  # an error page
    for response in pages:
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "default-src 'none'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"
        assert headers["x-content-type-options"] == "nosniff"
