"""Single sign-on through allauth's OpenID Connect provider.

No real identity provider can run here, so these tests use an in-process stub: every HTTP
request allauth makes (`requests.Session.request`) is answered by `StubProvider`, which
serves the discovery document, the token endpoint (checking the code, the client secret and
the PKCE verifier) and the userinfo endpoint. The browser's side of the exchange is played by
the test client: it follows the redirect to the provider's authorisation endpoint only as
far as reading its parameters, then comes back to the callback with a code, as a provider
would send it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.conf import settings as django_settings
from django.urls import reverse

from org.models import User
from tests.factories import DepartmentRoleFactory, UserFactory

pytestmark = pytest.mark.django_db

SERVER_URL = "https://idp.example.org/realms/staff"
CLIENT_ID = "pmsystem"
CLIENT_SECRET = "client-secret-from-the-idp"  # noqa: S105
ENVIRONMENT = {
    "OIDC_SERVER_URL": SERVER_URL,
    "OIDC_CLIENT_ID": CLIENT_ID,
    "OIDC_CLIENT_SECRET": CLIENT_SECRET,
    "OIDC_PROVIDER_ID": "staff-sso",
    "OIDC_NAME": "Staff sign-on",
}
# What pmsystem/settings/base.py builds from ENVIRONMENT (test_settings_come_from_the_env).
PROVIDERS = {
    "openid_connect": {
        "APPS": [
            {
                "provider_id": "staff-sso",
                "name": "Staff sign-on",
                "client_id": CLIENT_ID,
                "secret": CLIENT_SECRET,
                "settings": {
                    "server_url": SERVER_URL,
                    "oauth_pkce_enabled": True,
                    "verified_email": False,
                },
            }
        ]
    }
}


def _json_response(url: str, payload: dict, status: int = 200) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.url = url
    response.headers["Content-Type"] = "application/json"
    response._content = json.dumps(payload).encode()
    return response


class StubProvider:
    """An OpenID Connect provider answering allauth's back-channel requests in-process."""

    def __init__(self, claims: dict):
        self.claims = claims
        self.codes: dict[str, str] = {}  # code -> PKCE challenge it was issued for
        self.token_requests: list[dict] = []

    def issue_code(self, challenge: str) -> str:
        code = f"code-{len(self.codes) + 1}"
        self.codes[code] = challenge
        return code

    def answer(self, method: str, url: str, **kwargs) -> requests.Response:
        if method == "GET" and url == f"{SERVER_URL}/.well-known/openid-configuration":
            return _json_response(
                url,
                {
                    "issuer": SERVER_URL,
                    "authorization_endpoint": f"{SERVER_URL}/auth",
                    "token_endpoint": f"{SERVER_URL}/token",
                    "userinfo_endpoint": f"{SERVER_URL}/userinfo",
                    "jwks_uri": f"{SERVER_URL}/certs",
                    "token_endpoint_auth_methods_supported": ["client_secret_post"],
                },
            )
        if method == "POST" and url == f"{SERVER_URL}/token":
            data = kwargs["data"]
            self.token_requests.append(data)
            challenge = self.codes.pop(data.get("code"), None)
            verifier = data.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            if (
                challenge is None
                or data.get("client_secret") != CLIENT_SECRET
                or base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != challenge
            ):
                return _json_response(url, {"error": "invalid_grant"}, status=400)
            id_token = jwt.encode(
                {
                    **self.claims,
                    "iss": SERVER_URL,
                    "aud": CLIENT_ID,
                    "iat": int(time.time()),
                    "exp": int(time.time()) + 300,
                },
                "the-identity-provider's-own-signing-key",
                algorithm="HS256",
            )
            return _json_response(
                url,
                {"access_token": "access-1", "token_type": "Bearer", "id_token": id_token},
            )
        if method == "GET" and url == f"{SERVER_URL}/userinfo":
            assert kwargs["headers"]["Authorization"] == "Bearer access-1"
            return _json_response(url, self.claims)
        raise AssertionError(f"unexpected request to the identity provider: {method} {url}")


@pytest.fixture
def sso(settings):
    settings.SOCIALACCOUNT_PROVIDERS = PROVIDERS


@pytest.fixture
def provider(monkeypatch, sso):
    """The stub provider, with the claims of the person who signs in there (set per test)."""
    stub = StubProvider(claims={})

    def request(session, method, url, **kwargs):
        return stub.answer(method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", request)
    return stub


def sign_in_through_the_provider(client, provider: StubProvider, claims: dict):
    """Start SSO on the login page, 'sign in' at the provider, come back with the code."""
    provider.claims = claims
    response = client.post(reverse("openid_connect_login", kwargs={"provider_id": "staff-sso"}))
    assert response.status_code == 302
    authorise = urlparse(response["Location"])
    assert f"{authorise.scheme}://{authorise.netloc}{authorise.path}" == f"{SERVER_URL}/auth"
    query = {k: v[0] for k, v in parse_qs(authorise.query).items()}
    assert query["client_id"] == CLIENT_ID
    assert set(query["scope"].split()) >= {"openid", "email"}
    assert query["code_challenge_method"] == "S256"
    callback = urlparse(query["redirect_uri"]).path
    assert callback == reverse("openid_connect_callback", kwargs={"provider_id": "staff-sso"})
    code = provider.issue_code(query["code_challenge"])
    return client.get(callback, {"code": code, "state": query["state"]})


def claims_for(email: str, *, verified: bool = True, sub: str = "idp-user-1") -> dict:
    return {"sub": sub, "email": email, "email_verified": verified, "name": "Someone"}


def signed_in_user(client):
    response = client.get(reverse("home"))
    return response.context["user"] if response.status_code == 200 else None


@pytest.mark.subprocess
def test_settings_come_from_the_environment():
    """OIDC_* variables give exactly the provider configuration the other tests use."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_")}
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.SOCIALACCOUNT_PROVIDERS))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, **ENVIRONMENT, "DJANGO_SETTINGS_MODULE": "pmsystem.settings"},
        capture_output=True,
        text=True,
        check=True,
        cwd=django_settings.BASE_DIR,
    )
    assert json.loads(result.stdout) == PROVIDERS
    # Without OIDC_SERVER_URL no provider is configured and the login page offers none.
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, "DJANGO_SETTINGS_MODULE": "pmsystem.settings"},
        capture_output=True,
        text=True,
        check=True,
        cwd=django_settings.BASE_DIR,
    )
    assert json.loads(result.stdout) == {}


def test_the_login_page_offers_the_configured_provider(client, sso):
    page = client.get(reverse("account_login")).content.decode()
    assert "Staff sign-on" in page
    assert reverse("openid_connect_login", kwargs={"provider_id": "staff-sso"}) in page


def test_an_existing_user_is_matched_by_verified_email_and_connected(client, provider):
    user = UserFactory(email="amina.diallo@example.org")
    response = sign_in_through_the_provider(
        client, provider, claims_for("Amina.Diallo@example.org")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in_user(client) == user
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("staff-sso", "idp-user-1")
    # The provider was asked for the token with the client's secret and the PKCE verifier.
    (token_request,) = provider.token_requests
    assert token_request["client_id"] == CLIENT_ID
    assert token_request["code_verifier"]

    # Later sign-ins find the connected account by the provider's subject, even when the
    # provider now reports another address.
    client.post(reverse("account_logout"))
    sign_in_through_the_provider(client, provider, claims_for("a.diallo@example.org"))
    assert signed_in_user(client) == user
    assert User.objects.count() == 1


def test_an_unverified_email_signs_nobody_in(client, provider):
    UserFactory(email="amina.diallo@example.org")
    response = sign_in_through_the_provider(
        client, provider, claims_for("amina.diallo@example.org", verified=False)
    )
    assert signed_in_user(client) is None
    assert not SocialAccount.objects.exists()
    assert User.objects.count() == 1
    assert "Sign Up Closed" in response.content.decode()


def test_an_unknown_person_is_not_signed_up(client, provider):
    response = sign_in_through_the_provider(client, provider, claims_for("stranger@example.org"))
    assert "Sign Up Closed" in response.content.decode()
    assert signed_in_user(client) is None
    assert not User.objects.filter(email="stranger@example.org").exists()
    assert not SocialAccount.objects.exists()


def test_domains_the_provider_owns_count_as_verified(client, provider, settings):
    """Providers that never send `email_verified` (OIDC_VERIFIED_EMAIL_DOMAINS)."""
    user = UserFactory(email="farid.osei@example.org")
    claims = {"sub": "idp-user-2", "email": "farid.osei@example.org"}
    sign_in_through_the_provider(client, provider, claims)
    assert signed_in_user(client) is None

    app = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"][0]
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [{**app, "settings": {**app["settings"], "verified_email": ["example.org"]}}]
        }
    }
    sign_in_through_the_provider(client, provider, claims)
    assert signed_in_user(client) == user


def test_a_refused_code_signs_nobody_in(client, provider):
    provider.claims = claims_for("amina.diallo@example.org")
    UserFactory(email="amina.diallo@example.org")
    response = client.post(reverse("openid_connect_login", kwargs={"provider_id": "staff-sso"}))
    state = parse_qs(urlparse(response["Location"]).query)["state"][0]
    callback = reverse("openid_connect_callback", kwargs={"provider_id": "staff-sso"})
    response = client.get(callback, {"code": "made-up", "state": state})
    assert "Third-Party Login Failure" in response.content.decode()
    assert signed_in_user(client) is None


def test_the_first_sso_sign_in_retires_an_unverified_local_password(client, provider):
    """allauth's protection (README): an address never verified in pmsystem may have been
    typed in by someone else, so once SSO proves who owns it the local password stops
    working; the person signs in through SSO, or sets a new password by email."""
    user = UserFactory(email="amina.diallo@example.org")
    assert user.has_usable_password()
    sign_in_through_the_provider(client, provider, claims_for("amina.diallo@example.org"))
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_sso_does_not_excuse_a_hod_from_setting_up_two_factor(client, provider, mfa_enforced):
    hod = DepartmentRoleFactory(user=UserFactory(email="hod@example.org")).user
    response = sign_in_through_the_provider(client, provider, claims_for("hod@example.org"))
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_index")).context["user"] == hod
