"""A stand-in for Alibaba Cloud's SMS endpoint, on 127.0.0.1 in a thread of the test process.

It checks a request the way the real endpoint does (Action, Version, the RPC HMAC-SHA1
signature computed with the shared secret, a fresh nonce, a recent timestamp), records what it
was asked, and answers with what the test queued: ``OK`` with a BizId by default.

The signature check is written from Alibaba's documentation, independently of the SDK, so a
passing test means the gateway signs as the real endpoint expects.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

REQUIRED = (
    "Action", "Version", "AccessKeyId", "SignatureMethod", "SignatureVersion", "SignatureNonce",
    "Timestamp", "Signature", "PhoneNumbers", "SignName", "TemplateCode",
)  # fmt: skip


def percent_encode(value: str) -> str:
    return quote(value, safe="-_.~")


def rpc_signature(params: dict[str, str], *, method: str, secret: str) -> str:
    """Alibaba Cloud RPC signature v1.0: HMAC-SHA1 over the canonicalised, sorted parameters."""
    canonical = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()) if k != "Signature"
    )
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass
class Answer:
    status: int = 200
    body: dict[str, str] | str | None = None
    delay: float = 0.0


@dataclass
class FakeAliyun:
    access_key_id: str = "LTAI-test-key"
    secret: str = "test-secret-shared-with-fake"
    answers: list[Answer] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    nonces: set[str] = field(default_factory=set)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}/"

    def answer(self, code: str = "OK", *, status: int = 200, message: str = "", delay: float = 0.0) -> None:
        body = {"Code": code, "Message": message or code, "RequestId": "FAKE-REQ"}
        if code == "OK":
            body["BizId"] = f"{900000 + len(self.answers)}^0"
        self.answers.append(Answer(status=status, body=body, delay=delay))

    def answer_raw(self, status: int, text: str) -> None:
        self.answers.append(Answer(status=status, body=text))

    def check(self, method: str, params: dict[str, str]) -> tuple[int, dict[str, str]] | None:
        """The error the real endpoint would give for this request, or None if it is valid."""
        missing = [name for name in REQUIRED if not params.get(name)]
        if missing:
            return 400, {"Code": "MissingParameter", "Message": f"missing {missing}"}
        if params["Action"] != "SendSms" or params["Version"] != "2017-05-25":
            return 400, {"Code": "InvalidAction.NotFound", "Message": params["Action"]}
        if params["AccessKeyId"] != self.access_key_id:
            return 404, {"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found."}
        if (params["SignatureMethod"], params["SignatureVersion"]) != ("HMAC-SHA1", "1.0"):
            return 400, {"Code": "InvalidSignatureMethod", "Message": params["SignatureMethod"]}
        stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if abs(datetime.now(UTC) - stamp) > timedelta(minutes=15):
            return 400, {"Code": "InvalidTimeStamp.Expired", "Message": params["Timestamp"]}
        if params["SignatureNonce"] in self.nonces:
            return 400, {"Code": "SignatureNonceUsed", "Message": "nonce used"}
        expected = rpc_signature(params, method=method, secret=self.secret)
        if not hmac.compare_digest(expected, params["Signature"]):
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched."}
        self.nonces.add(params["SignatureNonce"])
        return None

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, str]:
        params = dict(parse_qsl(urlsplit(path).query, keep_blank_values=True))
        params.update(parse_qsl(body.decode(), keep_blank_values=True))
        error = self.check(method, params)
        if error is not None:
            status, payload = error
            self.rejected.append(payload["Code"])
            return status, json.dumps({**payload, "RequestId": "FAKE-REQ"})
        self.requests.append(params)
        answer = self.answers.pop(0) if self.answers else Answer(body={"Code": "OK", "Message": "OK", "BizId": "900000^0"})
        if answer.delay:
            threading.Event().wait(answer.delay)
        text = answer.body if isinstance(answer.body, str) else json.dumps(answer.body)
        return answer.status, text

    def start(self) -> FakeAliyun:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                status, text = fake.handle(self.command, self.path, self.rfile.read(length))
                payload = text.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json;charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left, as the timeout test intends

            do_GET = do_POST = serve  # noqa: N815 - http.server's naming

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
