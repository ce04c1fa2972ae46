"""Sign-in: token providers for the Graph and Partner Center clients.

A customer's service health must be read with a token issued by the **customer's** tenant
(``{authority_host}/{customer_tenant_id}``, as GDAP requires), so every provider is asked for a
token per tenant. msal does the protocol work and keeps tokens (and refreshes them); this module
only chooses the authority per tenant, persists the device-code cache safely and turns msal's
failures into :class:`~escalation_kit.errors.AuthError` without secrets.

- :class:`StaticTokenProvider`: the emulator's tokens (``sandbox-{tenant}``).
- :class:`AppOnlyTokenProvider`: client credentials (secret or certificate), one msal
  ``ConfidentialClientApplication`` per customer tenant.
- :class:`DeviceCodeTokenProvider`: a partner technician signs in once (device code, fits
  notebooks); the refresh token in a 0600 cache file is redeemed per customer authority.
"""

from __future__ import annotations

import asyncio
import codecs
import importlib.util
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable
from urllib.request import getproxies

import greenlet
import httpx

from escalation_kit.config import DEFAULT_AUTHORITY_HOST, Settings, default_data_dir
from escalation_kit.errors import AuthError, ConfigError
from escalation_kit.http import RetryPolicy, retry_delay, safe_url
from escalation_kit.redaction import redact, remember_secret
from escalation_kit.transport import PooledClient

if TYPE_CHECKING:
    import msal

__all__ = [
    "GRAPH_SCOPES",
    "PARTNER_CENTER_SCOPES",
    "AppOnlyTokenProvider",
    "DeviceCodeTokenProvider",
    "MsalHttpClient",
    "StaticTokenProvider",
    "TokenProvider",
    "graph_scopes",
    "provider_from_settings",
]

T = TypeVar("T")
GRAPH_SCOPES = ("https://graph.microsoft.com/.default",)
_KEPT_APPS = 1024  # msal applications kept per provider (one per customer tenant)
_EXPIRY_MARGIN_S = 300.0  # a cached token is renewed this long before it expires
PARTNER_CENTER_SCOPES = ("https://api.partnercenter.microsoft.com/user_impersonation",)


def graph_scopes(graph_url: str) -> tuple[str, ...]:
    """The ``.default`` scope of a Graph cloud (``https://graph.microsoft.us`` → its own scope)."""
    return (graph_url.rstrip("/") + "/.default",)


@runtime_checkable
class TokenProvider(Protocol):
    """Anything that returns a bearer token for a tenant and scopes."""

    def get_token(self, tenant_id: str, scopes: Sequence[str]) -> str: ...


class StaticTokenProvider:
    """Tokens of the API emulator: the token for tenant T is ``template.format(tenant=T)``."""

    def __init__(self, template: str = "sandbox-{tenant}") -> None:
        self.template = template

    def get_token(self, tenant_id: str, scopes: Sequence[str]) -> str:
        return self.template.format(tenant=tenant_id)

    def __repr__(self) -> str:
        return f"StaticTokenProvider(template={self.template!r})"


class _SignIn(greenlet.greenlet):
    """msal's synchronous sign-in code, run on the event loop's own thread by
    :meth:`AppOnlyTokenProvider.aget_token`: each HTTP request it makes through
    :class:`MsalHttpClient` suspends it (a switch back to the loop, which awaits the request
    on the pooled async client) until the response is there. No worker thread, no hand-over
    between threads per request (SQLAlchemy's asyncio layer runs its drivers the same way).

    msal holds no lock while it sends a request (checked for msal 1.39: its locks guard
    in-memory caches only), and one tenant signs in once at a time, so two suspended
    sign-ins never wait on each other.
    """

    def __init__(self, run: Callable[[], Any], client: httpx.AsyncClient) -> None:
        super().__init__(run)
        self.client = client


def _await(awaitable: Awaitable[T]) -> T:
    """Inside a :class:`_SignIn`: the result of ``awaitable``, awaited by the event loop."""
    current = greenlet.getcurrent()
    if not isinstance(current, _SignIn) or current.parent is None:
        raise RuntimeError("not inside a sign-in on the event loop")
    result: T = current.parent.switch(awaitable)
    return result


async def _run_sign_in(run: Callable[[], T], client: httpx.AsyncClient) -> T:
    """Run ``run`` (synchronous, msal) on this thread; await what it asks for meanwhile."""
    sign_in = _SignIn(run, client)
    wanted = sign_in.switch()
    while not sign_in.dead:
        try:
            value = await wanted
        except BaseException as exc:  # cancellation too: msal's call unwinds with it
            wanted = sign_in.throw(exc)
        else:
            wanted = sign_in.switch(value)
    result: T = wanted
    return result


class MsalHttpClient:
    """The ``http_client`` msal accepts (``get``/``post``), backed by an ``httpx.Client``.

    Lets tests hand msal an ``httpx.MockTransport`` and keeps one HTTP stack in the toolkit.
    Inside :meth:`AppOnlyTokenProvider.aget_token` (a :class:`_SignIn` on the event loop's
    thread), requests are awaited on the loop's pooled async client and retry delays are
    ``asyncio.sleep``: a sign-in's HTTP costs what the fan-out's own requests cost.
    ``redirect`` maps an origin to another (``{"https://login.microsoftonline.com":
    "http://127.0.0.1:8765"}``): msal insists on https authorities, the emulator is plain
    loopback HTTP. ``connections`` sizes the pool for concurrent sign-ins.
    """

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        timeout: float = 30.0,
        redirect: Mapping[str, str] | None = None,
        connections: int = 16,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._owns_client = client is None
        self._client = client
        self._timeout = timeout
        self._connections = connections
        self._client_lock = threading.Lock()
        self._redirect = {k.rstrip("/"): v.rstrip("/") for k, v in (redirect or {}).items()}
        self.policy = policy or RetryPolicy()

    @property
    def owns_client(self) -> bool:
        """True when no client was handed in: requests may then go through the event loop."""
        return self._owns_client

    @property
    def client(self) -> httpx.Client:
        """The blocking client, made on first use: inside :meth:`AppOnlyTokenProvider.aget_token`
        requests go through the event loop's pooled client and this one is never needed (making
        it loads the TLS roots, ~40 ms)."""
        with self._client_lock:
            if self._client is None:
                limits = httpx.Limits(
                    max_connections=self._connections, max_keepalive_connections=self._connections
                )
                self._client = httpx.Client(timeout=self._timeout, limits=limits)
            return self._client

    def _send(self, method: str, url: str, **kwargs: Any) -> _MsalResponse:
        """Send, retrying 429 and 5xx as the HTTP layer does (``Retry-After`` honoured); a
        throttled or failing identity platform after the retries is an :class:`AuthError`."""
        attempt = 0
        current = greenlet.getcurrent()
        on_loop = isinstance(current, _SignIn) and self._owns_client
        while True:
            if on_loop:
                pooled = current.client
                response = _await(pooled.request(method, self._url(url), **kwargs))
            else:
                response = self.client.request(method, self._url(url), **kwargs)
            status = response.status_code
            if status not in self.policy.retry_statuses:
                return _MsalResponse(response)
            if attempt >= self.policy.max_retries:
                tries = attempt + 1
                raise AuthError(
                    f"sign-in failed: the identity platform answered HTTP {status} at "
                    f"{safe_url(response.request.url)} after {tries} attempt{'s' * (tries > 1)}"
                )
            delay = retry_delay(response, attempt, self.policy)
            if on_loop:
                _await(asyncio.sleep(delay))  # the other tenants' work goes on meanwhile
            else:
                time.sleep(delay)
            attempt += 1

    def _url(self, url: str) -> str:
        for origin, target in self._redirect.items():
            if url == origin or url.startswith(origin + "/"):
                return target + url[len(origin) :]
        return url

    def get(
        self, url: str, params: Any = None, headers: Any = None, **kwargs: Any
    ) -> _MsalResponse:
        return self._send("GET", url, params=params, headers=_headers(headers), **_timeout(kwargs))

    def post(
        self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kwargs: Any
    ) -> _MsalResponse:
        return self._send(
            "POST", url, params=params, data=data, headers=_headers(headers), **_timeout(kwargs)
        )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


class _MsalResponse:
    """A response as msal reads it (its documented minimal interface: ``status_code``,
    ``text``, ``headers``), decoded once.

    msal copies ``text`` and every header of each response; an ``httpx.Response`` works out
    its charset by parsing ``Content-Type`` with the ``email`` package on each ``text`` (some
    6% of a sign-in's CPU in a profile). The identity platform answers JSON, which is UTF-8
    (RFC 8259); a declared charset is still honoured.
    """

    __slots__ = ("_response", "headers", "status_code", "text")

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self.status_code = response.status_code
        self.headers = dict(response.headers.items())
        self.text = response.content.decode(_charset(self.headers), "replace")

    def raise_for_status(self) -> None:
        self._response.raise_for_status()


def _charset(headers: Mapping[str, str]) -> str:
    """The ``charset`` parameter of ``Content-Type`` if Python knows it, else UTF-8."""
    content_type = headers.get("content-type", "")
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"') or "utf-8"
            try:
                return codecs.lookup(charset).name
            except LookupError:
                return "utf-8"
    return "utf-8"


def _headers(headers: Mapping[str, Any] | None) -> dict[str, str]:
    return {k: str(v) for k, v in (headers or {}).items() if v is not None}


def _timeout(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {"timeout": kwargs["timeout"]} if kwargs.get("timeout") is not None else {}


def _authority(host: str, tenant_id: str) -> str:
    tenant = tenant_id.strip()
    if not tenant or "/" in tenant:
        raise AuthError(f"not a tenant id: {tenant_id!r}")
    return f"{host.rstrip('/')}/{tenant}"


def _token_from(
    result: Mapping[str, Any] | None, tenant_id: str, *, secrets: Sequence[str] = ()
) -> str:
    """The access token of an msal result, or AuthError with msal's error (no secrets)."""
    if result and result.get("access_token"):
        for name in ("access_token", "refresh_token", "id_token"):
            remember_secret(str(result.get(name) or ""))  # masked if a server echoes it
        return str(result["access_token"])
    if not result:
        raise AuthError(f"sign-in for tenant {tenant_id} returned no token")
    error = result.get("error", "unknown_error")
    description = str(result.get("error_description") or "").splitlines()
    first = description[0] if description else "no description"
    hint = ""
    if error in ("invalid_client", "unauthorized_client"):
        hint = " (check the app's client id and secret/certificate, and consent in that tenant)"
    message = redact(f"sign-in for tenant {tenant_id} failed: {error}: {first}{hint}")
    for secret in secrets:
        message = message.replace(secret, "***") if secret else message
    raise AuthError(message)


def _call_msal(tenant_id: str, action: Callable[[], Any]) -> Any:
    """Run an msal call, turning network and configuration failures into AuthError."""
    try:
        return action()
    except AuthError:
        raise
    except httpx.HTTPError as exc:
        raise AuthError(
            f"sign-in for tenant {tenant_id} could not reach the identity platform: "
            f"{type(exc).__name__}: {redact(str(exc))}"
        ) from exc
    except (ValueError, KeyError, OSError) as exc:
        raise AuthError(
            f"sign-in for tenant {tenant_id} failed: {type(exc).__name__}: {redact(str(exc))}"
        ) from exc


@dataclass(slots=True)
class _LoopSignIns:
    """Sign-ins on one event loop: the pooled client their requests go through, a bound on
    how many run at once, and those in flight (a tenant's second caller waits for the first)."""

    pooled: httpx.AsyncClient
    slots: asyncio.Semaphore
    in_flight: dict[tuple[str, tuple[str, ...]], asyncio.Task[str]] = field(default_factory=dict)


class _PerTenantApps:
    """One msal application per customer authority, created on first use (thread-safe).

    Creating one reads the tenant's OpenID configuration over the network, so creation runs
    outside the lock (tenants sign in concurrently). With ``keep``, only the most recently used
    applications are kept (a fleet of 10,000 tenants must not keep 10,000 msal applications).
    """

    def __init__(self, factory: Callable[[str], Any], *, keep: int | None = None) -> None:
        self._factory = factory
        self._apps: OrderedDict[str, Any] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()

    def get(self, authority: str) -> Any:
        with self._lock:
            app = self._apps.get(authority)
            if app is not None:
                self._apps.move_to_end(authority)
                return app
        created = self._factory(authority)
        with self._lock:
            app = self._apps.setdefault(authority, created)
            while self._keep is not None and len(self._apps) > self._keep:
                self._apps.popitem(last=False)
            return app


class AppOnlyTokenProvider:
    """Client-credentials tokens issued by each customer tenant (secret or certificate)."""

    def __init__(
        self,
        client_id: str,
        *,
        client_secret: str | None = None,
        certificate_pem: str | None = None,
        certificate_thumbprint: str | None = None,
        authority_host: str = DEFAULT_AUTHORITY_HOST,
        http_client: Any = None,
        identity_url: str | None = None,
        max_concurrent: int = 16,
        policy: RetryPolicy | None = None,
    ) -> None:
        if not client_id:
            raise ConfigError("app-only sign-in needs a client id (ESCALATION_KIT_CLIENT_ID)")
        if bool(client_secret) == bool(certificate_pem):
            raise ConfigError(
                "app-only sign-in needs exactly one of a client secret or a certificate"
            )
        if certificate_pem and not certificate_thumbprint:
            raise ConfigError(
                "a certificate needs its thumbprint (ESCALATION_KIT_CERTIFICATE_THUMBPRINT)"
            )
        if certificate_pem:
            _checked_private_key(certificate_pem.encode("utf-8", "replace"), "the certificate")
        remember_secret(client_secret)
        self.client_id = client_id
        self.authority_host = authority_host
        self._credential: str | dict[str, str] = client_secret or {
            "private_key": certificate_pem or "",
            "thumbprint": certificate_thumbprint or "",
        }
        if http_client is None:
            redirect = {authority_host: identity_url} if identity_url is not None else None
            http_client = MsalHttpClient(
                redirect=redirect, connections=max_concurrent, policy=policy
            )
        self._http_client = http_client
        self._apps = _PerTenantApps(self._new_app, keep=_KEPT_APPS)
        self._tokens: dict[tuple[str, tuple[str, ...]], tuple[str, float]] = {}
        self._max_concurrent = max_concurrent
        # per event loop: its pooled client, a bound on sign-ins at once, sign-ins in flight
        self._async: tuple[asyncio.AbstractEventLoop, _LoopSignIns] | None = None

    def _new_app(self, authority: str) -> msal.ConfidentialClientApplication:
        import msal

        _skip_msal_extensions_probe()
        return msal.ConfidentialClientApplication(
            self.client_id,
            client_credential=self._credential,
            authority=authority,
            http_client=self._http_client,
        )

    def get_token(self, tenant_id: str, scopes: Sequence[str]) -> str:
        """A token from ``tenant_id``'s authority, kept per tenant until it nears expiry."""
        key = (tenant_id, tuple(scopes))
        cached = self._tokens.get(key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        authority = _authority(self.authority_host, tenant_id)

        def acquire() -> Any:
            app = self._apps.get(authority)
            return app.acquire_token_for_client(scopes=list(scopes))

        secrets = [self._credential] if isinstance(self._credential, str) else []
        result = _call_msal(tenant_id, acquire)
        token = _token_from(result, tenant_id, secrets=secrets)
        lifetime = _lifetime(result)
        self._tokens[key] = (token, time.monotonic() + lifetime - _EXPIRY_MARGIN_S)
        return token

    async def aget_token(self, tenant_id: str, scopes: Sequence[str]) -> str:
        """:meth:`get_token` for asyncio: a cached token at once, else msal's sign-in on the
        event loop's thread (:class:`_SignIn`: its requests go through the loop's pooled
        client), at most ``max_concurrent`` at a time, one per tenant and scopes at a time,
        while other tenants' fetches go on. An ``http_client`` of the caller's own runs in a
        worker thread instead."""
        key = (tenant_id, tuple(scopes))
        cached = self._tokens.get(key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        loop = asyncio.get_running_loop()
        state = self._loop_state(loop)
        running = state.in_flight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        task = loop.create_task(self._sign_in(state, tenant_id, scopes))
        state.in_flight[key] = task
        task.add_done_callback(lambda _: state.in_flight.pop(key, None))
        return await asyncio.shield(task)

    async def _sign_in(self, state: _LoopSignIns, tenant_id: str, scopes: Sequence[str]) -> str:
        async with state.slots:
            client = self._http_client
            if isinstance(client, MsalHttpClient) and client.owns_client:
                return await _run_sign_in(lambda: self.get_token(tenant_id, scopes), state.pooled)
            return await asyncio.to_thread(self.get_token, tenant_id, scopes)

    def _loop_state(self, loop: asyncio.AbstractEventLoop) -> _LoopSignIns:
        """The pooled client and limits of ``loop`` (a new loop, e.g. the next sync, gets new
        ones)."""
        if self._async is None or self._async[0] is not loop:
            if getproxies():
                limits = httpx.Limits(
                    max_connections=self._max_concurrent,
                    max_keepalive_connections=self._max_concurrent,
                )
                pooled: httpx.AsyncClient = httpx.AsyncClient(timeout=30.0, limits=limits)
            else:
                pooled = PooledClient(self._max_concurrent, timeout=30.0)
            self._async = (loop, _LoopSignIns(pooled, asyncio.Semaphore(self._max_concurrent)))
        return self._async[1]

    def __repr__(self) -> str:
        kind = "secret" if isinstance(self._credential, str) else "certificate"
        return (
            f"AppOnlyTokenProvider(client_id={self.client_id!r}, credential=<{kind}>, "
            f"authority_host={self.authority_host!r})"
        )


def _skip_msal_extensions_probe() -> None:
    """msal tries ``import msal_extensions`` (optional) on every application it creates; when it
    is not installed, each try searches the whole path again (0.3 ms per tenant). Record the
    absence once, as Python's import system itself would for a failed import."""
    if "msal_extensions" not in sys.modules and importlib.util.find_spec("msal_extensions") is None:
        sys.modules["msal_extensions"] = None  # type: ignore[assignment]


def _lifetime(result: Mapping[str, Any]) -> float:
    """Seconds the token is valid (``expires_in`` is a number in v2, text in v1 responses)."""
    try:
        return float(result.get("expires_in") or 0)
    except (TypeError, ValueError):
        return 0.0


def _print_prompt(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class DeviceCodeTokenProvider:
    """Delegated tokens: one device-code sign-in, then the cached refresh token per tenant.

    The msal cache is persisted to ``cache_path`` with 0600 permissions. With ``interactive=False``
    a missing sign-in is an AuthError instead of a device-code prompt (for unattended runs).
    """

    def __init__(
        self,
        client_id: str,
        *,
        cache_path: str | os.PathLike[str] | None = None,
        prompt: Callable[[str], None] = _print_prompt,
        authority_host: str = DEFAULT_AUTHORITY_HOST,
        home_tenant: str = "organizations",
        username: str | None = None,
        interactive: bool = True,
        http_client: Any = None,
    ) -> None:
        if not client_id:
            raise ConfigError("sign-in needs a client id (ESCALATION_KIT_CLIENT_ID)")
        import msal

        self.client_id = client_id
        self.authority_host = authority_host
        self.home_tenant = home_tenant
        self.username = username
        self.interactive = interactive
        self.cache_path = Path(cache_path) if cache_path else default_data_dir() / "msal_cache.json"
        self._prompt = prompt
        self._http_client = http_client
        self._cache = msal.SerializableTokenCache()
        self._cache_lock = threading.Lock()
        self._sign_in_lock = threading.Lock()
        self._load_cache()
        self._apps = _PerTenantApps(self._new_app)

    def _new_app(self, authority: str) -> msal.PublicClientApplication:
        import msal

        return msal.PublicClientApplication(
            self.client_id,
            authority=authority,
            token_cache=self._cache,
            http_client=self._http_client,
        )

    def _load_cache(self) -> None:
        try:
            text = self.cache_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise AuthError(
                f"cannot read the token cache {self.cache_path}: {exc.strerror}"
            ) from exc
        try:
            self._cache.deserialize(text)
        except ValueError as exc:
            raise AuthError(
                f"the token cache {self.cache_path} is corrupt; delete it and sign in again"
            ) from exc

    def _save_cache(self) -> None:
        """Write the cache if it changed: a 0600 temporary file renamed into place."""
        with self._cache_lock:
            if not self._cache.has_state_changed:
                return
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.cache_path.with_name(f".{self.cache_path.name}.tmp")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                os.fchmod(handle.fileno(), 0o600)
                handle.write(self._cache.serialize())
            os.replace(temporary, self.cache_path)
            self._cache.has_state_changed = False

    def get_token(self, tenant_id: str, scopes: Sequence[str]) -> str:
        """A delegated token from ``tenant_id``'s authority: silently if possible, else sign in.

        The device-code sign-in happens once, at the partner's home authority; the refresh token
        it leaves in the cache is then redeemed at each customer's authority.
        """
        try:
            result = self._silent(tenant_id, scopes)
            if not (result and result.get("access_token")):
                result = self._sign_in(tenant_id, scopes)
            return _token_from(result, tenant_id)
        finally:
            self._save_cache()

    def _sign_in(self, tenant_id: str, scopes: Sequence[str]) -> Mapping[str, Any] | None:
        """One device-code sign-in at a time: a fan-out over many tenants prompts only once."""
        if not self.interactive:
            raise AuthError(
                f"no cached sign-in can get a token for tenant {tenant_id}; "
                "sign in interactively first (device code)"
            )
        with self._sign_in_lock:
            result = self._silent(tenant_id, scopes)  # another thread may have signed in
            if result and result.get("access_token"):
                return result
            signed_in = _call_msal(tenant_id, lambda: self._device_flow(scopes))
            _token_from(signed_in, self.home_tenant)
            if tenant_id == self.home_tenant:
                return signed_in
            return self._silent(tenant_id, scopes)

    def _app(self, tenant: str) -> msal.PublicClientApplication:
        authority = _authority(self.authority_host, tenant)
        return _call_msal(tenant, lambda: self._apps.get(authority))

    def _silent(self, tenant_id: str, scopes: Sequence[str]) -> Mapping[str, Any] | None:
        """msal's silent result at the tenant's authority (a token, an error dict or None)."""
        app = self._app(tenant_id)

        def attempt() -> Mapping[str, Any] | None:
            found = (
                app.get_accounts(username=self.username) if self.username else app.get_accounts()
            )
            result = None
            for account in found:
                result = app.acquire_token_silent_with_error(list(scopes), account=account)
                if result and result.get("access_token"):
                    return result
            return result

        return _call_msal(tenant_id, attempt)

    def _device_flow(self, scopes: Sequence[str]) -> Any:
        app = self._app(self.home_tenant)
        flow = app.initiate_device_flow(scopes=list(scopes))
        if "user_code" not in flow:
            return flow  # msal's error dict, turned into AuthError by the caller
        self._prompt(str(flow.get("message") or f"Enter code {flow['user_code']}"))
        return app.acquire_token_by_device_flow(flow)

    def __repr__(self) -> str:
        return (
            f"DeviceCodeTokenProvider(client_id={self.client_id!r}, "
            f"cache_path={str(self.cache_path)!r}, authority_host={self.authority_host!r})"
        )


def provider_from_settings(
    settings: Settings, *, sandbox: bool, prompt: Callable[[str], None] = _print_prompt
) -> TokenProvider:
    """The token provider the settings call for.

    ``sandbox`` → emulator tokens; a client secret or certificate → app-only; otherwise a
    device-code sign-in with the persisted cache (``ESCALATION_KIT_TOKEN_CACHE``).
    """
    if sandbox:
        return StaticTokenProvider()
    if not settings.client_id:
        raise ConfigError(
            "set ESCALATION_KIT_CLIENT_ID (and a client secret or certificate for app-only "
            "sign-in), or use --sandbox URL to work against the emulator"
        )
    if settings.client_secret or settings.certificate_path:
        return AppOnlyTokenProvider(
            settings.client_id,
            client_secret=settings.client_secret or None,
            certificate_pem=_read_certificate(settings.certificate_path),
            certificate_thumbprint=settings.certificate_thumbprint or None,
            authority_host=settings.authority_host,
            max_concurrent=settings.concurrency,  # a fan-out signs in as widely as it fetches
            policy=RetryPolicy(max_retries=settings.max_retries),
        )
    return DeviceCodeTokenProvider(
        settings.client_id,
        cache_path=settings.token_cache or None,
        prompt=prompt,
        authority_host=settings.authority_host,
        home_tenant=settings.partner_tenant_id or "organizations",
    )


def _read_certificate(path: str) -> str | None:
    """The PEM text of the certificate file, checked to hold an unencrypted private key.

    Checked here, so that a wrong file is a clean error naming it instead of a failure deep
    inside msal when it signs the first assertion.
    """
    if not path:
        return None
    where = f"ESCALATION_KIT_CERTIFICATE_PATH: {path}"
    try:
        pem = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read it: {exc.strerror or exc}") from exc
    return _checked_private_key(pem, where)


def _checked_private_key(pem: bytes, where: str) -> str:
    """``pem`` as text when it holds an unencrypted private key, else ConfigError naming it."""
    # cryptography comes with msal; imported only when a certificate is configured.
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        load_pem_private_key(pem, password=None)
        text = pem.decode("ascii")
    except TypeError as exc:  # a password-protected key
        raise ConfigError(
            f"{where}: the private key is encrypted; export it without a password (PEM)"
        ) from exc
    except (ValueError, UnsupportedAlgorithm) as exc:  # UnicodeDecodeError is a ValueError
        raise ConfigError(
            f"{where}: not a PEM file with the certificate's private key "
            "(-----BEGIN PRIVATE KEY-----); convert a .pfx with openssl pkcs12 -nodes"
        ) from exc
    return text
