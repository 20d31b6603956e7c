"""A small read-only client of the Apache Fineract (Mifos X) REST API.

``base_url`` is the API root, e.g. ``https://mifos.example.org:8443/fineract-provider/api/v1``.
Every request is a GET with HTTP Basic auth and the ``Fineract-Platform-TenantId`` header.
Connection errors, timeouts and 502/503/504 are retried ``retries`` times, waiting ``backoff``
seconds, then twice that, and so on; 400, 401, 403 and 404 are answers, never retried.

Errors are exceptions with a one-line message that names the endpoint, never the password
nor a phone number:
- :class:`FineractUnavailable`: unreachable, timed out, 5xx (after the retries), or a body that
  is not the JSON shape expected;
- :class:`FineractRefused`: 401/403 (the credentials) or 400 (with Fineract's
  ``defaultUserMessage`` and the ``parameterName`` of each error of its envelope);
- :class:`FineractNotFound`: 404.

Finding a client by mobile number uses ``GET /search?query=...&resource=clients``, the search
the API documents (apiLive ``#search``): it matches the client's account number, name,
external id and mobile number with ``LIKE``, so it is asked for the national number (no
country code, no leading 0) with ``exactMatch=false``, and the answers are kept only where
their ``entityMobileNo`` is the same number in E.164. ``GET /clients?sqlSearch=`` is deprecated
and refused by current servers. A client by external id uses ``GET /clients?externalId=``
(a ``LIKE`` filter too, so only an exact match is kept), which old and new servers accept.

Numbers in bodies are parsed as ``Decimal`` (never float), ready for ``bot.fineract.mapping``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import httpx
import phonenumbers

from bot.fineract.mapping import FineractDataError, e164

logger = logging.getLogger(__name__)

TENANT_HEADER = "Fineract-Platform-TenantId"
LOAN_ASSOCIATIONS = "repaymentSchedule,transactions,charges"
_RETRIED_STATUSES = frozenset({502, 503, 504})


class FineractError(Exception):
    """Fineract could not give an answer; the message is one line, safe to log."""


class FineractUnavailable(FineractError):
    """Unreachable, timed out, failing (5xx), or answering something that is not its API."""


class FineractRefused(FineractError):
    """Fineract refused the request: bad credentials (401/403) or a bad request (400)."""

    def __init__(
        self,
        message: str,
        status: int,
        user_message: str | None = None,
        parameters: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.user_message = user_message
        self.parameters = parameters


class FineractNotFound(FineractError):
    """No such resource (404)."""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _refusal(path: str, response: httpx.Response) -> FineractRefused:
    status = response.status_code
    user_message: str | None = None
    parameters: tuple[str, ...] = ()
    try:
        envelope = json.loads(response.content)
    except ValueError:
        envelope = None
    if isinstance(envelope, Mapping):
        if isinstance(envelope.get("defaultUserMessage"), str):
            user_message = _one_line(envelope["defaultUserMessage"])
        errors = envelope.get("errors")
        if isinstance(errors, list):
            parameters = tuple(
                str(error["parameterName"])
                for error in errors
                if isinstance(error, Mapping) and error.get("parameterName")
            )
    if status in (401, 403):
        what = "the credentials were refused" if status == 401 else "the user may not do this"
    else:
        what = "the request was refused"
    message = f"Fineract {path}: HTTP {status}, {what}"
    if user_message:
        message += f": {user_message}"
    if parameters:
        message += f" (parameters: {', '.join(parameters)})"
    return FineractRefused(message, status, user_message, parameters)


class FineractClient:
    """GET requests to one Fineract tenant; see the module. Close it (or use ``with``)."""

    def __init__(
        self,
        base_url: str,
        tenant: str,
        username: str,
        password: str,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            auth=httpx.BasicAuth(username, password),
            headers={TENANT_HEADER: tenant, "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )

    def __enter__(self) -> FineractClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- the requests ---------------------------------------------------------------------

    def _get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """The parsed JSON body of ``GET path``; ``path`` (never its parameters) names it in
        messages, so search terms stay out of logs."""
        attempts = self.retries + 1
        problem = ""
        for attempt in range(1, attempts + 1):
            try:
                response = self._http.get(path, params=params)
            except httpx.TimeoutException:
                problem = "timed out"
            except httpx.TransportError as exc:
                problem = f"unreachable ({type(exc).__name__})"
            else:
                status = response.status_code
                if status in _RETRIED_STATUSES:
                    problem = f"HTTP {status}"
                elif status in (400, 401, 403):
                    raise _refusal(path, response)
                elif status == 404:
                    raise FineractNotFound(f"Fineract {path}: not found")
                elif status >= 500:
                    raise FineractUnavailable(f"Fineract {path}: HTTP {status}")
                elif not 200 <= status < 300:
                    raise FineractRefused(f"Fineract {path}: HTTP {status}", status)
                else:
                    return self._parse(path, response)
            if attempt < attempts:
                wait = self.backoff * 2 ** (attempt - 1)
                logger.warning(
                    "Fineract %s: %s (attempt %d of %d), retrying in %.2f s",
                    path,
                    problem,
                    attempt,
                    attempts,
                    wait,
                )
                self._sleep(wait)
        raise FineractUnavailable(f"Fineract {path}: {problem} after {attempts} attempts")

    @staticmethod
    def _parse(path: str, response: httpx.Response) -> Any:
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError:
            raise FineractUnavailable(f"Fineract {path}: the body is not JSON") from None

    def _object(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        body = self._get(path, params)
        if not isinstance(body, dict):
            raise FineractUnavailable(f"Fineract {path}: expected a JSON object")
        return body

    # --- clients --------------------------------------------------------------------------

    def find_clients_by_mobile(self, phone: str) -> list[dict[str, Any]]:
        """The clients whose mobile number is ``phone`` (E.164), each as ``GET /clients/{id}``."""
        try:
            number = phonenumbers.parse(phone, None)
        except phonenumbers.NumberParseException:
            raise ValueError("not an E.164 phone number") from None
        wanted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        region = phonenumbers.region_code_for_number(number)
        found = self._get(
            "search",
            {"query": str(number.national_number), "resource": "clients", "exactMatch": "false"},
        )
        if not isinstance(found, list):
            raise FineractUnavailable("Fineract search: expected a JSON list")
        ids: list[int] = []
        for hit in found:
            if not isinstance(hit, Mapping) or hit.get("entityType") not in ("CLIENT", None):
                continue
            mobile, entity = hit.get("entityMobileNo"), hit.get("entityId")
            if not isinstance(mobile, str) or not isinstance(entity, int):
                continue
            try:
                same = e164(mobile, default_region=region) == wanted
            except FineractDataError:
                same = False
            if same and entity not in ids:
                ids.append(entity)
        return [self.client(client_id) for client_id in ids]

    def client(self, client_id: int) -> dict[str, Any]:
        return self._object(f"clients/{int(client_id)}")

    def client_by_external_id(self, external_id: str) -> dict[str, Any] | None:
        """The client with exactly this external id, or None."""
        page = self._object("clients", {"externalId": external_id})
        items = page.get("pageItems")
        if not isinstance(items, list):
            raise FineractUnavailable("Fineract clients: expected pageItems")
        exact = [c for c in items if isinstance(c, dict) and c.get("externalId") == external_id]
        if len(exact) > 1:
            raise FineractUnavailable("Fineract clients: external id not unique")
        return exact[0] if exact else None

    def client_count(self) -> int:
        """How many clients this user can see (``totalFilteredRecords`` of ``GET /clients``)."""
        page = self._object("clients", {"limit": "1"})
        total = page.get("totalFilteredRecords")
        if not isinstance(total, int):
            raise FineractUnavailable("Fineract clients: expected totalFilteredRecords")
        return total

    def loans_page(self, offset: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        """``GET /loans`` one page at a time: (the total, this page's loans)."""
        page = self._object("loans", {"offset": str(offset), "limit": str(limit)})
        total, items = page.get("totalFilteredRecords"), page.get("pageItems")
        if not isinstance(total, int) or not isinstance(items, list):
            raise FineractUnavailable("Fineract loans: expected totalFilteredRecords and pageItems")
        return total, [item for item in items if isinstance(item, dict)]

    def client_accounts(self, client_id: int) -> dict[str, Any]:
        return self._object(f"clients/{int(client_id)}/accounts")

    # --- loans ----------------------------------------------------------------------------

    def loan(self, loan_id: int) -> dict[str, Any]:
        """A loan with its schedule, transactions and charges."""
        return self._object(f"loans/{int(loan_id)}", {"associations": LOAN_ASSOCIATIONS})

    def loan_product(self, product_id: int) -> dict[str, Any]:
        return self._object(f"loanproducts/{int(product_id)}")

    def currencies(self) -> list[dict[str, Any]]:
        """The tenant's currencies (``selectedCurrencyOptions``), with their decimalPlaces."""
        body = self._object("currencies")
        selected = body.get("selectedCurrencyOptions")
        if not isinstance(selected, list):
            raise FineractUnavailable("Fineract currencies: expected selectedCurrencyOptions")
        return selected
